"""Renderers for `wtorch plan`: rich tables, Markdown and Mermaid."""

from __future__ import annotations

from wtorch.commands.plan import PlanReport
from wtorch.output import console
from wtorch.output.mermaid import Node, wave_flowchart
from wtorch.output.tables import KEY, Column, show


def _list(items: tuple[str, ...] | list[str], empty: str = "-") -> str:
    return ", ".join(items) if items else empty


def _num(value: int | None) -> str:
    return f"{value:,}" if value is not None else "-"


_WAVE_COLUMNS = (
    Column("wave", KEY),
    Column("efforts", 1),
    Column("estimate", 2, "right"),
    Column("parallel", 3),
    Column("waits for", 1),
)
_EFFORT_COLUMNS = (
    Column("wave", 2),
    Column("effort", KEY),
    Column("estimate", 3, "right"),
    Column("owner", 4),
    Column("depends on", 1),
    Column("blocks", 5),
    Column("can run in parallel with", 6),
)


def render_table(report: PlanReport) -> None:
    out = console()
    out.print(
        f"[bold]{report.project}[/]: {len(report.efforts)} efforts in {len(report.waves)} waves, "
        f"budget {report.max_lines} lines per branch"
    )
    waves = []
    for w in report.waves:
        cap = f"{len(w.efforts)}/{report.max_parallel}" if report.max_parallel else str(len(w.efforts))
        over = f"[red]{cap}[/]" if w.over_capacity else cap
        waves.append([str(w.number), _list(w.efforts), _num(w.estimate), over, _list(w.needs)])
    show("Waves", _WAVE_COLUMNS, waves)
    efforts = []
    for e in report.efforts:
        name = f"[bold]{e.id}[/] *" if e.critical else e.id
        estimate = f"[red]{_num(e.estimate)}[/]" if e.over_budget else _num(e.estimate)
        efforts.append(
            [str(e.wave), name, estimate, e.owner or "-", _list(e.depends_on), _list(e.blocks), _list(e.parallel_with)]
        )
    show("Dependency matrix", _EFFORT_COLUMNS, efforts)
    out.print(
        f"Critical path (*): {' -> '.join(report.critical_path) or '-'} ({report.critical_estimate:,} estimated lines)"
    )
    if report.path_conflicts:
        rows = [[str(c.wave), _list(c.efforts), _list(c.paths)] for c in report.path_conflicts]
        show("Path conflicts", (Column("wave", KEY), Column("efforts", 1), Column("paths", 1)), rows)
    for warning in report.warnings:
        out.print(f"[yellow]warning:[/] {warning}")


def render_markdown(report: PlanReport) -> str:
    lines = [f"# Plan: {report.project}", ""]
    lines += [
        f"{len(report.efforts)} efforts in {len(report.waves)} waves; "
        f"budget {report.max_lines} changed lines per branch.",
        "",
    ]
    lines += ["## Waves", "", "| Wave | Efforts | Estimate | Parallel | Waits for |", "|---|---|---|---|---|"]
    for w in report.waves:
        cap = f"{len(w.efforts)}/{report.max_parallel}" if report.max_parallel else str(len(w.efforts))
        cap += " (over capacity)" if w.over_capacity else ""
        lines.append(f"| {w.number} | {_list(w.efforts)} | {_num(w.estimate)} | {cap} | {_list(w.needs)} |")
    lines += ["", "## Critical path", ""]
    lines.append(f"{' → '.join(report.critical_path) or '-'} ({report.critical_estimate:,} estimated lines)")
    lines += [
        "",
        "## Dependency matrix",
        "",
        "| Effort | Wave | Estimate | Owner | Depends on | Blocks | Can run in parallel with |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in report.efforts:
        name = f"**{e.id}**" if e.critical else e.id
        estimate = _num(e.estimate) + (" (over budget)" if e.over_budget else "")
        lines.append(
            f"| {name} | {e.wave} | {estimate} | {e.owner or '-'} | {_list(e.depends_on)} | "
            f"{_list(e.blocks)} | {_list(e.parallel_with)} |"
        )
    if report.path_conflicts:
        lines += ["", "## Path conflicts", "", "| Wave | Efforts | Paths |", "|---|---|---|"]
        for c in report.path_conflicts:
            lines.append(f"| {c.wave} | {_list(c.efforts)} | {_list(c.paths)} |")
    if report.warnings:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in report.warnings]
    return "\n".join(lines) + "\n"


def render_mermaid(report: PlanReport) -> str:
    nodes = [
        Node(
            e.id,
            e.wave,
            f"{e.id}<br/>{e.title}" + (f"<br/>{e.estimate} lines" if e.estimate is not None else ""),
            e.depends_on,
        )
        for e in report.efforts
    ]
    critical = {"critical": ("fill:#ffcccc,stroke:#b00020,stroke-width:2px", report.critical_path)}
    return wave_flowchart([(w.number, f"Wave {w.number}") for w in report.waves], nodes, critical)
