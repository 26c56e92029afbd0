"""Counting what a reviewer reads (SPEC §6): the one implementation gate, status, split and report share.

The range is merge-base(base, branch)..branch; the source is `git diff-tree --raw --numstat -z -M`
(many branches per process; the same records `git diff --numstat -M` gives for each).
Binary files count 0; excluded files count 0 and keep their reason. See docs/gate.md for the rule
written out as plain git commands.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wtorch.choices import CountMode
from wtorch.errors import UsageError
from wtorch.git import diff
from wtorch.git.ancestry import Ancestry
from wtorch.globs import Glob, compile_glob
from wtorch.process import parallel_map

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
# Go's convention (`^// Code generated .* DO NOT EDIT\.$`) with any comment leader: up to four
# punctuation characters before, only punctuation after, so prose that mentions it is not a header.
GENERATED_HEADER = re.compile(rb"^\s*[^\w\s]{0,4}\s*Code generated .*DO NOT EDIT\W*$")
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
    count: CountMode
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


def weight(file: CountedFile, count: CountMode) -> int:
    """The lines a file would count if it were not excluded (0 for a binary file)."""
    if file.binary:
        return 0
    return file.added + (file.deleted if count == CountMode.CHANGED else 0)


def count_lines(
    cwd: Path,
    *,
    base: str,
    branch: str,
    count: CountMode = CountMode.CHANGED,
    exclude: Sequence[str] = (),
    default_excludes: bool = True,
) -> LineCount:
    """Lines `branch` changes since it left `base`; UsageError when either is unknown."""
    return count_many(cwd, [(base, branch)], count=count, exclude=exclude, default_excludes=default_excludes)[0]


def count_many(
    cwd: Path,
    pairs: Sequence[tuple[str, str]],
    *,
    count: CountMode = CountMode.CHANGED,
    exclude: Sequence[str] = (),
    default_excludes: bool = True,
    ancestry: Ancestry | None = None,
) -> list[LineCount]:
    """count_lines for many (base, branch) pairs, with git calls batched across branches.

    One call resolves every ref, one `rev-list` per distinct base finds the merge-bases (`ancestry`,
    when the caller has one, remembers them), `diff-tree --stdin` diffs many branches per process,
    one `ls-tree` per merge-base finds the `.gitattributes`, one `cat-file` reads every header, one
    `check-attr` per distinct attribute view answers for all paths.
    """
    if count not in [mode.value for mode in CountMode]:
        raise UsageError(f"unknown count mode {count!r}: use 'changed' or 'added'")
    count = CountMode(count)
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
    tips = [shas[branch] or "" for _, branch in pairs]
    forks = (ancestry or Ancestry(top)).merge_bases(
        [(shas[base] or "", tip) for (base, _), tip in zip(pairs, tips, strict=True)]
    )
    for (base, branch), fork in zip(pairs, forks, strict=True):
        if fork is None:
            raise UsageError(f"'{branch}' and '{base}' have no common history, so there is no change to count")
    ranges = [(fork or "", tip) for fork, tip in zip(forks, tips, strict=True)]
    changes = diff.numstat_many(top, ranges)
    attributes, heads = _facts(top, [fork for fork, _ in ranges], changes, rules)
    return [
        _assemble(pair, rng, entries, attrs, heads, count, rules)
        for pair, rng, entries, attrs in zip(pairs, ranges, changes, attributes, strict=True)
    ]


def _compile(pattern: str) -> Glob:
    try:
        return compile_glob(pattern)
    except ValueError as exc:
        raise UsageError(f"gate.exclude: {exc}") from None


@dataclass(frozen=True)
class _Rules:
    globs: tuple[Glob, ...]
    defaults: bool

    def globbed(self, path: str) -> Glob | None:
        return next((g for g in self.globs if g.matches(path)), None)


Attributes = dict[str, dict[str, str]]
"""path -> {attribute: value}, as `git check-attr` gives them."""


def _assemble(
    pair: tuple[str, str],
    rng: tuple[str, str],
    entries: Sequence[diff.DiffEntry],
    attrs: Attributes,
    heads: dict[str, bytes],
    count: CountMode,
    rules: _Rules,
) -> LineCount:
    files = []
    for entry in entries:
        mine = attrs.get(entry.path, {})
        binary = entry.added is None or mine.get("diff") in _OFF
        why = _why(entry, rules, mine, heads.get(_blob_of(entry), b""))
        # A file the tip's attributes call binary (-diff) shows no lines, whatever numstat saw.
        added, deleted = (0, 0) if binary else (entry.added or 0, entry.deleted or 0)
        lines = 0 if binary or why else added + (deleted if count == CountMode.CHANGED else 0)
        files.append(CountedFile(entry.path, entry.old_path, added, deleted, lines, binary, why, entry.status))
    kept = [f for f in files if f.excluded is None and not f.binary]
    return LineCount(
        branch=pair[1],
        base=pair[0],
        merge_base=rng[0],
        count=count,
        lines=sum(f.lines for f in kept),
        added=sum(f.added for f in kept),
        deleted=sum(f.deleted for f in kept),
        files=tuple(files),
        tip=rng[1],
    )


def _facts(
    top: Path, forks: Sequence[str], changes: Sequence[Sequence[diff.DiffEntry]], rules: _Rules
) -> tuple[list[Attributes], dict[str, bytes]]:
    """Per branch the attributes as of its tip; per blob the first bytes, where a generated header would be.

    A tip's `.gitattributes` files are its merge-base's (one `ls-tree` per distinct merge-base, for
    every directory any of its branches changed something in) with the branch's own changes to them
    applied. One cat-file call reads the blob heads; a deleted file's head comes from the merge-base
    side: deleting generated code is free too.
    """
    candidates = [diff.attribute_files([e.path for e in entries]) for entries in changes]
    wanted: dict[str, dict[str, None]] = {}
    for fork, files in zip(forks, candidates, strict=True):
        wanted.setdefault(fork, {}).update(dict.fromkeys(files))
    found = parallel_map(lambda item: diff.blobs_at(top, item[0], list(item[1])), list(wanted.items()))
    at_fork = dict(zip(wanted, found, strict=True))
    views = []
    for fork, files, entries in zip(forks, candidates, changes, strict=True):
        present = _changed_by(dict(at_fork[fork]), entries)
        views.append({path: present.get(path) for path in files})
    blobs = [
        _blob_of(e)
        for entries in changes
        for e in entries
        if rules.defaults and e.added is not None and _blob_of(e) and not rules.globbed(e.path)
    ]
    specs = list(dict.fromkeys(blobs))
    read = dict(zip(specs, diff.read_heads(top, specs, limit=HEADER_BYTES), strict=True))
    heads = {oid: blob.head for oid in blobs if (blob := read[oid]) is not None}
    return _attributes(top, views, changes), heads


def _changed_by(present: dict[str, str], entries: Sequence[diff.DiffEntry]) -> dict[str, str]:
    """The `.gitattributes` blobs by path at the merge-base, as the branch's change leaves them."""
    for e in entries:
        if e.old_path is not None and e.status == "R":
            present.pop(e.old_path, None)
        if e.status == "D" or e.new_mode == diff.GITLINK_MODE:
            present.pop(e.path, None)
        elif e.path.rsplit("/", 1)[-1] == ".gitattributes":
            present[e.path] = e.new_blob
    return present


def _attributes(
    top: Path, views: Sequence[dict[str, str | None]], changes: Sequence[Sequence[diff.DiffEntry]]
) -> list[Attributes]:
    """check-attr once per group of branches that agree on every `.gitattributes` they both depend on.

    Branches rarely differ there, so this is one call for all of them. Within a group a path's
    answer is the same for every member: all the files it depends on were read from its own tip.
    """
    groups: list[tuple[dict[str, str | None], list[int]]] = []
    for index, view in enumerate(views):
        group = next((g for g in groups if all(g[0].get(k, v) == v for k, v in view.items())), None)
        if group is None:
            groups.append((dict(view), [index]))
        else:
            group[0].update(view)
            group[1].append(index)
    answers: list[Attributes] = [{} for _ in views]
    for merged, members in groups:
        paths = [e.path for index in members for e in changes[index]]
        found = {path: oid for path, oid in merged.items() if oid}
        answer = diff.check_attr(top, paths, ATTRIBUTES, gitattributes=found)
        for index in members:
            answers[index] = answer
    return answers


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
    glob = rules.globbed(path)
    if glob is not None:
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
