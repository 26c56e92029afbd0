"""Renderers for the lifecycle commands: create-wave, status, marks, remove and prune."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from wtorch.choices import CreateResult, EffortState, MergedHow, RemoveResult
from wtorch.output import console
from wtorch.output.tables import BRANCH, KEY, Column, dropped, show

if TYPE_CHECKING:
    from wtorch.commands.remove import RemoveReport
    from wtorch.commands.status import StatusReport
    from wtorch.commands.wave_result import CreateWaveResult, Outcome, SetupRun

_STYLE = {
    CreateResult.CREATED: "green",
    CreateResult.PUSHED: "green",
    CreateResult.EXISTS: "dim",
    CreateResult.SKIPPED: "dim",
    CreateResult.WOULD_CREATE: "cyan",
    CreateResult.REFUSED: "red",
    CreateResult.FAILED: "red",
    CreateResult.SETUP_FAILED: "yellow",
    CreateResult.PUSH_FAILED: "yellow",
}


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[str], None]]:
    """A progress bar on a terminal; nothing when output is captured or piped."""
    from wtorch.output.plain import PlainConsole

    out = console()
    if isinstance(out, PlainConsole) or not out.is_terminal:
        yield lambda item: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=out,
        transient=True,
        disable=not out.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=total)

        def step(item: str) -> None:
            bar.update(task, advance=1, description=f"{label}: {item}")

        yield step


_WAVE_COLUMNS = (Column("effort", KEY), BRANCH, Column("base", 2), Column("worktree", 3), Column("result", 1))


def render_create_wave(result: CreateWaveResult) -> None:
    from wtorch.output.plain import escape

    out = console()
    title = f"Wave {result.wave}" + (" (dry run: nothing changed)" if result.dry_run else "")
    rows = [[o.id, o.branch, o.base or "-", _short_path(o.worktree), _result(o)] for o in result.outcomes]
    # Too narrow for the result column: each effort's result goes on a line of its own under the table.
    narrow = "result" in dropped(_WAVE_COLUMNS, rows)
    show(title, _WAVE_COLUMNS, rows)
    for o in result.outcomes:
        if narrow:
            out.print(f"{escape(o.id)}: {_result(o)}")
        _what_happened(o)
    if not result.dry_run and not result.changed and result.exit_code == 0:
        out.print(f"Nothing to do: every effort of wave {result.wave} already has its branch and worktree.")


def _result(o: Outcome) -> str:
    from wtorch.output.plain import escape

    style = _STYLE.get(o.result, "")
    text = escape(o.result + (f": {o.detail}" if o.detail else ""))
    return f"[{style}]{text}[/]" if style else text


SETUP_TAIL = 10
"""How many of a failing setup command's last lines are shown (the whole output is in its log and in --json)."""


def _what_happened(o: Outcome) -> None:
    """Under the table, per effort: the files copied into its worktree, the notes, and each setup
    command's result — a failure with its exit code, its last lines and where its whole output is."""
    from wtorch.output.plain import escape

    out = console()
    who = escape(o.id)
    if o.copied:
        out.print(f"{who}: copied {escape(', '.join(o.copied))}")
    for note in o.notes:
        out.print(f"{who}: {escape(note)}")
    for s in o.setup:
        head = f"{who}: setup `{escape(s.command)}`"
        if s.ok:
            out.print(f"{head}: [green]ok[/]")
            continue
        lines = s.tail(SETUP_TAIL)
        out.print(f"{head} [yellow]failed ({_ended(s)})[/]" + (":" if lines else ", with no output"))
        for line in lines:
            out.print(f"    {line}", markup=False)
        if lines and s.log is not None:
            out.print(f"    full log: {_short_path(s.log)}", markup=False)


def _ended(s: SetupRun) -> str:
    return f"exit {s.returncode}" if s.returncode >= 0 else f"killed by signal {-s.returncode}"


def age(stamp: str | None, *, now: Any = None) -> str:
    """'5m', '3h', '2d' since an ISO-8601 time; '-' when there is none."""
    import datetime as dt

    if not stamp:
        return "-"
    then = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    seconds = max(0, int(((now or dt.datetime.now(dt.UTC)) - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _short_path(path: Any) -> str:
    """A worktree path as the user would type it from here (relative when that is shorter)."""
    import os

    relative = os.path.relpath(path)
    return relative if len(relative) < len(str(path)) else str(path)


_STATUS_COLUMNS = (
    Column("wave", 4),
    Column("effort", KEY),
    BRANCH,
    Column("state", 1),
    Column("worktree", 6),
    Column("dirty", 3),
    Column("ahead/behind", 5),
    Column("lines", 2),
    Column("commit", 7),
    Column("sync", 8),
)


def render_status(report: StatusReport) -> None:
    out = console()
    rows = []
    state_style = {
        EffortState.ACTIVE: "green",
        EffortState.COMPLETE: "blue",
        EffortState.DEFUNCT: "red",
        EffortState.PLANNED: "dim",
        EffortState.CREATED: "cyan",
    }
    for e in report.efforts:
        path = _short_path(e.worktree) if e.worktree else ""
        where = path if e.worktree and e.worktree_state == "ok" else e.worktree_state
        if e.worktree and e.worktree_state not in ("ok", "none"):
            where = f"[yellow]{e.worktree_state}[/]: {path}"
        lines = "-" if e.lines is None else f"{e.lines}/{report.max_lines}"
        if e.over:
            lines = f"[red]{lines} over[/]"
        state = e.state + (f" ({e.merged_how})" if e.merged_how and e.merged_how != MergedHow.MARKED else "")
        if e.stacked_on:
            state += (
                f" (would stack on {e.stacked_on})"
                if e.state == EffortState.PLANNED
                else f", stacked on {e.stacked_on}"
            )
        if e.setup and e.setup != "ok":
            state += f" [yellow]({e.setup})[/]"
        if e.split_into:
            state += f", split into {len(e.split_into)}"
        rows.append(
            [
                str(e.wave),
                e.id,
                e.branch,
                f"[{state_style.get(e.state, '')}]{state}[/]",
                where,
                "-" if e.dirty is None else (f"[yellow]{e.dirty}[/]" if e.dirty else "0"),
                ("-" if e.ahead is None else f"{e.ahead}/{e.behind}")
                + ("" if e.remote_ahead is None else f" (remote {e.remote_ahead}/{e.remote_behind})"),
                lines,
                age(e.last_commit),
                age(e.last_sync),
            ]
        )
    show("Efforts", _STATUS_COLUMNS, rows)
    for w in report.waves:
        progress = f"wave {w.number}: {w.done}/{len(w.efforts)} complete"
        if w.blocked_by:
            blocked = ", ".join(w.blocked_by)
            note = "can start stacked on it" if w.startable else "blocked"
            progress += f"; waits for {blocked} ({note})"
        out.print(progress)


def render_remove(result: RemoveReport) -> None:
    out = console()
    if not result.actions:
        out.print("Nothing to remove.")
    for a in result.actions:
        colour = {RemoveResult.REFUSED: "red", RemoveResult.KEPT: "yellow"}.get(a.result, "green")
        reason = f" ({a.reason})" if a.reason else ""
        out.print(f"[{colour}]{a.result}[/] {a.kind} {a.target}{reason}")
