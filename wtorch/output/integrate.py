"""Renderer for `wtorch integrate`: the efforts, the conflict matrix, the verdict in dependency order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wtorch.commands.integrate import IntegrateReport, PairVia
from wtorch.output import console

if TYPE_CHECKING:
    from rich.console import Console

    from wtorch.output.plain import PlainConsole

CONFLICT = "x"
CLEAN = "."
TIMES = " \N{MULTIPLICATION SIGN} "


def render_integrate(report: IntegrateReport) -> None:
    from wtorch.output.plain import escape

    out = console()
    v = report.verdict
    out.print(f"[bold]Integrate wave {report.wave}[/] onto {escape(report.base)} ({report.base_commit[:10]})")
    if v.members:
        _efforts(out, report)
    for s in report.skipped:
        out.print(f"skipped {escape(s.id)} ({escape(s.branch)}): {escape(s.why)}")
    if not v.members:
        out.print(f"Nothing to integrate: no effort of wave {report.wave} has commits to merge.")
    else:
        if len(v.members) > 1:
            _matrix(out, report)
        out.print(verdict_line(report))
    if report.branch is not None:
        out.print(escape(branch_line(report)))


def _efforts(out: Console | PlainConsole, report: IntegrateReport) -> None:
    from rich.table import Table

    from wtorch.output.plain import escape

    table = Table(title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("effort", no_wrap=True)
    table.add_column("wave", justify="right", no_wrap=True)
    table.add_column("tip", no_wrap=True)
    table.add_column(f"alone onto {escape(report.base)}", overflow="fold")
    table.add_column("branch", overflow="fold")
    for n, m in enumerate(report.verdict.members, 1):
        alone = f"[red]conflict: {escape(', '.join(m.alone))}[/]" if m.alone else "[green]merges[/]"
        effort = escape(m.id) + (f"\n[dim](parent of {escape(m.brought_in_by)})[/]" if m.brought_in_by else "")
        table.add_row(str(n), effort, str(m.wave), m.tip[:10], alone, escape(m.branch))
    out.print(table)


def _matrix(out: Console | PlainConsole, report: IntegrateReport) -> None:
    """Efforts x efforts, numbered as in the table above; then each conflicting pair with its files."""
    from rich.table import Table

    from wtorch.output.plain import escape

    v = report.verdict
    ids = [m.id for m in v.members]
    clash = {frozenset(p.efforts) for p in v.pairs}
    out.print(f"Conflict matrix ({CONFLICT} conflict, {CLEAN} clean), efforts numbered as above:")
    table = Table()
    table.add_column("", justify="right", no_wrap=True)
    table.add_column("effort", no_wrap=True)
    for n in range(1, len(ids) + 1):
        table.add_column(str(n), justify="center", no_wrap=True)
    for n, a in enumerate(ids, 1):
        cells = ["-" if a == b else f"[red]{CONFLICT}[/]" if frozenset((a, b)) in clash else CLEAN for b in ids]
        table.add_row(str(n), escape(a), *cells)
    out.print(table)
    for p in v.pairs:
        how = " (branch against branch)" if p.via == PairVia.BRANCHES else ""
        pair = f"{escape(p.efforts[0])}{TIMES}{escape(p.efforts[1])}"
        out.print(f"[red]{pair}[/]{how}: {escape(', '.join(p.files))}")
    total = v.pairs_merged + v.pairs_disjoint
    out.print(
        f"{total} pairs: {len(v.pairs)} conflicting; {v.pairs_merged} merged with merge-tree, "
        f"{v.pairs_disjoint} clean without a merge (their changes cannot meet)"
    )


def verdict_line(report: IntegrateReport) -> str:
    v = report.verdict
    if v.in_order.failed_at is None:
        return f"In dependency order (as numbered): the whole wave merges onto {report.base}."
    step = len(v.in_order.commits) + 1
    return (
        f"In dependency order (as numbered): merging {v.in_order.failed_at} ({step} of {len(v.members)}) "
        f"fails on {', '.join(v.in_order.files)}."
    )


def branch_line(report: IntegrateReport) -> str:
    if report.commit is not None:
        count = len(report.verdict.in_order.commits)
        return (
            f"Branch {report.branch} written at {report.commit[:10]}: {count} merge commit(s), one per effort "
            "(`wtorch undo` deletes it)."
        )
    why = "nothing to merge" if not report.verdict.members else "the wave does not merge cleanly"
    return f"Branch {report.branch} not written: {why}."
