"""`worktree.copy`: untracked files of the main worktree copied into a new worktree (SPEC §2, §10).

A copy is made under a temporary name beside its destination and renamed into place, so a run
killed half-way leaves no half-copied file for the next run to take as done (the next run
replaces the temporary copy). Nothing is written outside the worktree: a destination reached
through a symbolic link that leaves it (a tracked `cfg -> ../shared-cfg`, say) is not copied.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TEMPORARY = ".wtorch-copy.tmp"


@dataclass(frozen=True)
class Copies:
    copied: list[str]
    """What this call copied, as the manifest names it (a directory with a trailing `/`)."""
    notes: list[str]
    """What it could not copy, and why."""


def copy_files(copies: Sequence[str], main: Path, target: Path) -> Copies:
    """Copy each path of `copies` from `main` into `target` where it is not there yet (one that is, is
    left as it is); what was copied, and notes on what could not be."""
    copied, notes = [], []
    top = target.resolve()
    for relpath in copies:
        source, dest = main / relpath, target / relpath
        try:
            note = _copy_one(relpath, source, dest, top)
        except OSError as exc:
            note = f"copy: {relpath} was not copied: {exc.strerror or exc}"
        if note is _COPIED:
            copied.append(relpath.rstrip("/") + "/" if source.is_dir() else relpath)
        elif note:
            notes.append(note)
    return Copies(copied, notes)


_COPIED = "copied"


def _copy_one(relpath: str, source: Path, dest: Path, top: Path) -> str | None:
    """A note on why `relpath` was not copied, None when it was already there, else _COPIED."""
    if not source.exists():
        return f"copy: {relpath} is not in the main worktree"
    if dest.exists() or dest.is_symlink():
        return None
    if _escapes(dest, top):
        return f"copy: {relpath} was not copied: a symbolic link on its way leads outside the worktree"
    dest.parent.mkdir(parents=True, exist_ok=True)
    staged = dest.parent / TEMPORARY
    _remove(staged)  # what a killed run left half-copied
    if source.is_dir():
        shutil.copytree(source, staged, symlinks=True)
    else:
        shutil.copy2(source, staged, follow_symlinks=False)
    os.replace(staged, dest)
    return _COPIED


def _escapes(dest: Path, top: Path) -> bool:
    """Whether writing `dest` would land outside `top`: some directory on its way is a link out."""
    return not dest.parent.resolve().is_relative_to(top)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
