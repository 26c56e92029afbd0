"""Packing units into ordered chunks: a greedy pass, then local improvement (pure).

A placement is valid when every unit sits in the same chunk as the units it needs or a later
one, and every chunk is within the budget unless it holds one oversized unit alone.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable, Sequence
from heapq import heappop, heappush

from wtorch.split.units import Unit


class _Shelf:
    """Ready units by weight: the distinct weights in order (few: a bisection among them finds
    the heaviest that fits) and, per weight, a heap of unit indexes (the smallest, the first
    path, wins among equal weights). A unit taken through another shelf is only marked ``gone``
    there; it leaves this shelf's heap when it comes to the top."""

    def __init__(self, gone: list[bool]) -> None:
        self.gone = gone
        self.weights: list[int] = []
        self.heaps: dict[int, list[int]] = {}
        self.live: dict[int, int] = {}

    def add(self, i: int, weight: int) -> None:
        if not self.live.get(weight):
            insort(self.weights, weight)
            self.heaps[weight], self.live[weight] = [], 0
        heappush(self.heaps[weight], i)
        self.live[weight] += 1

    def best(self, room: int) -> int | None:
        """The heaviest unit that fits in ``room``."""
        k = bisect_right(self.weights, room)
        if not k:
            return None
        heap = self.heaps[self.weights[k - 1]]
        while self.gone[heap[0]]:
            heappop(heap)
        return heap[0]

    def remove(self, weight: int) -> None:
        """One unit of ``weight`` is gone (already marked so)."""
        self.live[weight] -= 1
        if not self.live[weight]:
            del self.weights[bisect_left(self.weights, weight)]


class _Ready:
    """Units whose needs are placed, searchable by weight overall and per directory."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.units = units
        self.gone = [False] * len(units)
        self.all = _Shelf(self.gone)
        self.by_dir: dict[str, _Shelf] = {}

    def add(self, i: int) -> None:
        unit = self.units[i]
        self.all.add(i, unit.lines)
        if unit.directory not in self.by_dir:
            self.by_dir[unit.directory] = _Shelf(self.gone)
        self.by_dir[unit.directory].add(i, unit.lines)

    def take(self, room: int, dirs: Sequence[str]) -> int | None:
        """The largest ready unit that fits, looking in ``dirs`` first."""
        for d in dirs:
            shelf = self.by_dir.get(d)
            if shelf is not None and (i := shelf.best(room)) is not None:
                return self._remove(i)
        i = self.all.best(room)
        return None if i is None else self._remove(i)

    def _remove(self, i: int) -> int:
        unit = self.units[i]
        self.gone[i] = True
        self.all.remove(unit.lines)
        self.by_dir[unit.directory].remove(unit.lines)
        return i


def _edges(units: Sequence[Unit], *, backwards: bool) -> tuple[list[int], list[list[int]]]:
    """How many units each waits for, and who waits for each; reversed when packing backwards."""
    pending = [0] * len(units)
    dependents: list[list[int]] = [[] for _ in units]
    for i, u in enumerate(units):
        for d in u.needs:
            before, after = (i, d) if backwards else (d, i)
            dependents[before].append(after)
            pending[after] += 1
    return pending, dependents


def greedy(units: Sequence[Unit], budget: int, *, affinity: bool, backwards: bool = False) -> list[list[int]]:
    """Fill one chunk at a time in dependency order, largest ready unit that fits first.

    ``backwards`` fills from the last chunk: what nothing needs first. Packing from the other
    end leaves the slack in different places, and some graphs pack tighter that way.
    """
    pending, dependents = _edges(units, backwards=backwards)
    ready = _Ready(units)
    big: list[int] = []

    def make_ready(i: int) -> None:
        if units[i].lines > budget:
            insort(big, i)
        else:
            ready.add(i)

    def release(i: int) -> None:
        for j in dependents[i]:
            pending[j] -= 1
            if pending[j] == 0:
                make_ready(j)

    for i in range(len(units)):
        if pending[i] == 0:
            make_ready(i)
    chunks: list[list[int]] = []
    current: list[int] = []
    room = budget
    dir_lines: dict[str, int] = defaultdict(int)
    while True:
        if not current and big:
            # An oversized unit takes a chunk of its own; placing it early frees its dependents.
            i = big.pop(0)
            chunks.append([i])
            release(i)
            continue
        dirs = sorted(dir_lines, key=lambda d: (-dir_lines[d], d))[:4] if affinity else []
        picked = ready.take(room, dirs)
        if picked is None:
            if not current:
                break
            chunks.append(current)
            current, room, dir_lines = [], budget, defaultdict(int)
            continue
        current.append(picked)
        room -= units[picked].lines
        dir_lines[units[picked].directory] += units[picked].lines + 1
        release(picked)
    return chunks[::-1] if backwards else chunks


class Improver:
    """Moves units between chunks within their order window to drop chunks and join directories."""

    def __init__(self, units: Sequence[Unit], budget: int, chunks: list[list[int]]) -> None:
        self.units, self.budget = units, budget
        self.dependents: list[list[int]] = [[] for _ in units]
        for i, u in enumerate(units):
            for d in u.needs:
                self.dependents[d].append(i)
        self.members = [set(c) for c in chunks]
        self.where = [0] * len(units)
        self.load = [0] * len(chunks)
        self.mass: list[dict[str, int]] = [defaultdict(int) for _ in chunks]
        self.holding: dict[str, set[int]] = defaultdict(set)
        for c, chunk in enumerate(chunks):
            for i in chunk:
                self.where[i] = c
                self.load[c] += units[i].lines
                self.mass[c][units[i].directory] += units[i].lines + 1
                self.holding[units[i].directory].add(c)
        # Oversized chunks hold their unit alone; nothing moves in or out.
        self.fixed = [len(c) == 1 and units[c[0]].lines > budget for c in chunks]

    def chunks(self) -> list[list[int]]:
        return [sorted(m) for m in self.members if m]

    def window(self, i: int) -> tuple[int, int]:
        lo = max((self.where[d] for d in self.units[i].needs), default=0)
        hi = min((self.where[j] for j in self.dependents[i]), default=len(self.members) - 1)
        return lo, hi

    def move(self, i: int, to: int) -> None:
        u, c = self.units[i], self.where[i]
        self.members[c].discard(i)
        self.load[c] -= u.lines
        self.mass[c][u.directory] -= u.lines + 1
        if not self.mass[c][u.directory]:
            self.holding[u.directory].discard(c)
        self.members[to].add(i)
        self.load[to] += u.lines
        self.mass[to][u.directory] += u.lines + 1
        self.holding[u.directory].add(to)
        self.where[i] = to

    def _target(self, i: int, avoid: int, among: Iterable[int] | None = None) -> int | None:
        """A chunk in the window with room: most of the unit's directory, then tightest fit."""
        u = self.units[i]
        lo, hi = self.window(i)
        limit, load = self.budget - u.lines, self.load
        # Oversized chunks are over the budget, so the load test already keeps them out.
        fits = [t for t in (range(lo, hi + 1) if among is None else among) if load[t] <= limit and lo <= t <= hi]
        best: tuple[int, int, int] | None = None
        for t in fits:
            # Never into an emptied chunk: that would trade one chunk for another forever.
            if t == avoid or not self.members[t]:
                continue
            key = (-self.mass[t].get(u.directory, 0), limit - load[t], t)
            if best is None or key < best:
                best = key
        return None if best is None else best[2]

    def _try_empty(self, c: int) -> bool:
        """Relocate every unit of chunk ``c`` elsewhere, or change nothing."""
        inside = self._topological(sorted(self.members[c]))
        for order in (inside, inside[::-1]):
            moved: list[int] = []
            for i in order:
                t = self._target(i, c)
                if t is None:
                    break
                self.move(i, t)
                moved.append(i)
            else:
                return True
            for i in reversed(moved):
                self.move(i, c)
        return False

    def _topological(self, inside: list[int]) -> list[int]:
        members, seen, out = set(inside), set(), []

        def visit(i: int) -> None:
            stack = [(i, iter(sorted(self.units[i].needs & members)))]
            seen.add(i)
            while stack:
                node, it = stack[-1]
                nxt = next((d for d in it if d not in seen), None)
                if nxt is None:
                    stack.pop()
                    out.append(node)
                else:
                    seen.add(nxt)
                    stack.append((nxt, iter(sorted(self.units[nxt].needs & members))))

        for i in inside:
            if i not in seen:
                visit(i)
        return out

    def eliminate(self, bound: int) -> None:
        """Empty the lightest chunks while some can be emptied and no plan could do better."""
        while sum(1 for m in self.members if m) > bound:
            live = [c for c, m in enumerate(self.members) if m and not self.fixed[c]]
            rooms = sorted(self.budget - self.load[c] for c in live)
            spare = sum(rooms)
            for c in sorted(live, key=lambda c: (self.load[c], c)):
                heaviest = max(self.units[i].lines for i in self.members[c])
                others = spare - (self.budget - self.load[c])
                # Cheap refusals first: keeps hopeless instances (many near-budget units) fast.
                if self.load[c] > others or heaviest > _best_other_room(rooms, self.budget - self.load[c]):
                    continue
                if self._try_empty(c):
                    break
            else:
                return

    def cohere(self, rounds: int = 4) -> None:
        """Move units to where more of their directory already is, if order and room allow."""
        dirty: set[str] | None = None  # after the first round, only directories that moved
        for _ in range(rounds):
            moved: set[str] = set()
            for i in range(len(self.units)):
                c, u = self.where[i], self.units[i]
                if self.fixed[c] or (dirty is not None and u.directory not in dirty):
                    continue
                here = self.mass[c][u.directory] - (u.lines + 1)
                # Only chunks already holding more of the directory: the sum of squared masses
                # then grows with every move, so this ends.
                richer = [t for t in self.holding[u.directory] if self.mass[t][u.directory] > here]
                if richer and (t := self._target(i, c, sorted(richer))) is not None:
                    self.move(i, t)
                    moved.add(u.directory)
            if not moved:
                return
            dirty = moved


def _best_other_room(rooms: list[int], own: int) -> int:
    """The largest room among chunks, not counting one chunk whose room is ``own``."""
    if len(rooms) < 2:
        return -1
    return rooms[-2] if rooms[-1] == own else rooms[-1]
