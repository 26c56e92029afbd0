"""Ordering edges among the changed files of a branch, from what the change does (pure).

Python files whose change parses at both ends get their edges from symbol facts (``rules``).
Other languages are read at the level of top-level declarations: an import between two changed
files is an edge only when the importer mentions a declaration the imported change adds or
changes (or the imported file is new). A Python file whose change does not parse falls back to
its imports.
A removed file, or a removed declaration, lands no earlier than the changes that stop using it.
"""

from __future__ import annotations

import gc
import posixpath
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from wtorch.split.model import ChangedFile, Edge, Why
from wtorch.split.rules import Sides, owners, python_edges
from wtorch.split.scanners import build_layout, scan
from wtorch.split.scanners.layout import Layout, parent
from wtorch.split.symbols.compare import all_change, change_facts
from wtorch.split.symbols.declarations import declarations, identifiers, language
from wtorch.split.symbols.outline import forget
from wtorch.split.symbols.python import ModuleFacts
from wtorch.split.symbols.source import module_facts

PYTHON = (".py", ".pyi")

Pair = tuple[str, str]


@dataclass(frozen=True)
class Analysis:
    """The edges, and the changed files whose edges come from symbol facts (not file names)."""

    edges: tuple[Edge, ...]
    understood: frozenset[str]


def find_edges(
    files: Sequence[ChangedFile],
    *,
    new_text: Mapping[str, str],
    old_text: Mapping[str, str],
    repo_paths: frozenset[str],
    go_module: str | None = None,
    context_text: Mapping[str, str] | None = None,
) -> list[Edge]:
    """Edges among the changed files (see ``analyse``)."""
    found = analyse(
        files,
        new_text=new_text,
        old_text=old_text,
        repo_paths=repo_paths,
        go_module=go_module,
        context_text=context_text,
    )
    return list(found.edges)


def analyse(
    files: Sequence[ChangedFile],
    *,
    new_text: Mapping[str, str],
    old_text: Mapping[str, str],
    repo_paths: frozenset[str],
    go_module: str | None = None,
    context_text: Mapping[str, str] | None = None,
) -> Analysis:
    """Edges from what each changed file's change adds, changes, removes and uses.

    ``new_text`` holds the changed files at the tip, ``old_text`` at the merge-base (a rename's
    by either path); ``context_text`` unchanged files read for re-exports (package
    ``__init__.py``). ``repo_paths`` is every path of the tip tree.
    """
    with _no_cyclic_gc():
        return _analyse(files, new_text, old_text, repo_paths, go_module, context_text or {})


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Thousands of syntax trees held at once make each cyclic collection walk them all again
    (a 5,000-file change took three times as long); nothing made here forms cycles worth collecting."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyse(
    files: Sequence[ChangedFile],
    new_text: Mapping[str, str],
    old_text: Mapping[str, str],
    repo_paths: frozenset[str],
    go_module: str | None,
    context_text: Mapping[str, str],
) -> Analysis:
    ordered = sorted(files, key=lambda f: f.path)
    tip_paths = repo_paths | {f.path for f in ordered if f.status != "D"}
    tip = build_layout(tip_paths, new_text, go_module=go_module)
    removed = {f.path for f in ordered if f.status == "D"}
    removed |= {f.old_path for f in ordered if f.status == "R" and f.old_path and f.old_path not in tip_paths}
    added = {f.path for f in ordered if f.status in ("A", "C", "R")}
    base = build_layout((tip_paths - added) | removed, {**new_text, **old_text}, go_module=go_module)
    sides, understood = _python_sides(ordered, new_text, old_text, context_text, tip, base)
    found: dict[tuple[str, str, str], set[str]] = {}
    for e in python_edges(ordered, sides, understood):
        found.setdefault((e.src, e.dst, e.why), set()).update(e.names)
    sides.release()
    forget()
    others = [f for f in ordered if f.path not in understood]
    for (src, dst, why), names in _declaration_edges(ordered, others, new_text, old_text, tip, base).items():
        found.setdefault((src, dst, why), set()).update(names)
    for (src, dst), why in _removal_edges(ordered, others, old_text, tip, base).items():
        found.setdefault((src, dst, why), set())
    edges = tuple(Edge(s, d, w, tuple(sorted(n))) for (s, d, w), n in sorted(found.items()) if s != d)
    return Analysis(edges, frozenset(understood))


def _python_sides(
    files: Sequence[ChangedFile],
    new_text: Mapping[str, str],
    old_text: Mapping[str, str],
    context_text: Mapping[str, str],
    tip: Layout,
    base: Layout,
) -> tuple[Sides, set[str]]:
    owner_tip, owner_base = owners(files)
    tip_facts: dict[str, ModuleFacts] = {}
    base_facts: dict[str, ModuleFacts] = {}
    understood: set[str] = set()
    for f in files:
        if not f.path.endswith(PYTHON) and not (f.old_path or "").endswith(PYTHON):
            continue
        where = f.old_path if f.status == "R" and f.old_path else f.path
        at_tip, at_base = new_text.get(f.path), old_text.get(where, old_text.get(f.path))
        if f.status in ("A", "C", "D") or at_tip is None or at_base is None:
            # A new or deleted file is all change: read it from its whole syntax tree.
            new = _all(f.path, at_tip, tip) if f.status != "D" else None
            old = _all(where, at_base, base) if f.status not in ("A", "C") else None
        elif where.endswith(PYTHON) and f.path.endswith(PYTHON):
            old, new = change_facts(where, at_base, f.path, at_tip, base, tip)
        else:
            old, new = _facts(where, at_base, base), _facts(f.path, at_tip, tip)
        if new is not None:
            tip_facts[f.path] = new
        if old is not None:
            base_facts[where] = old
        if (new is not None or f.status == "D") and (old is not None or f.status in ("A", "C")):
            understood.add(f.path)
    context = {}
    for path in sorted(context_text):
        if (
            path not in owner_tip
            and path not in owner_base
            and (facts := _facts(path, context_text[path], tip, parse=False))
        ):
            context[path] = facts
    conftests = frozenset(p for p in owner_tip if posixpath.basename(p) == "conftest.py")
    sides = Sides(tip_facts, base_facts, context, owner_tip, owner_base, conftests)
    return sides, understood


def _all(path: str, text: str | None, layout: Layout) -> ModuleFacts | None:
    return all_change(path, text, layout) if text is not None and path.endswith(PYTHON) else None


def _facts(path: str, text: str | None, layout: Layout, *, parse: bool = True) -> ModuleFacts | None:
    if text is None or not path.endswith(PYTHON):
        return None
    return module_facts(path, text, layout, parse=parse)


def _declaration_edges(
    files: Sequence[ChangedFile],
    importers: Sequence[ChangedFile],
    new_text: Mapping[str, str],
    old_text: Mapping[str, str],
    tip: Layout,
    base: Layout,
) -> dict[tuple[str, str, str], set[str]]:
    """Import edges that the change's declarations justify (and every import of a file whose
    declarations are not read, or by a Python file that does not parse)."""
    changed = {f.path: f for f in files}
    kept = {f.path for f in files if f.status not in ("A", "C", "R")}
    decls: dict[str, tuple[dict[str, str], dict[str, str]] | None] = {}
    found: dict[tuple[str, str, str], set[str]] = {}
    for f in importers:
        if f.status == "D" or f.path not in new_text:
            continue
        mentioned: frozenset[str] | None = None
        for target in sorted(scan(f.path, new_text[f.path], tip)):
            if target not in changed:
                continue
            if target not in kept or language(target) is None or language(f.path) is None:
                found.setdefault((f.path, target, Why.IMPORTS), set())
                continue
            if target not in decls:
                decls[target] = _declarations_both(changed[target], new_text, old_text)
            pair = decls[target]
            if pair is None:
                found.setdefault((f.path, target, Why.IMPORTS), set())
                continue
            old, new = pair
            if mentioned is None:
                mentioned = identifiers(f.path, new_text[f.path])
            for name in sorted(mentioned & new.keys()):
                if name not in old:
                    found.setdefault((f.path, target, Why.USES_ADDED), set()).add(name)
                elif old[name] != new[name]:
                    found.setdefault((f.path, target, Why.USES_CHANGED), set()).add(name)
    for key, names in _removed_declarations(importers, new_text, old_text, base, decls).items():
        found.setdefault(key, set()).update(names)
    return found


def _declarations_both(
    f: ChangedFile, new_text: Mapping[str, str], old_text: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]] | None:
    old, new = old_text.get(f.path), new_text.get(f.path)
    if old is None or new is None:
        return None
    return declarations(f.path, old), declarations(f.path, new)


def _removed_declarations(
    files: Sequence[ChangedFile],
    new_text: Mapping[str, str],
    old_text: Mapping[str, str],
    base: Layout,
    decls: dict[str, tuple[dict[str, str], dict[str, str]] | None],
) -> dict[tuple[str, str, str], set[str]]:
    """A declaration a modified file removes lands no earlier than the changes that stop using it."""
    changed = {f.path: f for f in files if f.status in ("M", "T")}
    found: dict[tuple[str, str, str], set[str]] = {}
    for f in files:
        text = old_text.get(f.path)
        if f.status not in ("M", "T") or text is None or f.path not in new_text or language(f.path) is None:
            continue
        before: frozenset[str] | None = None
        for target in sorted(scan(f.path, text, base)):
            if target not in changed or language(target) is None:
                continue
            if target not in decls:
                decls[target] = _declarations_both(changed[target], new_text, old_text)
            pair = decls[target]
            gone = set(pair[0]) - set(pair[1]) if pair else set()
            if not gone:
                continue
            if before is None:
                before = identifiers(f.path, text) - identifiers(f.path, new_text[f.path])
            if stopped := gone & before:
                found.setdefault((target, f.path, Why.REMOVES), set()).update(stopped)
    return found


def _removal_edges(
    ordered: Sequence[ChangedFile],
    importers: Iterable[ChangedFile],
    old_text: Mapping[str, str],
    tip: Layout,
    base: Layout,
) -> dict[Pair, str]:
    """Edges from each removed path's owner to the changes (of ``importers``) that stopped importing it."""
    removed = {f.path: f.path for f in ordered if f.status == "D"}
    removed.update(
        {f.old_path: f.path for f in ordered if f.status == "R" and f.old_path and f.old_path not in tip.paths}
    )
    if not removed:
        return {}
    found: dict[Pair, str] = {}
    for f in importers:
        if f.status in ("A", "C"):
            continue
        importer = f.old_path if f.status == "R" and f.old_path else f.path
        # A rename's merge-base text may be keyed by either side.
        text = old_text.get(importer, old_text.get(f.path))
        if text is None:
            continue
        for target in scan(importer, text, base):
            if target in removed and not _package_survives(target, tip):
                owner = removed[target]
                found[(owner, f.path)] = Why.DELETED_AFTER_USER if owner == target else Why.MOVED_AFTER_USER
    return found


def _package_survives(path: str, tip: Layout) -> bool:
    """A Go import names a package, not a file: removing one file of a package that lives on
    does not break the importer, so only a package that disappears orders the removal."""
    if not path.endswith(".go"):
        return False
    return any(p.endswith(".go") for p in tip.files_in(parent(path)))
