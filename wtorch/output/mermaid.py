"""Mermaid flowcharts of waves: efforts as nodes grouped by wave, dependencies as arrows (plan, report)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    id: str
    wave: int
    label: str
    """Lines of the node's text (joined with <br/>)."""
    depends_on: Sequence[str] = ()


def _text(value: str) -> str:
    return value.replace('"', "'")


def wave_flowchart(
    waves: Sequence[tuple[int, str]],
    nodes: Sequence[Node],
    classes: Mapping[str, tuple[str, Sequence[str]]] | None = None,
) -> str:
    """`flowchart TD` with one subgraph per (number, title) wave; `classes` maps a class name to its
    style and the node ids that carry it. Node ids are generated (effort ids may hold '-' or '.')."""
    key = {n.id: f"e{i}" for i, n in enumerate(nodes, start=1)}
    lines = ["flowchart TD"]
    for number, title in waves:
        lines.append(f'  subgraph wave{number}["{_text(title)}"]')
        for n in (n for n in nodes if n.wave == number):
            lines.append(f'    {key[n.id]}["{_text(n.label)}"]')
        lines.append("  end")
    for n in nodes:
        for dep in n.depends_on:
            if dep in key:
                lines.append(f"  {key[dep]} --> {key[n.id]}")
    for name, (style, members) in (classes or {}).items():
        chosen = [key[m] for m in members if m in key]
        if chosen:
            lines.append(f"  classDef {name} {style}")
            lines.append(f"  class {','.join(chosen)} {name}")
    return "\n".join(lines) + "\n"
