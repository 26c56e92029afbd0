"""Counting what a reviewer reads (SPEC §6): the one implementation gate, status, split and report share.

The range is merge-base(base, branch)..branch; the source is `git diff --raw --numstat -z -M`.
Binary files count 0; excluded files count 0 and keep their reason. See docs/gate.md for the rule
written out as plain git commands.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from wtorch.errors import UsageError
from wtorch.git import diff
from wtorch.globs import Glob, compile_glob

COUNT_MODES = ("changed", "added")
LOCK_FILES = frozenset(
    {
        "package-lock.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "uv.lock",
        "Pipfile.lock",
        "Cargo.lock",
        "go.sum",
        "Gemfile.lock",
        "composer.lock",
    }
)
VENDOR_DIRS = ("vendor", "node_modules")
HEADER_LINES = 5
HEADER_BYTES = 1024
GENERATED_HEADER = re.compile(rb"\bCode generated\b.*\bDO NOT EDIT\b")
ATTRIBUTES = ("linguist-generated", "linguist-vendored", "diff")
_SET = ("set", "true")
_OFF = ("unset", "false")


@dataclass(frozen=True)
class CountedFile:
    path: str
    old_path: str | None
    added: int
    deleted: int
    lines: int
    """What counts toward the budget: 0 when binary or excluded."""
    binary: bool
    excluded: str | None
    """Why the file does not count ("lock file", "vendored", "gate.exclude: vendor/**", ...), else None."""
    status: str
    """A, M, D, R, T or C, as `git diff --name-status` gives it."""


@dataclass(frozen=True)
class LineCount:
    branch: str
    base: str
    merge_base: str
    count: str
    lines: int
    added: int
    deleted: int
    """added/deleted: over the counted files only (neither excluded nor binary)."""
    files: tuple[CountedFile, ...]
    tip: str = ""
    """The commit `branch` named when it was counted."""

    @property
    def excluded(self) -> tuple[CountedFile, ...]:
        return tuple(f for f in self.files if f.excluded is not None)

    @property
    def binary(self) -> tuple[str, ...]:
        """Binary files that are not excluded (an excluded one is listed with the excluded)."""
        return tuple(f.path for f in self.files if f.binary and f.excluded is None)

    @property
    def counted_files(self) -> int:
        return sum(1 for f in self.files if f.excluded is None and not f.binary)


def weight(file: CountedFile, count: str) -> int:
    """The lines a file would count if it were not excluded (0 for a binary file)."""
    if file.binary:
        return 0
    return file.added + (file.deleted if count == "changed" else 0)


def count_lines(
    cwd: Path,
    *,
    base: str,
    branch: str,
    count: str = "changed",
    exclude: Sequence[str] = (),
    default_excludes: bool = True,
) -> LineCount:
    """Lines `branch` changes since it left `base`; UsageError when either is unknown."""
    return count_many(cwd, [(base, branch)], count=count, exclude=exclude, default_excludes=default_excludes)[0]


def count_many(
    cwd: Path,
    pairs: Sequence[tuple[str, str]],
    *,
    count: str = "changed",
    exclude: Sequence[str] = (),
    default_excludes: bool = True,
    jobs: int | None = None,
) -> list[LineCount]:
    """count_lines for many (base, branch) pairs: refs resolved in one call, branches in a thread pool."""
    if count not in COUNT_MODES:
        raise UsageError(f"unknown count mode {count!r}: use 'changed' or 'added'")
    rules = _Rules(tuple(_compile(p) for p in exclude), default_excludes)
    if not pairs:
        return []
    shas = diff.resolve_commits(cwd, [name for pair in pairs for name in pair])
    for base, branch in pairs:
        if shas[branch] is None:
            raise UsageError(f"unknown branch '{branch}'")
        if shas[base] is None:
            raise UsageError(f"unknown base '{base}' (for branch '{branch}')")
    top = diff.repo_top(cwd)

    def one(pair: tuple[str, str]) -> LineCount:
        base, branch = pair
        return _count(top, base, branch, shas[base] or "", shas[branch] or "", count, rules)

    workers = jobs or min(32, 4 * (os.cpu_count() or 1))
    if len(pairs) == 1 or workers <= 1:
        return [one(pair) for pair in pairs]
    with ThreadPoolExecutor(max_workers=min(workers, len(pairs))) as pool:
        return list(pool.map(one, pairs))


def _compile(pattern: str) -> Glob:
    try:
        return compile_glob(pattern)
    except ValueError as exc:
        raise UsageError(f"gate.exclude: {exc}") from None


@dataclass(frozen=True)
class _Rules:
    globs: tuple[Glob, ...]
    defaults: bool


def _count(top: Path, base: str, branch: str, base_sha: str, tip: str, count: str, rules: _Rules) -> LineCount:
    fork = diff.merge_base(top, base_sha, tip)
    if fork is None:
        raise UsageError(f"'{branch}' and '{base}' have no common history, so there is no change to count")
    entries = diff.numstat(top, fork, tip)
    attrs, headers = _facts(top, tip, entries, rules)
    files = []
    for entry in entries:
        binary = entry.added is None or attrs.get(entry.path, {}).get("diff") in _OFF
        why = _why(entry, rules, attrs.get(entry.path, {}), headers.get(entry.path, b""))
        # A file the tip's attributes call binary (-diff) shows no lines, whatever numstat saw.
        added, deleted = (0, 0) if binary else (entry.added or 0, entry.deleted or 0)
        lines = 0 if binary or why else added + (deleted if count == "changed" else 0)
        files.append(CountedFile(entry.path, entry.old_path, added, deleted, lines, binary, why, entry.status))
    kept = [f for f in files if f.excluded is None and not f.binary]
    return LineCount(
        branch=branch,
        base=base,
        merge_base=fork,
        count=count,
        lines=sum(f.lines for f in kept),
        added=sum(f.added for f in kept),
        deleted=sum(f.deleted for f in kept),
        files=tuple(files),
        tip=tip,
    )


def _facts(
    top: Path, tip: str, entries: Sequence[diff.DiffEntry], rules: _Rules
) -> tuple[dict[str, dict[str, str]], dict[str, bytes]]:
    """Attributes as of the tip, and the first bytes of the blobs a generated header could be in.

    One cat-file call reads both the candidate `.gitattributes` of the tip and the blob heads;
    a deleted file's head comes from the merge-base side, so deleting generated code is free too.
    """
    paths = [e.path for e in entries]
    attribute_files = diff.attribute_files(paths)
    scanned = [e for e in entries if rules.defaults and e.added is not None and _blob_of(e)]
    specs = [f"{tip}:{path}" for path in attribute_files] + [_blob_of(e) for e in scanned]
    blobs = diff.read_heads(top, specs, limit=HEADER_BYTES)
    found = {
        path: blob.oid for path, blob in zip(attribute_files, blobs[: len(attribute_files)], strict=True) if blob
    }
    heads = {e.path: blob.head for e, blob in zip(scanned, blobs[len(attribute_files) :], strict=True) if blob}
    return diff.check_attr(top, paths, ATTRIBUTES, gitattributes=found), heads


def _blob_of(entry: diff.DiffEntry) -> str:
    """The blob to read a header from: the tip's, or the merge-base's for a deletion; "" for a submodule."""
    mode, oid = (entry.old_mode, entry.old_blob) if entry.status == "D" else (entry.new_mode, entry.new_blob)
    return "" if mode == diff.GITLINK_MODE or oid == diff.NULL_SHA else oid


def _why(entry: diff.DiffEntry, rules: _Rules, attrs: dict[str, str], head: bytes) -> str | None:
    """Why a file is excluded, first reason wins: the manifest's globs, the attributes, the defaults.

    An explicit `-linguist-vendored` / `linguist-generated=false` keeps a file the defaults would
    drop, as it does on GitHub: that is how a repository says "this vendor/ is our own code".
    """
    path = entry.path
    for glob in rules.globs:
        if glob.matches(path):
            return f"gate.exclude: {glob.pattern}"
    generated, vendored = attrs.get("linguist-generated"), attrs.get("linguist-vendored")
    if generated in _SET:
        return "linguist-generated"
    if vendored in _SET:
        return "linguist-vendored"
    if not rules.defaults:
        return None
    if generated not in _OFF and path.rsplit("/", 1)[-1] in LOCK_FILES:
        return "lock file"
    directory = next((d for d in path.split("/")[:-1] if d in VENDOR_DIRS), None)
    if vendored not in _OFF and directory:
        return f"vendored ({directory}/)"
    if generated not in _OFF and _generated(head):
        return "generated header"
    return None


def _generated(head: bytes) -> bool:
    return any(GENERATED_HEADER.search(line) for line in head.splitlines()[:HEADER_LINES])
