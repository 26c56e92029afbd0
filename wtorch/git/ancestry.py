"""How commits relate (merge-base, ahead, behind) for many pairs at once: one walk per distinct base.

For a base and the tips measured against it, one `rev-list --parents` lists every commit the tips
reach and the base does not; the rest is counted here. A tip's own commits are the ones it reaches
in that set (ahead); the first commits outside it on the way back are the boundary, and a single
boundary commit is the merge-base. Behind is then `merge-base..base`, one count per distinct
merge-base. A tip with several boundary commits (it merged its base in) is asked of git directly,
as are pairs nobody fetched in advance. See docs/performance.md.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wtorch.git import refs
from wtorch.git.core import run
from wtorch.process import parallel_map


@dataclass(frozen=True)
class Relation:
    """Where `tip` stands against `base` (commit ids)."""

    merge_base: str | None
    """None when the histories are unrelated."""
    ahead: int
    """Commits `tip` has that `base` lacks (0: `tip` is in `base`)."""
    behind: int
    """Commits `base` has that `tip` lacks (0: `base` is in `tip`)."""

    @property
    def contained(self) -> bool:
        """`tip` is an ancestor of `base` (or the same commit)."""
        return self.ahead == 0

    @property
    def up_to_date(self) -> bool:
        """`base` is an ancestor of `tip` (or the same commit)."""
        return self.behind == 0


class Ancestry:
    """Relations of (base, tip) commit pairs: fetched in batches, remembered, asked singly on a miss."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self._known: dict[tuple[str, str], Relation] = {}
        self._lock = threading.Lock()

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Learn every (base, tip) pair not known yet: one walk per distinct base, in parallel."""
        with self._lock:
            wanted = [pair for pair in dict.fromkeys(pairs) if pair not in self._known and all(pair)]
        tips_by_base: dict[str, list[str]] = {}
        for base, tip in wanted:
            tips_by_base.setdefault(base, []).append(tip)
        walked = parallel_map(lambda item: self._walk(*item), list(tips_by_base.items()), jobs=4)
        partial = {pair: found for per_base in walked for pair, found in per_base.items() if isinstance(found, tuple)}
        forks = list({(fork, base) for (base, _), (_, fork) in partial.items() if fork != base})
        behind = dict(zip(forks, parallel_map(lambda fb: _count(self.cwd, *fb), forks, jobs=4), strict=True))
        with self._lock:
            for per_base in walked:
                for (base, tip), found in per_base.items():
                    if isinstance(found, tuple):
                        ahead, fork = found
                        found = Relation(fork, ahead, 0 if fork == base else behind[fork, base])
                    self._known[base, tip] = found

    def relation(self, base: str, tip: str) -> Relation:
        """`tip` against `base` (commit ids), from what was fetched, else from git now."""
        with self._lock:
            known = self._known.get((base, tip))
        if known is not None:
            return known
        self.prefetch([(base, tip)])
        with self._lock:
            return self._known[base, tip]

    def newest_ancestor(self, candidates: Sequence[str], tip: str) -> str | None:
        """Of the candidates that are ancestors of `tip`, the one closest to it (fewest commits between;
        the first such candidate on a tie)."""
        self.prefetch((c, tip) for c in candidates if c)
        ancestors = [c for c in dict.fromkeys(candidates) if c and self.relation(c, tip).up_to_date]
        return min(ancestors, key=lambda c: self.relation(c, tip).ahead) if ancestors else None

    def merge_bases(self, pairs: Sequence[tuple[str, str]]) -> list[str | None]:
        """merge-base of each (base, tip) pair of commit ids."""
        self.prefetch(pairs)
        return [self.relation(base, tip).merge_base for base, tip in pairs]

    def _walk(self, base: str, tips: list[str]) -> dict[tuple[str, str], Relation | tuple[int, str]]:
        """Per tip: (ahead, merge-base) when the walk settles it, else the Relation git gave directly."""
        outside = commits_outside(self.cwd, base, tips)
        found: dict[tuple[str, str], Relation | tuple[int, str]] = {}
        for tip in tips:
            ahead, boundary = _reach(tip, outside)
            if len(boundary) == 1:
                found[base, tip] = (ahead, boundary[0])
            else:  # it merged its base in, or shares no history with it: git knows best
                mine, theirs = refs.ahead_behind(self.cwd, base, tip)
                found[base, tip] = Relation(refs.merge_base(self.cwd, base, tip), mine, theirs)
        return found


def commits_outside(cwd: Path, base: str, tips: Sequence[str]) -> dict[str, list[str]]:
    """Commit -> parents, for every commit reachable from the tips and not from the base."""
    out = run(["rev-list", "--parents", "--stdin"], cwd=cwd, stdin="".join(f"{t}\n" for t in {*tips}) + f"^{base}\n")
    return {line.split(" ")[0]: line.split(" ")[1:] for line in out.stdout.splitlines()}


def _reach(tip: str, outside: dict[str, list[str]]) -> tuple[int, list[str]]:
    """How many commits of `outside` the tip reaches, and the first commits outside it on the way
    back (the boundary; [tip] when the base reaches the tip itself; [] for an unrelated history)."""
    if tip not in outside:
        return 0, [tip]
    seen, todo, boundary = {tip}, [tip], dict[str, None]()
    while todo:
        for parent in outside[todo.pop()]:
            if parent in outside:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
            else:
                boundary[parent] = None
    return len(seen), list(boundary)


def _count(cwd: Path, fork: str, base: str) -> int:
    """Commits of `base` that `fork` does not reach."""
    return int(run(["rev-list", "--count", "--end-of-options", base, f"^{fork}"], cwd=cwd).stdout.strip())
