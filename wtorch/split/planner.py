"""The split planner: changed files and their edges in, an ordered stack of chunks out (pure)."""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Mapping, Sequence

from wtorch.split.hunks import cut_oversized, into_parts, whole
from wtorch.split.model import ChangedFile, Chunk, Edge, Need, Oversized, SplitPlan
from wtorch.split.packing import Improver, greedy
from wtorch.split.units import Unit, build_units

SINGLE_NEW = "single new file"
SINGLE_MODIFIED = "modified file could be cut by hunks"
SINGLE_DELETED = "deleted file could be cut by hunks"
KEPT_TOGETHER = "files kept together: "


def plan_split(
    files: Sequence[ChangedFile],
    edges: Sequence[Edge],
    *,
    max_lines: int,
    understood: frozenset[str] = frozenset(),
    texts: Mapping[str, tuple[str, str]] | None = None,
) -> SplitPlan:
    """Cut the change into chunks of at most ``max_lines``, each needing only earlier chunks.

    Edges naming files outside ``files`` are ignored. ``understood`` names the files whose
    edges come from symbol facts (``analyse``): a test is then not paired with its source by
    name. ``texts`` (merge-base and tip text by path) lets a modified Python file over the
    budget be cut by hunks (``hunks``). The result does not depend on the order of ``files``
    or ``edges``.
    """
    _check(files, max_lines)
    cuts = cut_oversized(files, texts or {}, max_lines)
    if cuts:
        files, edges, understood = into_parts(files, edges, understood, cuts)
    units = build_units(files, edges, understood)
    total = sum(u.lines for u in units)
    floor = -(-total // max_lines)
    placement = _best_placement(units, max_lines)
    plan = _render(units, placement, files, edges, max_lines=max_lines, total=total, floor=floor)
    return whole(plan, cuts) if cuts else plan


def _check(files: Sequence[ChangedFile], max_lines: int) -> None:
    if max_lines < 1:
        raise ValueError(f"max_lines must be at least 1, not {max_lines}")
    seen: set[str] = set()
    for f in files:
        if f.path in seen:
            raise ValueError(f"{f.path} is listed twice in the change")
        if f.lines < 0:
            raise ValueError(f"{f.path} has a negative line count ({f.lines})")
        seen.add(f.path)


_VARIANTS = ((True, False), (False, False), (True, True), (False, True))  # (affinity, backwards)


def _best_placement(units: Sequence[Unit], budget: int) -> list[list[int]]:
    """Pack with a few greedy variants, keep the fewest chunks then the fewest split directories,
    and polish that one (polishing is the costly step, so only once)."""
    # The least any plan can do: each oversized unit alone, the rest packed without waste.
    big = sum(1 for u in units if u.lines > budget)
    bound = big + -(-sum(u.lines for u in units if u.lines <= budget) // budget)
    homes = [sorted({f.path.rpartition("/")[0] for f in u.files}) for u in units]
    best: tuple[tuple[int, int, int], Improver] | None = None
    for k, (affinity, backwards) in enumerate(_VARIANTS):
        improver = Improver(units, budget, greedy(units, budget, affinity=affinity, backwards=backwards))
        improver.eliminate(bound)
        chunks = improver.chunks()
        score = (len(chunks), _split_directories(homes, chunks), k)
        if best is None or score < best[0]:
            best = (score, improver)
        if score[0] <= max(bound, 1) and score[1] == 0:
            break
    assert best is not None
    improver = best[1]
    improver.cohere()
    improver.eliminate(bound)
    return improver.chunks()


def _split_directories(homes: Sequence[Sequence[str]], chunks: list[list[int]]) -> int:
    """How many extra chunks directories are spread over (0 when each sits in one chunk);
    ``homes``: each unit's directories."""
    spread: dict[str, set[int]] = defaultdict(set)
    for c, chunk in enumerate(chunks):
        for i in chunk:
            for d in homes[i]:
                spread[d].add(c)
    return sum(len(cs) - 1 for cs in spread.values())


def _render(
    units: Sequence[Unit],
    placement: list[list[int]],
    files: Sequence[ChangedFile],
    edges: Sequence[Edge],
    *,
    max_lines: int,
    total: int,
    floor: int,
) -> SplitPlan:
    chunk_of: dict[str, int] = {}
    for n, chunk in enumerate(placement, start=1):
        for i in chunk:
            chunk_of.update((f.path, n) for f in units[i].files)
    for f in files:
        if f.old_path and f.status == "R" and f.old_path not in chunk_of:
            chunk_of[f.old_path] = chunk_of[f.path]
    requires = _requires(edges, chunk_of)
    chunks, oversized = [], []
    for n, chunk in enumerate(placement, start=1):
        members = [units[i] for i in chunk]
        paths = tuple(sorted(f.path for u in members for f in u.files))
        lines = sum(u.lines for u in members)
        chunks.append(
            Chunk(
                n=n,
                files=paths,
                lines=lines,
                needs=tuple(sorted({r.n for r in requires[n]})),
                directories=_directories(members),
                requires=tuple(requires[n]),
            )
        )
        if len(members) == 1 and lines > max_lines:
            oversized.append(Oversized(files=paths, lines=lines, why=_why(members[0])))
    return SplitPlan(
        max_lines=max_lines, total_lines=total, floor=floor, chunks=tuple(chunks), oversized=tuple(oversized)
    )


def _requires(edges: Sequence[Edge], chunk_of: dict[str, int]) -> dict[int, list[Need]]:
    """Per chunk, what it needs from earlier chunks: the file there, the names, and why."""
    found: dict[tuple[int, int, str, str], set[str]] = defaultdict(set)
    for e in edges:
        src, dst = chunk_of.get(e.src), chunk_of.get(e.dst)
        if src is not None and dst is not None and dst < src:
            found[(src, dst, e.dst, e.why)].update(e.names)
    requires: dict[int, list[Need]] = defaultdict(list)
    for (src, dst, path, why), names in sorted(found.items()):
        requires[src].append(Need(dst, path, tuple(sorted(names)), why))
    return requires


def _directories(members: Sequence[Unit]) -> tuple[str, ...]:
    lines: dict[str, int] = defaultdict(int)
    for u in members:
        for f in u.files:
            lines[posixpath.dirname(f.path) or "."] += 0 if f.excluded else f.lines
    return tuple(sorted(lines, key=lambda d: (-lines[d], d))[:3])


def _why(unit: Unit) -> str:
    if len(unit.files) > 1:
        return KEPT_TOGETHER + ", ".join(unit.reasons)
    status = unit.files[0].status
    if status in ("A", "C"):
        return SINGLE_NEW
    return SINGLE_DELETED if status == "D" else SINGLE_MODIFIED
