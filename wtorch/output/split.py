"""Renderers for `wtorch split`: the chunk table and a Mermaid picture of the stack."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wtorch.output import console
from wtorch.output.tables import BRANCH, KEY, Column, show

if TYPE_CHECKING:
    from wtorch.commands.split import SplitReport


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
            check = report.checks[i]
            row.append("[green]pass[/]" if check.ok else f"[red]fail ({check.returncode})[/]")
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
    for i, check in enumerate(report.checks):
        if not check.ok:
            out.print(f"[red]chunk {i + 1}: `{check.command}` exited {check.returncode}[/]")
            out.print(check.output.rstrip() or "(no output)", markup=False)
    if not plan.chunks:
        out.print("Nothing to split: the branch changes no lines against its base.")


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
