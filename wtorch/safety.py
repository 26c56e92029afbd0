"""The one answer to "is this worktree safe to touch?": the problem, and what fixes it (SPEC §10).

sync, remove, prune, undo, defunct/reopen and status all ask here; each says which hazards its
own action can live with (sync does not mind a locked worktree; status only reports).
"""

from __future__ import annotations

import filecmp
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from wtorch import git


class Hazard(StrEnum):
    MAIN = "main worktree"
    MISSING = "missing"
    PRUNABLE = "prunable"
    OPERATION = "operation in progress"
    LOCKED = "locked"
    DIRTY = "dirty"


@dataclass(frozen=True)
class Problem:
    hazard: Hazard
    what: str
    """What is wrong, naming the worktree."""
    fix: str
    """What the user runs (or does) to clear it."""
    detail: str = ""
    """The operation under way, the lock reason: the short form status shows."""

    def __str__(self) -> str:
        return f"{self.what}: {self.fix}"


def uncommitted(worktree: Path, main: Path, copies: Sequence[str], *, crowded: bool = False) -> list[str]:
    """The uncommitted changes of a worktree that are work: an untracked file that wtorch copied in
    (worktree.copy) and that is still identical to the main worktree's does not count."""

    def copied(path: str) -> bool:
        inside = any(path == c.rstrip("/") or path.startswith(c.rstrip("/") + "/") for c in copies)
        source = main / path
        return inside and source.is_file() and filecmp.cmp(source, worktree / path, shallow=False)

    found = git.worktrees.changes(worktree, crowded=crowded)
    return [path for untracked, path in found if not (untracked and copied(path))]


def worktree_problem(
    worktree: git.Worktree,
    *,
    main: Path,
    copies: Sequence[str] = (),
    allow: Collection[Hazard] = (),
    overrides: Mapping[Hazard, str] | None = None,
) -> Problem | None:
    """The first hazard of touching `worktree` that the caller does not `allow`, else None.

    `overrides` names the caller's own way past a hazard (`--autostash`, `--force`), offered beside the fix.
    """
    path = worktree.path

    def beside(hazard: Hazard) -> str:
        way = (overrides or {}).get(hazard)
        return f" (or {way})" if way else ""

    if path == main and Hazard.MAIN not in allow:
        return Problem(Hazard.MAIN, f"{path} is the main worktree", "wtorch never removes it")
    if worktree.prunable is not None or worktree.missing:
        hazard = Hazard.PRUNABLE if worktree.prunable is not None else Hazard.MISSING
        if hazard not in allow:
            return Problem(hazard, f"worktree {path} is missing", "`wtorch prune` forgets it")
        return None
    operation = git.worktrees.operation_in_progress(path)
    if operation and Hazard.OPERATION not in allow:
        return Problem(
            Hazard.OPERATION,
            f"a {operation} is in progress in {path}",
            f"finish it, or `{git.worktrees.abandon(operation)}`",
            operation,
        )
    if worktree.locked is not None and Hazard.LOCKED not in allow:
        reason = worktree.locked or "no reason"
        return Problem(
            Hazard.LOCKED,
            f"{path} is locked ({reason})",
            f"`git worktree unlock {path}`{beside(Hazard.LOCKED)}",
            reason,
        )
    if Hazard.DIRTY not in allow:
        dirty = len(uncommitted(path, main, copies))
        if dirty:
            return Problem(
                Hazard.DIRTY, f"{dirty} uncommitted change(s) in {path}", f"commit or stash them{beside(Hazard.DIRTY)}"
            )
    return None
