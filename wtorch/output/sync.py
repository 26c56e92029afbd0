"""Renderers for `wtorch sync`, `log` and `undo`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wtorch.choices import SyncResult
from wtorch.output import console
from wtorch.output.tables import BRANCH, KEY, Column, show

if TYPE_CHECKING:
    from wtorch.commands.sync_result import SyncReport
    from wtorch.commands.undo import LogReport

_STYLE = {
    SyncResult.SYNCED: "green",
    SyncResult.CONFLICT: "red",
    SyncResult.FAILED: "red",
    SyncResult.WOULD_CONFLICT: "red",
    SyncResult.SKIPPED: "yellow",
    SyncResult.WOULD_SYNC: "cyan",
}


_SYNC_COLUMNS = (
    Column("effort", KEY),
    BRANCH,
    Column("onto", 3),
    Column("before -> after", 4),
    Column("result", 1),
    Column("why", 2),
)


def render_sync(result: SyncReport) -> None:
    title = f"Sync ({result.strategy})" + (" - dry run: nothing changed" if result.dry_run else "")
    rows = []
    for o in result.outcomes:
        moved = (
            f"{(o.before or '-')[:10]} -> {(o.after or '-')[:10]}" if o.before != o.after else (o.before or "-")[:10]
        )
        style = _STYLE.get(o.result, "")
        rows.append([o.id, o.branch, o.base, moved, f"[{style}]{o.result}[/]" if style else o.result, o.why])
    out = console()
    if rows:
        show(title, _SYNC_COLUMNS, rows)
    for o in result.outcomes:
        for note in o.notes:
            out.print(f"{o.id}: {note}")
    if not result.outcomes:
        out.print("No effort to sync.")


def render_log(log: LogReport) -> None:
    from wtorch.output.plain import escape

    out = console()
    if not log.operations:
        out.print("The operations log is empty.")
    for op in log.operations:
        unfinished = "" if op.finished else "  [yellow](unfinished: cut short, or still running)[/]"
        out.print(f"[bold]{op.number}[/] {op.at}  wtorch {escape(op.command)}{unfinished}", markup=True)
        for m in op.refs:
            before, after = (m.before or "-")[:10], (m.after or "-")[:10]
            out.print(f"    {m.ref}: {before} -> {after}", markup=False)
        for path in op.worktrees_created:
            out.print(f"    + worktree {path}", markup=False)
        for path in op.worktrees_removed:
            out.print(f"    - worktree {path}", markup=False)
        if op.note:
            out.print(f"    {op.note}", markup=False)
