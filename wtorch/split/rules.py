"""Ordering edges from what a Python change does, not from which files import which (pure).

Each changed file's pieces are compared between the merge-base and the tip. A piece the change
adds uses names: it lands no earlier than the changes that add or change those names. A piece
the change drops used names: a change that removes such a name, or changes its signature so that
the old use breaks, lands no earlier than the drop. A test piece is tied to the behaviour it
asserts: a new test lands with or after the change whose behaviour it uses, and an old test goes
no later than that change, so a test that is rewritten lands in the same chunk as the change.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from wtorch.split.model import ChangedFile, Edge, Why
from wtorch.split.symbols.python import ALL, MODULE, ModuleFacts, Piece, Ref, is_test
from wtorch.split.symbols.signature import compatible

# How far a test's use is followed into the code it calls to find the behaviour it asserts.
BEHAVIOUR_DEPTH = 2
_CHASE_DEPTH = 6

Key = tuple[str, str, str]


@dataclass
class Sides:
    """The Python facts of the change at both ends, and who owns each path."""

    tip: dict[str, ModuleFacts]
    """Changed files at the tip, by tip path (only those that parse)."""
    base: dict[str, ModuleFacts]
    """Changed files at the merge-base, by merge-base path (only those that parse)."""
    context: dict[str, ModuleFacts]
    """Unchanged files read for their re-exports (package ``__init__`` files), the same at both ends."""
    owner_tip: dict[str, str]
    owner_base: dict[str, str]
    conftests: frozenset[str] = frozenset()
    found: dict[Key, set[str]] = field(default_factory=lambda: defaultdict(set))
    memo: dict[Ref, frozenset[str]] = field(default_factory=dict)

    def facts(self, path: str, *, at_tip: bool) -> ModuleFacts | None:
        own = (self.tip if at_tip else self.base).get(path)
        return own if own is not None else self.context.get(path)

    def add(self, src: str, dst: str, why: str, name: str) -> None:
        if src != dst:
            names = self.found[(src, dst, why)]
            if name not in (MODULE, ALL):
                names.add(name)

    def release(self) -> None:
        """Let go of what the facts read (see ``Source.release``)."""
        for side in (self.tip, self.base, self.context):
            for facts in side.values():
                facts.source.release()

    def edges(self) -> list[Edge]:
        return [Edge(s, d, w, tuple(sorted(n))) for (s, d, w), n in sorted(self.found.items())]


def python_edges(files: Iterable[ChangedFile], sides: Sides, understood: Iterable[str]) -> list[Edge]:
    """Edges among the changed Python files whose facts are known at every end they have."""
    by_path = {f.path: f for f in files}
    for path in sorted(understood):
        f = by_path[path]
        base_path = f.old_path if f.status == "R" and f.old_path else f.path
        new = sides.tip.get(f.path) if f.status != "D" else None
        old = sides.base.get(base_path) if f.status not in ("A", "C") else None
        added, dropped = _difference(new, old)
        test = is_test(f.path, new or old)
        # What a group of pieces uses is read at once: a new file's pieces are all added.
        for imports in (True, False):
            if new is not None and (group := [p for p in added if p.imports == imports]):
                for ref in new.refs_of(group):
                    _added_use(sides, f.path, ref, test=test, existence=imports)
            if old is not None and (group := [p for p in dropped if p.imports == imports]):
                for ref in old.refs_of(group):
                    _dropped_use(sides, f.path, ref, test=test and not imports)
        if new is not None and test and sides.conftests:
            for piece in added:
                for ref in _fixtures(piece, new, f.path, sides):
                    _added_use(sides, f.path, ref, test=test, existence=piece.imports)
    return sides.edges()


def _difference(new: ModuleFacts | None, old: ModuleFacts | None) -> tuple[list[Piece], list[Piece]]:
    """Pieces only at the tip, and pieces only at the merge-base (by fingerprint, with counts)."""
    return _unmatched(new, old), _unmatched(old, new)


def _unmatched(these: ModuleFacts | None, others: ModuleFacts | None) -> list[Piece]:
    """The pieces of `these` left over once each is matched with one of the same fingerprint in `others`."""
    left: dict[str, int] = {}
    for p in others.pieces if others else ():
        left[p.key] = left.get(p.key, 0) + 1
    unmatched = []
    for p in these.pieces if these else ():
        if count := left.get(p.key, 0):
            left[p.key] = count - 1
        else:
            unmatched.append(p)
    return unmatched


def _fixtures(piece: Piece, facts: ModuleFacts, path: str, sides: Sides) -> Iterator[Ref]:
    """The pytest fixtures a test function takes, as the conftest.py files above it define them."""
    if params := facts.params(piece):
        for conftest in _conftests(path, sides.conftests):
            for name in params:
                yield conftest, name


def _conftests(path: str, conftests: frozenset[str]) -> list[str]:
    found = []
    directory = posixpath.dirname(path)
    while True:
        candidate = posixpath.join(directory, "conftest.py") if directory else "conftest.py"
        if candidate in conftests and candidate != path:
            found.append(candidate)
        if not directory:
            return found
        directory = posixpath.dirname(directory)


def chase(sides: Sides, ref: Ref, *, at_tip: bool) -> Iterator[Ref]:
    """The ref, then where its module got the name from (re-exports, ``import *``), hop by hop."""
    seen: set[Ref] = set()
    todo = [(ref, 0)]
    while todo:
        (path, name), depth = todo.pop()
        if (path, name) in seen:
            continue
        seen.add((path, name))
        yield path, name
        facts = sides.facts(path, at_tip=at_tip)
        if facts is None or depth >= _CHASE_DEPTH or name in (MODULE, ALL):
            continue
        if (source := facts.reexport(name)) is not None:
            todo.append((source, depth + 1))
        elif facts.stars and not facts.defines(name):
            todo.extend(((star, name), depth + 1) for star in facts.stars)


def status_at_tip(sides: Sides, path: str, name: str) -> str | None:
    """ "added" or "changed" when the change adds or changes ``path``'s ``name`` (a tip path);
    "unknown" when one end of ``path`` does not parse."""
    if path not in sides.owner_tip:
        return None
    if path not in sides.owner_base:
        return "added"  # a new module (or a rename's new path): all of it is new
    new, old = sides.tip.get(path), sides.base.get(path)
    if new is None or old is None:
        return "unknown"  # one end does not parse: what it defines is not known
    # What both ends have alike is never compared: only the pieces where they differ can differ.
    if name == MODULE or new.fingerprint(name) == old.fingerprint(name) or not new.defines(name):
        return None
    return "changed" if old.defines(name) else "added"


def interface_changed(sides: Sides, path: str, name: str) -> bool:
    """Did the change alter what a caller of ``name`` writes: a signature, a class's members or
    bases, a value? (A changed body alone is behaviour, which only tests assert.)"""
    old, new = sides.base.get(path), sides.tip.get(path)
    if old is None or new is None:
        return True
    before, after = old.shape(name), new.shape(name)
    return before != after or after.kind == "value"


def status_at_base(sides: Sides, path: str, name: str) -> str | None:
    """ "removed", "incompatible" or "changed" for a merge-base path's ``name``."""
    if path not in sides.owner_base:
        return None
    if path not in sides.owner_tip:
        return "removed"  # the module is gone at the tip (deleted, or moved away)
    old, new = sides.base.get(path), sides.tip.get(path)
    if old is None or new is None or name == MODULE or old.fingerprint(name) == new.fingerprint(name):
        return None
    if not old.defines(name):
        return None
    if not new.defines(name):
        return "removed"
    return "changed" if compatible(old.shape(name), new.shape(name)) else "incompatible"


def _added_use(sides: Sides, user: str, ref: Ref, *, test: bool, existence: bool) -> None:
    """``existence``: an import statement needs the names to exist, not to behave as new."""
    for path, name in chase(sides, ref, at_tip=True):
        owner = sides.owner_tip.get(path)
        if owner is None or owner == user:
            continue
        status = status_at_tip(sides, path, name)
        if status == "added":
            sides.add(user, owner, Why.USES_ADDED, name)
        elif status == "changed" and not existence and test:
            sides.add(user, owner, Why.TESTS_NEW, name)
        elif status == "changed" and not existence and interface_changed(sides, path, name):
            sides.add(user, owner, Why.USES_CHANGED, name)
        elif status == "unknown":
            sides.add(user, owner, Why.IMPORTS, name)
    if test and not existence:
        for origin in behaviour(sides, ref):
            sides.add(user, origin, Why.TESTS_NEW, ref[1])


def _dropped_use(sides: Sides, user: str, ref: Ref, *, test: bool) -> None:
    for path, name in chase(sides, ref, at_tip=False):
        owner = sides.owner_base.get(path)
        if owner is None or owner == user:
            continue
        status = status_at_base(sides, path, name)
        if status == "removed" and path not in sides.owner_tip:
            sides.add(owner, user, Why.DELETED_AFTER_USER if owner == path else Why.MOVED_AFTER_USER, name)
        elif status == "removed":
            sides.add(owner, user, Why.REMOVES, name)
        elif status == "incompatible":
            sides.add(owner, user, Why.SIGNATURE, name)
        elif status == "changed" and test:
            sides.add(owner, user, Why.TESTED_OLD, name)
    if test:
        for origin in behaviour(sides, ref):
            sides.add(origin, user, Why.TESTED_OLD, ref[1])


def behaviour(sides: Sides, ref: Ref) -> frozenset[str]:
    """Changed files whose changes alter what ``ref`` does, following what it calls a few steps."""
    if ref not in sides.memo:
        sides.memo[ref] = _behaviour(sides, ref)
    return sides.memo[ref]


def _behaviour(sides: Sides, ref: Ref) -> frozenset[str]:
    origins: set[str] = set()
    frontier = [ref]
    seen: set[Ref] = set()
    for _ in range(BEHAVIOUR_DEPTH + 1):
        step: list[Ref] = []
        for start in frontier:
            for path, name in chase(sides, start, at_tip=True):
                if (path, name) in seen:
                    continue
                seen.add((path, name))
                if path in sides.owner_tip and status_at_tip(sides, path, name) == "changed":
                    origins.add(sides.owner_tip[path])
                step.extend(_calls(sides, path, name))
        frontier = step
    return frozenset(origins)


def _calls(sides: Sides, path: str, name: str) -> Iterator[Ref]:
    facts = sides.facts(path, at_tip=True)
    if facts is None or name in (MODULE, ALL):
        return
    for piece in facts.defining(name):
        if not piece.imports:
            yield from facts.uses(piece)[0]
            yield from ((path, other) for other in facts.local(piece) if other != name)


def owners(files: Iterable[ChangedFile]) -> tuple[dict[str, str], dict[str, str]]:
    """Which changed file owns each tip path and each merge-base path."""
    tip: dict[str, str] = {}
    base: dict[str, str] = {}
    for f in files:
        if f.status != "D":
            tip[f.path] = f.path
        if f.status == "R" and f.old_path:
            base[f.old_path] = f.path
        elif f.status not in ("A", "C"):
            base.setdefault(f.path, f.path)
    return tip, base
