"""Renderers for `wtorch sync`, `log` and `undo`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wtorch.output import console

if TYPE_CHECKING:
    from wtorch.commands.sync import SyncResult
    from wtorch.state import Operation

_STYLE = {"synced": "green", "conflict": "red", "would conflict": "red", "skipped": "yellow", "would sync": "cyan"}


def sync_json(result: SyncResult) -> dict[str, Any]:
    return {
        "schema": 1,
        "strategy": result.strategy,
        "dry_run": result.dry_run,
        "efforts": [
            {
                "id": o.id,
                "branch": o.branch,
                "base": o.base,
                "before": o.before,
                "after": o.after,
                "result": o.result,
                "why": o.why,
                "conflicts": list(o.conflicts),
                "notes": list(o.notes),
            }
            for o in result.outcomes
        ],
    }


def render_sync(result: SyncResult) -> None:
    from rich.table import Table

    title = f"Sync ({result.strategy})" + (" - dry run: nothing changed" if result.dry_run else "")
    table = Table(title=title, title_justify="left")
    for column in ("effort", "branch", "onto", "before -> after", "result", "why"):
        table.add_column(column, overflow="fold")
    for o in result.outcomes:
        moved = (
            f"{(o.before or '-')[:10]} -> {(o.after or '-')[:10]}" if o.before != o.after else (o.before or "-")[:10]
        )
        style = _STYLE.get(o.result, "")
        table.add_row(o.id, o.branch, o.base, moved, f"[{style}]{o.result}[/]" if style else o.result, o.why)
    out = console()
    out.print(table)
    for o in result.outcomes:
        for note in o.notes:
            out.print(f"{o.id}: {note}")
    if not result.outcomes:
        out.print("No effort to sync.")


def log_json(operations: list[Operation]) -> dict[str, Any]:
    return {
        "schema": 1,
        "operations": [
            {
                "number": op.number,
                "command": op.command,
                "at": op.at,
                "refs": [{"ref": m.ref, "before": m.before, "after": m.after} for m in op.refs],
                "worktrees_created": list(op.worktrees_created),
                "worktrees_removed": list(op.worktrees_removed),
                "note": op.note,
            }
            for op in operations
        ],
    }


def render_log(operations: list[Operation]) -> None:
    out = console()
    if not operations:
        out.print("The operations log is empty.")
    for op in reversed(operations):
        out.print(f"[bold]{op.number}[/] {op.at}  wtorch {op.command}", markup=True)
        for m in op.refs:
            before, after = (m.before or "-")[:10], (m.after or "-")[:10]
            out.print(f"    {m.ref}: {before} -> {after}", markup=False)
        for path in op.worktrees_created:
            out.print(f"    + worktree {path}", markup=False)
        for path in op.worktrees_removed:
            out.print(f"    - worktree {path}", markup=False)
        if op.note:
            out.print(f"    {op.note}", markup=False)
