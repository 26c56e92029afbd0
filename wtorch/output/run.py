"""Renderers for `wtorch run` and `wtorch validate-wave`: the last lines of what failed (of
everything with -v) with the path of the full log, then a summary table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wtorch.choices import CheckResult, RunResult
from wtorch.output import console
from wtorch.runner import seconds_text

if TYPE_CHECKING:
    from rich.text import Text

    from wtorch.commands.run import RunReport
    from wtorch.commands.validate import ValidateReport
    from wtorch.runner import RunOutcome

_RUN_STYLE = {
    RunResult.OK: "green",
    RunResult.FAILED: "red",
    RunResult.TIMED_OUT: "red",
    RunResult.SKIPPED: "yellow",
}
_CHECK_STYLE = {CheckResult.PASS: "green", CheckResult.FAIL: "red", CheckResult.SKIPPED: "yellow"}


def _printable(text: str) -> str:
    """`text` as the terminal can show it: on one that is not UTF-8, what it cannot encode becomes `?`
    (a command's output may hold anything, and a log path any character)."""
    encoding = console().encoding
    return text if encoding.startswith("utf") else text.encode(encoding, "replace").decode(encoding)


def _styled(text: str, style: str = "") -> Text:
    """User text (paths, output, reasons) as plain text: a `[` in it is never taken for markup."""
    from rich.text import Text

    return Text(_printable(text), style=style)


def _ending(outcome: RunOutcome) -> str:
    if outcome.returncode is not None and outcome.returncode >= 0:
        return f"exit {outcome.returncode} after {seconds_text(outcome.seconds)}"
    return outcome.why


def render_output(name: str, outcome: RunOutcome) -> None:
    """One command's last lines (the whole output when it is short) and where the full log is."""
    from rich.text import Text

    out = console()
    rule = "──" if out.encoding.startswith("utf") else "--"
    out.print(_styled(f"{rule} {name}: {_ending(outcome)} {rule}", _RUN_STYLE.get(outcome.result, "")))
    if not outcome.tail:
        out.print(_styled("(no output)", "dim"))
    for line in outcome.tail:
        out.print(Text.from_ansi(_printable(line)), soft_wrap=True)
    out.print(_styled(f"full log: {outcome.log}", "dim"), soft_wrap=True)
    out.print()


def render_run(report: RunReport, *, verbose: bool = False) -> None:
    from rich.table import Table

    out = console()
    for row in report.rows:
        if row.outcome is not None and (verbose or row.outcome.failed):
            render_output(row.id, row.outcome)
    table = Table(title=_styled(f"Ran: {_shown(report.command)}"), title_justify="left")
    for column in ("effort", "result", "exit", "time", "log", "why"):
        table.add_column(column, overflow="fold")
    for row in report.rows:
        o = row.outcome
        code = "-" if o is None or o.returncode is None else str(o.returncode)
        table.add_row(
            row.id,
            _styled(row.result, _RUN_STYLE.get(row.result, "")),
            code,
            "-" if o is None else seconds_text(o.seconds),
            _styled(o.log.name if o else "-"),
            _styled(row.why),
        )
    out.print(table)
    if report.log_dir is not None:
        out.print(_styled(f"logs: {report.log_dir}"), soft_wrap=True)
    skipped = len(report.rows) - report.ran
    if report.failed:
        out.print(_styled(f"failed: {', '.join(report.failed)}", "red"))
    elif not report.ran:
        out.print(_styled("nothing ran: none of the chosen efforts has a worktree to run in", "red"))
    else:
        out.print(_styled(f"ok: {report.ran} effort(s)" + (f", {skipped} skipped" if skipped else ""), "green"))


def _shown(argv: tuple[str, ...]) -> str:
    import shlex

    return shlex.join(argv)


def render_validate(report: ValidateReport, *, verbose: bool = False) -> None:
    from rich.table import Table

    out = console()
    if report.command is None:
        out.print(
            _styled(f"wave {report.wave}: the manifest has no validate.command; checking clean worktrees and the gate")
        )
    for e in report.efforts:
        if e.outcome is not None and (verbose or e.outcome.failed):
            render_output(e.id, e.outcome)
    title = f"Wave {report.wave}: validate" + (f" ({report.command})" if report.command else "")
    table = Table(title=_styled(title), title_justify="left")
    for column in ("effort", "result", "clean", "gate", "command"):
        table.add_column(column, overflow="fold")
    for e in report.efforts:
        cells = [_styled(f"{c.result}: {c.why}", _CHECK_STYLE[c.result]) for c in e.checks.values()]
        table.add_row(e.id, _styled(e.result, _CHECK_STYLE[e.result]), *cells)
    out.print(table)
    if report.failed:
        out.print(_styled(f"wave {report.wave} failed: {', '.join(report.failed)}", "red"))
        return
    passed = sum(1 for e in report.efforts if e.result is CheckResult.PASS)
    if not passed:
        out.print(_styled(f"wave {report.wave}: nothing to validate (every effort is complete or defunct)", "yellow"))
    else:
        skipped = len(report.efforts) - passed
        note = f" ({skipped} complete or defunct, skipped)" if skipped else ""
        out.print(_styled(f"wave {report.wave}: {passed} effort(s) pass{note}", "green"))
