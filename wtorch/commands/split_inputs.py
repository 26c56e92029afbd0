"""What `wtorch split` plans from: the change's files at both ends, read from git in one pass.

Every blob the planner reads comes from one `git cat-file --batch`: the changed files at the tip
and at the merge-base, the unchanged package `__init__` files (for what they re-export) and
go.mod. A blob is asked for by its object id where a tree listing gives one (`<rev>:<path>` makes
git look the path up in the tree again for each file), and each distinct blob once.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

from wtorch import split
from wtorch.counting import LineCount
from wtorch.git.diff import read_heads
from wtorch.git.plumbing import TreeEntry, tree_entries

TEXT_LIMIT = 1 << 20  # files larger than this are read up to here (their imports), never cut by hunks
CONTEXT_LIMIT = 5000  # unchanged package __init__ files read for their re-exports
INIT_FILES = ("__init__.py", "__init__.pyi")
# Up to this many merge-base files a path lookup each costs less than listing the merge-base tree.
LOOKUP_LIMIT = 200


@dataclass(frozen=True)
class SplitInputs:
    """The facts the planner orders by, and both ends of each file it may cut by hunks."""

    analysis: split.Analysis
    cuttable: dict[str, tuple[str, str]]


def read_inputs(cwd: Path, counted: LineCount, files: list[split.ChangedFile], budget: int) -> SplitInputs:
    """Read what the planner needs, then find the change's facts (``split.analyse``)."""
    tip = tree_entries(cwd, counted.tip)
    old_paths = [f.old_path or f.path for f in files if f.status in ("M", "D", "R", "T")]
    base = tree_entries(cwd, counted.merge_base) if len(old_paths) > LOOKUP_LIMIT else {}
    changed = {f.path for f in files}
    packages = sorted(p for p in tip if p.rsplit("/", 1)[-1] in INIT_FILES and p not in changed)[:CONTEXT_LIMIT]
    new_specs = {f.path: _spec(tip, counted.tip, f.path) for f in files if f.status != "D" and f.path in tip}
    old_specs = {p: _spec(base, counted.merge_base, p) for p in old_paths}
    extra = {p: _spec(tip, counted.tip, p) for p in [*packages, *(["go.mod"] if "go.mod" in tip else [])]}
    specs = list(dict.fromkeys([*new_specs.values(), *old_specs.values(), *extra.values()]))
    blobs = read_heads(cwd, specs, limit=TEXT_LIMIT)
    heads = {spec: blob.head for spec, blob in zip(specs, blobs, strict=True) if blob is not None}
    new_text, old_text, others = (_texts(heads, s) for s in (new_specs, old_specs, extra))
    module = re.search(r"^module\s+(\S+)", others.pop("go.mod", ""), re.MULTILINE)
    analysis = split.analyse(
        files,
        new_text=new_text,
        old_text=old_text,
        repo_paths=frozenset(tip),
        go_module=module.group(1) if module else None,
        context_text=others,
    )
    return SplitInputs(analysis, _cuttable(files, budget, heads, old_specs, new_specs))


def _spec(entries: dict[str, TreeEntry], rev: str, path: str) -> str:
    entry = entries.get(path)
    return entry.sha if entry is not None else f"{rev}:{path}"


def _texts(heads: dict[str, bytes], specs: dict[str, str]) -> dict[str, str]:
    """Text files' contents (binary ones left out), by path."""
    found = {}
    for path, spec in specs.items():
        head = heads.get(spec)
        if head is not None and b"\0" not in head[:8000]:
            found[path] = head.decode("utf-8", "replace")
    return found


def _cuttable(
    files: list[split.ChangedFile],
    budget: int,
    heads: dict[str, bytes],
    old_specs: dict[str, str],
    new_specs: dict[str, str],
) -> dict[str, tuple[str, str]]:
    """Both ends, whole and exactly, of each modified Python file over the budget (cut by hunks)."""
    found = {}
    for f in files:
        if f.status == "M" and f.lines > budget and f.path.endswith(".py"):
            ends = [heads.get(specs.get(f.path, "")) for specs in (old_specs, new_specs)]
            texts = [_exact(head) for head in ends]
            if texts[0] is not None and texts[1] is not None:
                found[f.path] = (texts[0], texts[1])
    return found


def _exact(head: bytes | None) -> str | None:
    """The whole text, when it is one (not binary, not cut at the limit, UTF-8)."""
    if head is None or len(head) >= TEXT_LIMIT or b"\0" in head[:8000]:
        return None
    with contextlib.suppress(UnicodeDecodeError):
        return head.decode("utf-8")
    return None
