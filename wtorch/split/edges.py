"""Ordering edges among the changed files of a branch, from their imports (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from wtorch.split.model import ChangedFile, Edge
from wtorch.split.scanners import build_layout, scan
from wtorch.split.scanners.layout import Layout, parent

IMPORTS = "imports"
DELETED_AFTER_USER = "deleted after last user"
MOVED_AFTER_USER = "moved after last user"

Pair = tuple[str, str]


def find_edges(
    files: Sequence[ChangedFile],
    *,
    new_text: Mapping[str, str],
    old_text: Mapping[str, str],
    repo_paths: frozenset[str],
    go_module: str | None = None,
) -> list[Edge]:
    """Edges among the changed files: imports at the tip, and removals after their last user.

    A file removed by the branch (deleted, or the old side of a rename) must land no earlier
    than every changed file whose merge-base text imported it, or the chunks in between
    would not build.
    """
    ordered = sorted(files, key=lambda f: f.path)
    tip_paths = repo_paths | {f.path for f in files if f.status != "D"}
    tip = build_layout(tip_paths, new_text, go_module=go_module)
    found = _import_edges(ordered, new_text, tip)
    for key, why in _removal_edges(ordered, old_text, tip, {**new_text, **old_text}, go_module).items():
        found.setdefault(key, why)
    return [Edge(src, dst, why) for (src, dst), why in sorted(found.items()) if src != dst]


def _import_edges(files: Sequence[ChangedFile], new_text: Mapping[str, str], tip: Layout) -> dict[Pair, str]:
    changed = {f.path for f in files}
    found: dict[Pair, str] = {}
    for f in files:
        if f.status != "D" and f.path in new_text:
            for target in scan(f.path, new_text[f.path], tip):
                if target in changed:
                    found[(f.path, target)] = IMPORTS
    return found


def _removal_edges(
    files: Sequence[ChangedFile],
    old_text: Mapping[str, str],
    tip: Layout,
    texts: Mapping[str, str],
    go_module: str | None,
) -> dict[Pair, str]:
    """Edges from each removed path's owner to the changes that stopped importing it."""
    removed = {f.path: f.path for f in files if f.status == "D"}
    removed.update(
        {f.old_path: f.path for f in files if f.status == "R" and f.old_path and f.old_path not in tip.paths}
    )
    if not removed:
        return {}
    # The merge-base tree: without what the branch added, with what it removed.
    added = {f.path for f in files if f.status in ("A", "C", "R")}
    base = build_layout((tip.paths - added) | removed.keys(), texts, go_module=go_module)
    found: dict[Pair, str] = {}
    for f in files:
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
                found[(owner, f.path)] = DELETED_AFTER_USER if owner == target else MOVED_AFTER_USER
    return found


def _package_survives(path: str, tip: Layout) -> bool:
    """A Go import names a package, not a file: removing one file of a package that lives on
    does not break the importer, so only a package that disappears orders the removal."""
    if not path.endswith(".go"):
        return False
    return any(p.endswith(".go") for p in tip.files_in(parent(path)))
