"""Renderers for `wtorch plan`: rich tables, Markdown and Mermaid."""

from __future__ import annotations

from wtorch.commands.plan import PlanReport
from wtorch.output import console
from wtorch.output.mermaid import Node, wave_flowchart


def _list(items: tuple[str, ...] | list[str], empty: str = "-") -> str:
    return ", ".join(items) if items else empty


def _num(value: int | None) -> str:
    return f"{value:,}" if value is not None else "-"


def render_table(report: PlanReport) -> None:
    from rich.table import Table

    out = console()
    out.print(
        f"[bold]{report.project}[/]: {len(report.efforts)} efforts in {len(report.waves)} waves, "
        f"budget {report.max_lines} lines per branch"
    )
    waves = Table(title="Waves", title_justify="left")
    for column in ("wave", "efforts", "estimate", "parallel", "waits for"):
        waves.add_column(column)
    for w in report.waves:
        cap = f"{len(w.efforts)}/{report.max_parallel}" if report.max_parallel else str(len(w.efforts))
        waves.add_row(
            str(w.number),
            _list(w.efforts),
            _num(w.estimate),
            f"[red]{cap}[/]" if w.over_capacity else cap,
            _list(w.needs),
        )
    out.print(waves)
    efforts = Table(title="Dependency matrix", title_justify="left")
    for column in ("wave", "effort", "estimate", "owner", "depends on", "blocks", "can run in parallel with"):
        efforts.add_column(column)
    for e in report.efforts:
        name = f"[bold]{e.id}[/] *" if e.critical else e.id
        estimate = f"[red]{_num(e.estimate)}[/]" if e.over_budget else _num(e.estimate)
        efforts.add_row(
            str(e.wave), name, estimate, e.owner or "-", _list(e.depends_on), _list(e.blocks), _list(e.parallel_with)
        )
    out.print(efforts)
    out.print(
        f"Critical path (*): {' -> '.join(report.critical_path) or '-'} ({report.critical_estimate:,} estimated lines)"
    )
    if report.path_conflicts:
        conflicts = Table(title="Path conflicts", title_justify="left")
        for column in ("wave", "efforts", "paths"):
            conflicts.add_column(column)
        for c in report.path_conflicts:
            conflicts.add_row(str(c.wave), _list(c.efforts), _list(c.paths))
        out.print(conflicts)
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
