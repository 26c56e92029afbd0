"""What a branch changed: numstat with renames, attributes as of a commit, and blob headers, each in one call.

Everything here reads objects only; nothing touches a worktree, the real index or a ref.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wtorch.errors import GitError
from wtorch.git.core import run
from wtorch.git.plumbing import tree_entries
from wtorch.process import ProcessResult, parallel_map, together

NULL_SHA = "0" * 40
GITLINK_MODE = "160000"

# Flags that make the figures independent of the user's git config: an external diff driver or
# textconv would change what numstat sees, diff.algorithm the counts, diff.relative the paths.
DIFF_FLAGS = ("--no-ext-diff", "--no-textconv", "--no-relative", "--diff-algorithm=myers", "-M")


@dataclass(frozen=True)
class DiffEntry:
    """One file of `git diff --raw --numstat`: added/deleted are None when git calls it binary."""

    status: str
    """One letter: A, M, D, R, T, C (the similarity score of R/C is dropped)."""
    path: str
    old_path: str | None
    """The source of a rename or copy."""
    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str
    added: int | None
    deleted: int | None


def repo_top(cwd: Path) -> Path:
    """The top of the worktree `cwd` is in (`cwd` itself in a bare repository)."""
    cdup = run(["rev-parse", "--show-cdup"], cwd=cwd).stdout.strip()
    return (cwd / cdup).resolve() if cdup else cwd


def resolve_commits(cwd: Path, names: Sequence[str]) -> dict[str, str | None]:
    """Each name -> the commit it names, or None: one `cat-file --batch-check` for all of them."""
    # A line break would split git's one answer per name in two: such a name is no revision.
    unique = [name for name in dict.fromkeys(names) if "\n" not in name and "\0" not in name]
    if not unique:
        return dict.fromkeys(names)
    # Names come from stdin, never argv, so none can be taken for an option.
    out = run(
        ["cat-file", "--batch-check=%(objectname) %(objecttype)", "-z"],
        cwd=cwd,
        stdin="".join(f"{name}^{{commit}}\0" for name in unique),
    )
    lines = out.stdout.splitlines()
    if len(lines) != len(unique):
        raise GitError(list(out.argv), 0, f"expected {len(unique)} answers, got {len(lines)}", out.stdout)
    found: dict[str, str | None] = dict.fromkeys(names)
    for name, line in zip(unique, lines, strict=True):
        sha, _, kind = line.partition(" ")
        found[name] = sha if kind == "commit" else None
    return found


def numstat(cwd: Path, old: str, new: str) -> list[DiffEntry]:
    """`git diff --raw --numstat -z -M old new`: both records of every file, joined."""
    return numstat_many(cwd, [(old, new)])[0]


# Ranges per diff-tree process: fewer processes, but enough of them to keep every core busy.
_PER_PROCESS = 16


def numstat_many(cwd: Path, ranges: Sequence[tuple[str, str]]) -> list[list[DiffEntry]]:
    """numstat for each (old, new) pair of commits: `git diff-tree --stdin` reads many pairs per process.

    Each input line `<new> <old>` is a commit with the parent it is compared to; `--always` makes
    every pair start with a header line (`<new>`), even when it changed nothing.
    """
    found = parallel_map(lambda batch: _numstat_batch(cwd, batch), _batches(ranges))
    return [entries for batch in found for entries in batch]


def _diff_tree(cwd: Path, ranges: Sequence[tuple[str, str]], flags: list[str]) -> tuple[ProcessResult, list[str]]:
    """`git diff-tree --stdin` over `<new> <old>` lines (a commit and the parent it is compared to)."""
    out = run(
        ["diff-tree", "--stdin", "-r", "--always", "-z", *flags],
        cwd=cwd,
        stdin="".join(f"{new} {old}\n" for old, new in ranges),
    )
    return out, out.fields()


def _header(out: ProcessResult, fields: list[str], i: int, new: str) -> int:
    """Past the header line `--always` writes before each pair's records (its commit)."""
    if i >= len(fields) or fields[i] != new:
        raise _bad(out, fields[i] if i < len(fields) else "<missing header>")
    return i + 1


def _numstat_batch(cwd: Path, ranges: list[tuple[str, str]]) -> list[list[DiffEntry]]:
    out, fields = _diff_tree(cwd, ranges, ["--raw", "--numstat", "--no-abbrev", *DIFF_FLAGS])
    results, i = [], 0
    for _, new in ranges:
        entries, i = _records(out, fields, _header(out, fields, i, new))
        results.append(entries)
    if i != len(fields):
        raise _bad(out, fields[i])
    return results


def _records(out: ProcessResult, fields: list[str], i: int) -> tuple[list[DiffEntry], int]:
    """The raw records from fields[i] on, then their numstat records: the entries, and where they end."""
    raws: list[tuple[list[str], str, str | None]] = []
    while i < len(fields) and fields[i].startswith(":"):
        meta = fields[i][1:].split(" ")
        if len(meta) != 5 or not meta[4]:
            raise _bad(out, fields[i])
        two_paths = meta[4][0] in "RC"
        if i + (2 if two_paths else 1) >= len(fields):
            raise _bad(out, fields[i])
        if two_paths:
            raws.append((meta, fields[i + 2], fields[i + 1]))
        else:
            raws.append((meta, fields[i + 1], None))
        i += 3 if two_paths else 2
    entries = []
    for meta, path, old_path in raws:
        counts, i = _numstat_record(out, fields, i, path, old_path)
        old_mode, new_mode, old_blob, new_blob, status = meta
        entries.append(DiffEntry(status[0], path, old_path, old_mode, new_mode, old_blob, new_blob, *counts))
    return entries, i


def changed_paths_many(cwd: Path, ranges: Sequence[tuple[str, str]]) -> list[set[str]]:
    """The paths each (old, new) pair of commits changes, by `diff-tree --stdin` (one batch per core):
    no rename detection, so a renamed file is both its paths."""
    return [paths for batch in parallel_map(lambda b: _changed_batch(cwd, b), _batches(ranges)) for paths in batch]


def _batches(ranges: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The pairs cut into one batch per core (a batch at least `_PER_PROCESS` long)."""
    size = max(_PER_PROCESS, -(-len(ranges) // (os.cpu_count() or 1)))
    return [list(ranges[k : k + size]) for k in range(0, len(ranges), size)]


def _changed_batch(cwd: Path, ranges: list[tuple[str, str]]) -> list[set[str]]:
    out, fields = _diff_tree(cwd, ranges, ["--name-status", "--no-renames", "--no-ext-diff", "--no-relative"])
    found, i = [], 0
    for _, new in ranges:
        i = _header(out, fields, i, new)
        paths = set()
        while i + 1 < len(fields) and len(fields[i]) == 1:  # a status letter, then its path
            paths.add(fields[i + 1])
            i += 2
        found.append(paths)
    if i != len(fields):
        raise _bad(out, fields[i])
    return found


def touched_paths(cwd: Path, old: str, new: str) -> set[str]:
    """Every path that `new` changed since `old`, and every path any commit of old..new touched (a
    merge: against its first parent), even when a later commit undid it."""
    net, log = together(
        lambda: run(["diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-relative", old, new], cwd=cwd),
        lambda: run(
            ["log", "--format=", "--name-only", "-z", "--no-renames", "--diff-merges=first-parent", f"{old}..{new}"],
            cwd=cwd,
        ),
    )
    return {path for path in net.fields() + log.fields() if path}


def _numstat_record(
    out: ProcessResult, fields: list[str], i: int, path: str, old_path: str | None
) -> tuple[tuple[int | None, int | None], int]:
    """The numstat record at fields[i] for the raw record (path, old_path); renames are `a\\td\\t\\0old\\0new`."""
    parts = fields[i].split("\t") if i < len(fields) else []
    if len(parts) != 3:
        raise _bad(out, fields[i] if i < len(fields) else "<missing>")
    added, deleted, name = parts
    if old_path is not None:
        if name or fields[i + 1 : i + 3] != [old_path, path]:
            raise _bad(out, fields[i])
        i += 3
    else:
        if name != path:
            raise _bad(out, fields[i])
        i += 1
    if added == "-" and deleted == "-":
        return (None, None), i
    if not (added.isdigit() and deleted.isdigit()):
        raise _bad(out, fields[i - 1])
    return (int(added), int(deleted)), i


def _bad(out: ProcessResult, record: str) -> GitError:
    return GitError(list(out.argv), 0, f"unexpected diff record: {record!r}")


@dataclass(frozen=True)
class Blob:
    oid: str
    head: bytes
    """The first bytes of the object (at most `limit` asked for)."""


def read_heads(cwd: Path, specs: Sequence[str], *, limit: int) -> list[Blob | None]:
    """The first `limit` bytes of each object (`<oid>` or `<rev>:<path>`), None when it is missing or not a blob.

    One `cat-file --batch` call for all of them; object contents arrive whole, so sizes are read
    from the header of each record and the stream is cut in bytes, not characters.
    """
    if not specs:
        return []
    out = run(["cat-file", "--batch", "-z"], cwd=cwd, stdin="".join(f"{spec}\0" for spec in specs), binary=True)
    data = out.data
    found: list[Blob | None] = []
    pos = 0
    for spec in specs:
        echoed = spec.encode("utf-8", "surrogateescape")
        # "<spec> missing" echoes the spec, which may itself hold a newline: match it whole.
        skipped = next((w for w in (b" missing\n", b" ambiguous\n") if data.startswith(echoed + w, pos)), None)
        if skipped is not None:
            found.append(None)
            pos += len(echoed) + len(skipped)
            continue
        end = data.find(b"\n", pos)
        header = data[pos:end].decode("utf-8", "surrogateescape").split(" ") if end >= 0 else []
        if len(header) != 3 or not header[2].isdigit():
            raise GitError(list(out.argv), 0, f"unexpected cat-file record for {spec!r}", repr(data[pos : pos + 200]))
        pos = end + 1
        size = int(header[2])
        found.append(Blob(header[0], data[pos : pos + min(size, limit)]) if header[1] == "blob" else None)
        pos += size + 1
    return found


def blobs_at(cwd: Path, commit: str, paths: Sequence[str]) -> dict[str, str]:
    """path -> blob id, for those of `paths` that are blobs (files or links) in `commit`."""
    wanted = set(paths)
    return {path: e.sha for path, e in tree_entries(cwd, commit, paths).items() if e.kind == "blob" and path in wanted}


def check_attr(
    cwd: Path, paths: Sequence[str], attributes: Sequence[str], *, gitattributes: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """path -> {attribute: value} as a commit holding these `.gitattributes` files would give them.

    `gitattributes` maps each `.gitattributes` path of that commit to its blob. git 2.39's
    check-attr has no `--source`, so they go into a throwaway index read with `--cached`: the
    worktree's own `.gitattributes` (maybe another branch's) are never consulted. info/attributes
    and core.attributesFile still apply, as they do for every git command. `cwd` must be the top.
    """
    unique = list(dict.fromkeys(paths))
    if not unique:
        return {}
    import tempfile  # (2 ms at start-up, with random): only when attributes are read

    with tempfile.TemporaryDirectory(prefix="wtorch-attr-") as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        if gitattributes:
            listing = "".join(f"100644 {oid} 0\t{path}\0" for path, oid in sorted(gitattributes.items()))
            run(["update-index", "-z", "--index-info"], cwd=cwd, stdin=listing, env=env)
        out = run(
            ["check-attr", "--cached", "-z", "--stdin", *attributes],
            cwd=cwd,
            stdin="".join(f"{path}\0" for path in unique),
            env=env,
        )
    fields = out.fields()
    if len(fields) != 3 * len(attributes) * len(unique):
        raise GitError(list(out.argv), 0, f"unexpected check-attr output ({len(fields)} fields)", out.stdout)
    answers: dict[str, dict[str, str]] = {}
    for k in range(0, len(fields), 3):
        answers.setdefault(fields[k], {})[fields[k + 1]] = fields[k + 2]
    return answers


def attribute_files(paths: Iterable[str]) -> list[str]:
    """Every `.gitattributes` that could apply to these paths: one per ancestor directory."""
    found: dict[str, None] = {}
    for path in paths:
        parts = path.split("/")[:-1]
        for depth in range(len(parts) + 1):
            found["/".join([*parts[:depth], ".gitattributes"])] = None
    return list(found)
