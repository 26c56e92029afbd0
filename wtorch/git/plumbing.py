"""Commits built from trees without touching any worktree: a private index, update-index, commit-tree."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wtorch.errors import GitError
from wtorch.git.core import run

NULL_SHA = "0" * 40


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    kind: str
    sha: str
    path: str


def tree_entries(cwd: Path, rev: str, paths: Sequence[str] = ()) -> dict[str, TreeEntry]:
    """Every blob, symlink and submodule entry of `rev` (recursively), by path; with `paths`, those
    at or under them (taken literally, a thousand to an `ls-tree`)."""
    entries = {}
    for k in range(0, max(len(paths), 1), 1000):
        # After --end-of-options a "--" would be read as a path: the revision and the paths follow directly.
        argv = ["--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev]
        out = run([*argv, *paths[k : k + 1000]], cwd=cwd)
        for record in out.fields():
            meta, _, path = record.partition("\t")
            fields = meta.split(" ")
            if len(fields) != 3 or not path:
                raise GitError(list(out.argv), 0, f"unexpected ls-tree record {record!r}")
            mode, kind, sha = fields
            entries[path] = TreeEntry(mode, kind, sha, path)
    return entries


class PrivateIndex:
    """An index file of our own, so no worktree's index or files are ever touched."""

    def __init__(self, cwd: Path, path: Path) -> None:
        self.cwd = cwd
        self.env = {"GIT_INDEX_FILE": str(path)}

    def read_tree(self, rev: str) -> None:
        run(["read-tree", "--end-of-options", rev], cwd=self.cwd, env=self.env)

    def apply(self, entries: Sequence[TreeEntry], removals: Sequence[str]) -> None:
        """Removals first (a file may give way to a directory of the same name), then entries."""
        lines = [f"0 {NULL_SHA}\t{path}" for path in removals]
        lines += [f"{e.mode} {e.kind} {e.sha}\t{e.path}" for e in entries]
        if lines:
            run(["update-index", "-z", "--index-info"], cwd=self.cwd, env=self.env, stdin="\0".join(lines) + "\0")

    def write_tree(self) -> str:
        return run(["write-tree"], cwd=self.cwd, env=self.env).stdout.strip()


_INDEX_PREFIX = "wtorch-index-"


@contextmanager
def private_index(cwd: Path, common_dir: Path) -> Iterator[PrivateIndex]:
    """A temporary index file inside the git dir (same filesystem), removed afterwards. Its name
    carries the host and process that made it, so one a killed run left can be told apart."""
    import tempfile  # (2 ms at start-up, with random): only when an index is made

    owner = f"{_INDEX_PREFIX}{os.uname().nodename}-{os.getpid()}-"
    fd, name = tempfile.mkstemp(prefix=owner, dir=common_dir)
    os.close(fd)
    os.unlink(name)  # git wants to create the index itself
    try:
        yield PrivateIndex(cwd, Path(name))
    finally:
        for leftover in (name, name + ".lock"):
            if os.path.exists(leftover):
                os.unlink(leftover)


def sweep_private_indexes(common_dir: Path) -> None:
    """Remove the private indexes (and their locks) of processes of this host that are gone."""
    host = os.uname().nodename
    for path in common_dir.glob(f"{_INDEX_PREFIX}{host}-*"):
        pid = path.name.removeprefix(f"{_INDEX_PREFIX}{host}-").split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def commit_tree(cwd: Path, tree: str, parent: str, message: str) -> str:
    return run(["commit-tree", "-p", parent, "-m", message, "--end-of-options", tree], cwd=cwd).stdout.strip()


def write_blob(cwd: Path, text: str) -> str:
    """Store `text` as a blob (split's intermediate state of a file cut by hunks); its id."""
    return run(["hash-object", "-w", "--stdin"], cwd=cwd, stdin=text).stdout.strip()


def add_detached_worktree(cwd: Path, path: Path, commit: str) -> None:
    run(["worktree", "add", "--quiet", "--detach", "--end-of-options", str(path), commit], cwd=cwd)
