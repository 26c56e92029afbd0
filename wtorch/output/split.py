"""Renderers for `wtorch split`: the chunk table and a Mermaid picture of the stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wtorch.choices import RunResult
from wtorch.output import console
from wtorch.output.tables import BRANCH, KEY, Column, show
from wtorch.runner import seconds_text

if TYPE_CHECKING:
    from wtorch.commands.split import SplitReport
    from wtorch.runner import RunOutcome


def render_table(report: SplitReport, *, verbose: bool = False) -> None:
    out = console()
    plan = report.plan
    out.print(
        f"{report.target.branch}: {plan.total_lines} lines against {report.target.base} "
        f"(merge-base {report.count.merge_base[:12]}), budget {plan.max_lines}: "
        f"{len(plan.chunks)} chunk(s), floor {plan.floor}"
    )
    columns = [Column("n", KEY), BRANCH, Column("lines", 1), Column("files", 3)]
    columns += [Column("main directories", 4), Column("needs", 2)]
    if report.checks:
        columns.append(Column("check", 1))
    rows = []
    for i, (chunk, name) in enumerate(zip(plan.chunks, report.names, strict=True)):
        over = chunk.lines > plan.max_lines
        row = [
            str(chunk.n),
            name,
            f"[red]{chunk.lines}[/]" if over else str(chunk.lines),
            str(len(chunk.files)),
            ", ".join(chunk.directories) or ".",
            ", ".join(map(str, chunk.needs)) or "-",
        ]
        if report.checks:
            row.append(_verdict(report.checks[i]))
        rows.append(row)
    show("Split plan" + (" (applied)" if report.applied else ""), columns, rows)
    if report.stale:
        out.print(f"[yellow]left from an earlier split, not deleted:[/] {', '.join(report.stale)}")
    for o in plan.oversized:
        out.print(f"[yellow]oversized:[/] {', '.join(o.files)}: {o.lines} lines ({o.why})")
    if verbose:
        for chunk, name in zip(plan.chunks, report.names, strict=True):
            out.print(f"{name}:")
            for path in chunk.files:
                out.print(f"  {path}", markup=False)
    if report.checks:
        _check_summary(report)
    if report.remote and report.applied:
        _push_summary(report)
    if not plan.chunks:
        out.print("Nothing to split: the branch changes no lines against its base.")


def _verdict(check: RunOutcome) -> str:
    if check.result is RunResult.OK:
        return "[green]pass[/]"
    if check.result is RunResult.TIMED_OUT:
        return "[red]timed out[/]"
    return f"[red]fail ({check.returncode if check.returncode is not None else check.why})[/]"


def _check_summary(report: SplitReport, tail: int = 5) -> None:
    """One line per chunk, the last lines of each failure and its log; never the whole output."""
    from wtorch.output.plain import escape

    out = console()
    command = report.checks[0].job.argv[-1]
    out.print(f"`{command}` at every chunk (logs in {report.checks[0].log.parent}):", markup=False, highlight=False)
    failed = []
    for chunk, name, check in zip(report.plan.chunks, report.names, report.checks, strict=True):
        verdict = _verdict(check)
        out.print(f"  {chunk.n}. {escape(name)}: {verdict} ({seconds_text(check.seconds)})", highlight=False)
        if check.result is not RunResult.OK:
            failed.append(f"{chunk.n} ({escape(name)})")
            for line in check.tail[-tail:] or ("(no output)",):
                out.print(f"       {line}", markup=False, highlight=False)
            out.print(f"       log: {check.log}", markup=False, highlight=False)
    if failed:
        which = "chunk " + failed[0] if len(failed) == 1 else "chunks " + ", ".join(failed)
        out.print(
            f"[red]{which} failed the check.[/] The chunk branches are left as they are: fix the chunk "
            "there, or run `wtorch undo` to delete them."
        )


def _push_summary(report: SplitReport) -> None:
    """What --push did: the `gh pr create` line of each chunk, bottom first (whole lines, however wide,
    so they can be copied or piped to sh); or why the branches are not all on the remote, and how to
    put them there."""
    import shlex

    from wtorch.commands.split_apply import pull_requests
    from wtorch.output.plain import escape

    out = console()
    remote = escape(report.remote or "")
    if report.pushed == report.names:
        out.print(f"Pushed to {remote} with upstream tracking. The stacked pull requests, bottom first:")
        for line in pull_requests(report):
            out.print(line, markup=False, soft_wrap=True)
        return
    by_hand = shlex.join(["git", "push", "--set-upstream", report.remote or "", *report.names])
    if not report.checks or all(c.result is RunResult.OK for c in report.checks):
        out.print(
            f"[red]The chunk branches are made, but pushing them to {remote} failed:[/] {escape(report.push_error)}"
        )
        if report.pushed:
            out.print(f"on {remote} already: {escape(', '.join(report.pushed))}")
        out.print("Run the same command again to push them (it carries on from this run), or push them yourself:")
    else:
        out.print(f"[yellow]Not pushed to {remote}:[/] the check failed. Once the chunks are fixed, push them:")
    out.print(by_hand, markup=False, soft_wrap=True)


def render_mermaid(report: SplitReport) -> str:
    lines = ["flowchart BT", f'  base["{report.target.base}"]']
    previous = "base"
    for chunk, name in zip(report.plan.chunks, report.names, strict=True):
        node = f"c{chunk.n}"
        dirs = ", ".join(chunk.directories) or "."
        lines.append(f'  {node}["{chunk.n}. {name}<br/>{chunk.lines} lines<br/>{dirs}"]')
        lines.append(f"  {node} --> {previous}")
        previous = node
    return "\n".join(lines) + "\n"
