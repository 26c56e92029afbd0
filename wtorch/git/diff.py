"""What a branch changed: numstat with renames, attributes as of a commit, and blob headers, each in one call.

Everything here reads objects only; nothing touches a worktree, the real index or a ref.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wtorch.errors import GitError
from wtorch.git import refs
from wtorch.git.core import run
from wtorch.process import ProcessResult

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


def merge_bases(cwd: Path, pairs: Sequence[tuple[str, str]]) -> list[str | None]:
    """merge-base of each (base, tip) pair of commit ids, one `rev-list` per distinct base.

    Walking from a tip through the commits the base cannot reach, the first commits the base can
    reach are the boundary; every common ancestor lies behind them, so a single boundary commit is
    the merge-base. Several (a branch that merged its base in) are left to `git merge-base`.
    """
    tips_by_base: dict[str, list[str]] = {}
    for base, tip in pairs:
        tips_by_base.setdefault(base, []).append(tip)
    found: dict[tuple[str, str], str | None] = {}
    for base, tips in tips_by_base.items():
        parents = _commits_outside(cwd, base, tips)
        for tip in tips:
            boundary = _boundary(tip, parents)
            if len(boundary) <= 1:
                found[base, tip] = boundary[0] if boundary else None
            else:
                found[base, tip] = refs.merge_base(cwd, base, tip)
    return [found[pair] for pair in pairs]


def _commits_outside(cwd: Path, base: str, tips: Sequence[str]) -> dict[str, list[str]]:
    """Commit -> parents, for every commit reachable from the tips and not from the base."""
    out = run(["rev-list", "--parents", "--stdin"], cwd=cwd, stdin="".join(f"{t}\n" for t in {*tips}) + f"^{base}\n")
    return {line.split(" ")[0]: line.split(" ")[1:] for line in out.stdout.splitlines()}


def _boundary(tip: str, outside: dict[str, list[str]]) -> list[str]:
    """The commits the base reaches first on the way back from `tip` ([tip] when the base reaches it)."""
    if tip not in outside:
        return [tip]
    seen, todo, boundary = {tip}, [tip], dict[str, None]()
    while todo:
        for parent in outside[todo.pop()]:
            if parent in outside:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
            else:
                boundary[parent] = None
    return list(boundary)


def numstat(cwd: Path, old: str, new: str) -> list[DiffEntry]:
    """`git diff --raw --numstat -z -M old new`: both records of every file, joined."""
    out = run(["diff", "--raw", "--numstat", "-z", "--no-abbrev", *DIFF_FLAGS, "--end-of-options", old, new], cwd=cwd)
    fields = out.fields()
    raws: list[tuple[list[str], str, str | None]] = []
    i = 0
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
    if i != len(fields):
        raise _bad(out, fields[i])
    return entries


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
    out = run(["cat-file", "--batch", "-z"], cwd=cwd, stdin="".join(f"{spec}\0" for spec in specs))
    data = out.stdout.encode("utf-8", "surrogateescape")
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
            raise GitError(list(out.argv), 0, f"unexpected cat-file record for {spec!r}", out.stdout[:200])
        pos = end + 1
        size = int(header[2])
        found.append(Blob(header[0], data[pos : pos + min(size, limit)]) if header[1] == "blob" else None)
        pos += size + 1
    return found


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
