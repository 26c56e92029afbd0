"""Cutting one modified Python file over the budget into parts by hunks (pure).

The change of the file is diffed by lines; consecutive hunks are grouped, each group at most the
budget, and a group ends only where the file, with the hunks so far applied to the merge-base
text, still parses and still defines every top-level name the two ends share (so the rest of
the repository, which only relies on those, keeps importing). When no such cut exists the file
stays whole. The planner puts the parts in order: the first part carries the file's own needs,
the last part what others need from it.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from wtorch.split.model import ChangedFile, Edge, SplitPlan, Why

PART = "\0part "
"""Separates a file's path from its part number in the planner's internal names."""
_PART_NAME = re.compile(re.escape(PART) + r"(\d+)")


@dataclass(frozen=True)
class Part:
    """One group of hunks: the changed lines it carries and the file's text once it is applied."""

    lines: int
    text: str


def cut_by_hunks(old: str, new: str, budget: int) -> list[Part] | None:
    """Parts (in order, the last one's text is ``new``) of at most ``budget`` diff lines each
    where possible; None when the change cannot be cut into two or more valid parts."""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    shared = _names(old)
    if shared is None or (tip_names := _names(new)) is None:
        return None
    shared &= tip_names
    hunks = [
        (i2, j2, (i2 - i1) + (j2 - j1))
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
        if tag != "equal"
    ]
    parts: list[Part] = []
    start = 0
    while start < len(hunks):
        end = _group_end(hunks, start, budget, before, after, shared)
        weight = sum(w for _, _, w in hunks[start:end])
        i2, j2, _ = hunks[end - 1]
        parts.append(Part(weight, "".join(after[:j2] + before[i2:])))
        start = end
    if len(parts) < 2:
        return None
    parts[-1] = Part(parts[-1].lines, new)
    return parts


def _group_end(
    hunks: list[tuple[int, int, int]], start: int, budget: int, before: list[str], after: list[str], shared: set[str]
) -> int:
    """The end (exclusive) of the largest group from ``start`` that fits and leaves a valid file;
    past the budget only when no group that fits does."""
    fits = start
    total = 0
    while fits < len(hunks) and (fits == start or total + hunks[fits][2] <= budget):
        total += hunks[fits][2]
        fits += 1
    for end in range(fits, start, -1):
        if end == len(hunks) or _valid(hunks[end - 1], before, after, shared):
            return end
    for end in range(fits + 1, len(hunks) + 1):
        if end == len(hunks) or _valid(hunks[end - 1], before, after, shared):
            return end
    return len(hunks)


def _valid(hunk: tuple[int, int, int], before: list[str], after: list[str], shared: set[str]) -> bool:
    i2, j2, _ = hunk
    names = _names("".join(after[:j2] + before[i2:]))
    return names is not None and shared <= names


def _names(text: str) -> set[str] | None:
    """Top-level names a module defines, or None when it does not parse."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(a.asname or a.name.split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def cut_oversized(
    files: Sequence[ChangedFile], texts: Mapping[str, tuple[str, str]], budget: int
) -> dict[str, list[Part]]:
    """The modified Python files over the budget that can be cut, with their parts."""
    cuts = {}
    for f in sorted(files, key=lambda f: f.path):
        if f.status == "M" and not f.excluded and f.lines > budget and f.path in texts:
            old, new = texts[f.path]
            if (parts := cut_by_hunks(old, new, budget)) is not None:
                cuts[f.path] = parts
    return cuts


def into_parts(
    files: Sequence[ChangedFile], edges: Sequence[Edge], understood: frozenset[str], cuts: dict[str, list[Part]]
) -> tuple[list[ChangedFile], list[Edge], frozenset[str]]:
    """The change with each cut file replaced by its parts, chained in order: the first part
    takes the file's own needs, the last what others need from it."""
    out: list[ChangedFile] = []
    for f in files:
        parts = cuts.get(f.path)
        if parts is None:
            out.append(f)
            continue
        weights = [p.lines for p in parts[:-1]]
        weights.append(max(0, f.lines - sum(weights)))  # the gate's count, not difflib's, is the total
        out += [replace(f, path=f"{f.path}{PART}{i}", lines=w) for i, w in enumerate(weights, start=1)]
    moved = []
    for e in edges:
        src = f"{e.src}{PART}1" if e.src in cuts else e.src
        dst = f"{e.dst}{PART}{len(cuts[e.dst])}" if e.dst in cuts else e.dst
        moved.append(replace(e, src=src, dst=dst))
    for path, parts in cuts.items():
        moved += [Edge(f"{path}{PART}{i + 1}", f"{path}{PART}{i}", Why.CONTINUES) for i in range(1, len(parts))]
    known = understood | {f"{p}{PART}{i}" for p in understood & cuts.keys() for i in range(1, len(cuts[p]) + 1)}
    return out, moved, known


def whole(plan: SplitPlan, cuts: dict[str, list[Part]]) -> SplitPlan:
    """The plan in real paths: a chunk that holds a part of a file (and not its last) writes the
    file's text after that part (``Chunk.partial``)."""

    def real(path: str) -> str:
        return path.split(PART, 1)[0]

    chunks = []
    for c in plan.chunks:
        upto: dict[str, int] = {}
        for p in c.files:
            if PART in p:
                path, i = p.split(PART, 1)
                upto[path] = max(upto.get(path, 0), int(i))
        partial = tuple((p, cuts[p][i - 1].text) for p, i in sorted(upto.items()) if i < len(cuts[p]))
        requires = tuple(replace(r, path=real(r.path)) for r in c.requires)
        files = tuple(sorted({real(p) for p in c.files}))
        chunks.append(replace(c, files=files, requires=tuple(dict.fromkeys(requires)), partial=partial))
    oversized = tuple(
        replace(o, files=tuple(sorted({real(p) for p in o.files})), why=_PART_NAME.sub(r" (part \1)", o.why))
        for o in plan.oversized
    )
    return replace(plan, chunks=tuple(chunks), oversized=oversized)
