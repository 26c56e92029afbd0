"""The end state of a repository, normalised so that two runs (one interrupted and re-run, one not)
compare equal exactly when they converged: refs, worktrees and their HEADs, every file in every
worktree (uncommitted and ignored ones too), nothing in progress, nothing left behind, fsck clean,
the state file's efforts, splits and log without their timestamps and numbers, the branches'
upstream configuration, and the branches of the scenario's remote when it has one."""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path
from typing import Any

from tests.gitutil import git

IN_PROGRESS = ("rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "BISECT_LOG")
_TIMES = ("created_at", "last_sync_at", "mark_at", "at", "number", "pid", "host")


def snapshot(repo: Path, root: Path) -> dict[str, Any]:
    """Everything the end state is judged by; paths are relative to `root` (where the scenario lives)."""
    common = repo / ".git"
    worktrees = _worktrees(repo, root)
    return {
        "refs": git(repo, "for-each-ref", "--format=%(refname) %(objectname)").splitlines(),
        "worktrees": worktrees,
        "files": {w["worktree"]: _files(root / w["worktree"]) for w in worktrees if (root / w["worktree"]).is_dir()},
        "in_progress": _in_progress(common),
        "leftovers": leftovers(common),
        "fsck": _fsck(repo),
        "state": _state(common / "wtorch" / "state.toml", root),
        "upstreams": sorted(git(repo, "config", "--get-regexp", r"^branch\.", check=False).splitlines()),
        "remote": _remote(root / "remote.git"),
    }


def _remote(bare: Path) -> list[str]:
    """The branches of the scenario's remote (`<root>/remote.git`), when it has one."""
    return git(bare, "for-each-ref", "--format=%(refname) %(objectname)").splitlines() if bare.is_dir() else []


def _worktrees(repo: Path, root: Path) -> list[dict[str, str]]:
    records, record = [], {}
    for field in git(repo, "worktree", "list", "--porcelain", "-z").split("\0"):
        if field:
            key, _, value = field.partition(" ")
            record[key] = os.path.relpath(value, root) if key == "worktree" else value
        elif record:
            records.append(record)
            record = {}
    return records


def _files(top: Path) -> dict[str, str]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        if here == top:
            dirnames[:] = [d for d in dirnames if d != ".git"]
            filenames = [f for f in filenames if f != ".git"]
        for name in [*filenames, *(d for d in dirnames if (here / d).is_symlink())]:
            path = here / name
            rel = str(path.relative_to(top))
            if path.is_symlink():
                found[rel] = "link:" + os.readlink(path)
            else:
                mode = "x" if os.access(path, os.X_OK) else "f"
                found[rel] = mode + ":" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return found


def _in_progress(common: Path) -> list[str]:
    dirs = [common, *((common / "worktrees").iterdir() if (common / "worktrees").is_dir() else [])]
    return sorted(f"{d.name}/{m}" for d in dirs for m in IN_PROGRESS if (d / m).exists())


def leftovers(common: Path) -> list[str]:
    """Lock files, temporary state files and private indexes anywhere in the git directory."""
    found = []
    for dirpath, _, filenames in os.walk(common):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), common)
            if name.endswith(".lock") or name.startswith((".state.", "wtorch-index-")):
                found.append(rel)
    return sorted(found)


def _fsck(repo: Path) -> str:
    from tests.gitutil import subprocess_git

    code, out = subprocess_git(repo, "fsck", "--strict", "--no-dangling", "--no-progress")
    return "ok" if code == 0 and not out.strip() else out


def _state(path: Path, root: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text().replace(str(root), "<root>"))
    return {
        "efforts": {k: _untimed(v) for k, v in data.get("efforts", {}).items()},
        "splits": data.get("splits", {}),
        "operations": [_operation(op) for op in data.get("operations", [])],
    }


def _untimed(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in _TIMES}


def _operation(op: dict[str, Any]) -> dict[str, Any]:
    kept = _untimed(op)
    kept["refs"] = sorted((m["ref"], m.get("before"), m.get("after")) for m in op.get("refs", []))
    kept["worktrees_created"] = sorted(op.get("worktrees_created", []))
    kept["worktrees_removed"] = sorted(op.get("worktrees_removed", []))
    kept["records"] = {k: _untimed(v) for k, v in op.get("records", {}).items()}
    return kept


def differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """One line per part of the snapshot that differs, naming what differs."""
    lines = []
    for key in expected.keys() | found.keys():
        want, got = expected.get(key), found.get(key)
        if want == got:
            continue
        if isinstance(want, dict) and isinstance(got, dict):
            for sub in sorted(want.keys() | got.keys(), key=str):
                if want.get(sub) != got.get(sub):
                    lines.append(f"{key}[{sub}]: expected {want.get(sub)!r}, found {got.get(sub)!r}")
        else:
            lines.append(f"{key}: expected {want!r}, found {got!r}")
    return lines
