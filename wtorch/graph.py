"""Pure graph reasoning over efforts: cycles, waves, critical path, parallelism, path overlaps.

No git and no I/O here, so every function can be property-tested. A dependency map is
`{effort: [efforts it depends on]}`, in manifest order; that order breaks every tie.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Deps = Mapping[str, Sequence[str]]


def _known(deps: Deps, node: str) -> list[str]:
    return [d for d in deps.get(node, ()) if d in deps]


def strongly_connected(deps: Deps) -> list[list[str]]:
    """Tarjan's components, iteratively (a long chain must not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    result: list[list[str]] = []
    for root in deps:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            succ = _known(deps, node)
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return result


def find_cycles(deps: Deps) -> list[list[str]]:
    """Every dependency cycle, as the list of its efforts in manifest order."""
    position = {node: i for i, node in enumerate(deps)}
    cycles = []
    for component in strongly_connected(deps):
        if len(component) > 1 or component[0] in _known(deps, component[0]):
            cycles.append(sorted(component, key=position.__getitem__))
    return sorted(cycles, key=lambda c: position[c[0]])


def topological_order(deps: Deps) -> list[str]:
    """Dependencies before dependents; among ready efforts, manifest order. Assumes no cycle."""
    position = {node: i for i, node in enumerate(deps)}
    waiting = {node: len(set(_known(deps, node))) for node in deps}
    dependents = blocks(deps)
    ready = sorted((n for n, count in waiting.items() if count == 0), key=position.__getitem__)
    order: list[str] = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for child in dependents[node]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
                ready.sort(key=position.__getitem__)
    return order


def rounds(deps: Deps, wanted: Iterable[str]) -> list[list[str]]:
    """The wanted nodes in rounds: each one round after the last wanted node it depends on (so a
    round's nodes depend on none of each other); topological order within a round."""
    chosen = set(wanted)
    depth: dict[str, int] = {}
    for node in topological_order(deps):
        if node in chosen:
            depth[node] = 1 + max((depth[d] for d in _known(deps, node) if d in depth), default=-1)
    found: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for node, level in depth.items():
        found[level].append(node)
    return found


@dataclass(frozen=True)
class WaveConflict:
    effort: str
    declared: int
    dependency: str
    dependency_wave: int

    @property
    def consistent_wave(self) -> int:
        return self.dependency_wave + 1


def assign_waves(deps: Deps, declared: Mapping[str, int | None]) -> tuple[dict[str, int], list[WaveConflict]]:
    """Each effort's wave: declared, else one after its latest dependency (1 with none).

    A declared wave not later than some dependency's wave is a conflict; the effort then keeps
    its declared number so later checks still have a wave to talk about.
    """
    waves: dict[str, int] = {}
    conflicts = []
    for node in topological_order(deps):
        dep_waves = [(waves[d], d) for d in _known(deps, node)]
        latest, latest_dep = max(dep_waves, key=lambda pair: pair[0], default=(0, ""))
        wanted = declared.get(node)
        if wanted is None:
            waves[node] = latest + 1
            continue
        waves[node] = wanted
        if dep_waves and wanted <= latest:
            conflicts.append(WaveConflict(node, wanted, latest_dep, latest))
    return waves, conflicts


def blocks(deps: Deps) -> dict[str, list[str]]:
    """Direct dependents of every effort, in manifest order."""
    result: dict[str, list[str]] = {node: [] for node in deps}
    for node in deps:
        for dep in dict.fromkeys(_known(deps, node)):
            result[dep].append(node)
    return result


def ancestors(deps: Deps) -> dict[str, set[str]]:
    """Everything each effort depends on, directly or not. Assumes no cycle."""
    result: dict[str, set[str]] = {}
    for node in topological_order(deps):
        found: set[str] = set()
        for dep in _known(deps, node):
            found.add(dep)
            found |= result[dep]
        result[node] = found
    return result


def parallel_with(deps: Deps) -> dict[str, list[str]]:
    """Efforts neither upstream nor downstream of each effort: they could run at the same time."""
    up = ancestors(deps)
    down: dict[str, set[str]] = {node: set() for node in deps}
    for node, found in up.items():
        for dep in found:
            down[dep].add(node)
    return {
        node: [other for other in deps if other != node and other not in up[node] and other not in down[node]]
        for node in deps
    }


def critical_path(deps: Deps, weights: Mapping[str, int]) -> tuple[list[str], int]:
    """The longest dependency chain by summed weight; ties go to the earlier effort in the manifest."""
    best: dict[str, int] = {}
    via: dict[str, str | None] = {}
    for node in topological_order(deps):
        prev = None
        for dep in _known(deps, node):
            if prev is None or best[dep] > best[prev]:
                prev = dep
        best[node] = weights.get(node, 0) + (best[prev] if prev is not None else 0)
        via[node] = prev
    if not best:
        return [], 0
    end: str | None = None
    for node in deps:
        if end is None or best[node] > best[end]:
            end = node
    assert end is not None
    total = best[end]
    path: list[str] = []
    cursor: str | None = end
    while cursor is not None:
        path.append(cursor)
        cursor = via[cursor]
    return path[::-1], total


def _normalise(path: str) -> tuple[str, ...]:
    cleaned = path.strip().rstrip("*").strip("/")
    return tuple(part for part in cleaned.split("/") if part and part != ".")


def paths_overlap(a: str, b: str) -> str | None:
    """The shared path when one of two manifest paths contains the other, else None.

    `pkg/quota/` and `pkg/quota/manager.go` overlap on `pkg/quota/manager.go`; a trailing
    `*` or `**` is read as the directory itself.
    """
    pa, pb = _normalise(a), _normalise(b)
    shorter, longer = (pa, pb) if len(pa) <= len(pb) else (pb, pa)
    if longer[: len(shorter)] != shorter:
        return None
    return a if longer is pa else b


@dataclass(frozen=True)
class PathConflict:
    efforts: tuple[str, str]
    paths: tuple[str, ...]


def path_conflicts(paths: Mapping[str, Iterable[str]]) -> list[PathConflict]:
    """Pairs of efforts (in the order given) whose declared paths overlap, with the shared paths."""
    items = [(node, list(ps)) for node, ps in paths.items()]
    found = []
    for i, (a, paths_a) in enumerate(items):
        for b, paths_b in items[i + 1 :]:
            shared = [p for pa in paths_a for pb in paths_b if (p := paths_overlap(pa, pb)) is not None]
            if shared:
                found.append(PathConflict((a, b), tuple(dict.fromkeys(shared))))
    return found


@dataclass(frozen=True)
class Placement:
    """Where an effort builds from (SPEC §3): the base ref, or why it cannot start."""

    base: str | None
    blocked_by: tuple[str, ...]
    stacked_on: str | None = None


def place(
    depends_on: Sequence[str], complete: Mapping[str, bool], started: Mapping[str, str | None], project_base: str
) -> Placement:
    """The base of an effort from its dependencies: project.base when all are complete; the branch of
    the one that is not, when it has been started (`started` maps an effort to its branch, None before
    it has one); else blocked by the incomplete ones."""
    incomplete = [d for d in depends_on if not complete[d]]
    if not incomplete:
        return Placement(project_base, ())
    if len(incomplete) == 1:
        branch = started[incomplete[0]]
        if branch is not None:
            return Placement(branch, (), stacked_on=incomplete[0])
    return Placement(None, tuple(incomplete))
