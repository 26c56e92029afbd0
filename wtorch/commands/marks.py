"""`wtorch complete`, `defunct` and `reopen`: the explicit marks git cannot tell (SPEC §3, §4)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wtorch import git
from wtorch.errors import UsageError
from wtorch.lifecycle import COMPLETE, DEFUNCT, select
from wtorch.manifest import Effort, Manifest
from wtorch.manifest.templates import render
from wtorch.state import EffortRecord, RefMove, StateStore, now


@dataclass(frozen=True)
class MarkResult:
    id: str
    mark: str | None
    branch: str
    message: str


def _effort(manifest: Manifest, effort_id: str) -> Effort:
    (effort,) = select(manifest, ids=(effort_id,))
    return effort


def run_complete(manifest: Manifest, repo: git.RepoInfo, effort_id: str, *, reason: str | None) -> MarkResult:
    effort = _effort(manifest, effort_id)
    store = StateStore(repo.common_dir)
    with store.locked(f"complete {effort_id}") as state:
        if state.effort(effort.id).mark == DEFUNCT:
            raise UsageError(f"'{effort.id}' is defunct; `wtorch reopen {effort.id}` first")
        op = state.begin(f"complete {effort.id}")
        record = state.touch(op, effort.id)
        record.mark, record.mark_reason, record.mark_at = COMPLETE, reason, now()
        op.note = f"marked {effort.id} complete" + (f": {reason}" if reason else "")
        state.end(op)
    return MarkResult(effort.id, COMPLETE, effort.branch, f"{effort.id} marked complete")


def defunct_branch_name(manifest: Manifest, effort: Effort, repo: git.RepoInfo) -> str:
    values = {
        "project": manifest.project.name,
        "repo": manifest.repo_name,
        "id": effort.id,
        "wave": str(effort.wave),
        "owner": effort.owner or "",
    }
    return render(manifest.project.defunct_template, values)


def run_defunct(manifest: Manifest, repo: git.RepoInfo, effort_id: str, *, reason: str) -> MarkResult:
    """Rename the branch by defunct_template and keep it; its worktree follows, uncommitted work stays."""
    if not reason.strip():
        raise UsageError("defunct needs --reason: say why, so the report can tell the team")
    effort = _effort(manifest, effort_id)
    target = defunct_branch_name(manifest, effort, repo)
    cwd = repo.main_worktree
    store = StateStore(repo.common_dir)
    with store.locked(f"defunct {effort_id}") as state:
        current = state.effort(effort.id)
        if current.mark == DEFUNCT:
            return MarkResult(effort.id, DEFUNCT, current.defunct_branch or target, f"{effort.id} is already defunct")
        branches = git.refs.branches(cwd)
        _not_mid_operation(cwd, effort.branch)
        op = state.begin(f"defunct {effort.id}")
        record = state.touch(op, effort.id)
        try:
            if effort.branch in branches:
                if target in branches:
                    raise UsageError(f"cannot rename {effort.branch}: {target} already exists")
                sha = branches[effort.branch].sha
                git.refs.rename_branch(cwd, effort.branch, target)
                op.refs += [
                    RefMove(f"refs/heads/{effort.branch}", sha, None),
                    RefMove(f"refs/heads/{target}", None, sha),
                ]
                record.defunct_branch = target
            record.mark, record.mark_reason, record.mark_at = DEFUNCT, reason, now()
            op.note = f"marked {effort.id} defunct: {reason}"
        finally:
            state.end(op)
    kept = f"branch kept as {target}" if record.defunct_branch else "it had no branch"
    return MarkResult(effort.id, DEFUNCT, target, f"{effort.id} marked defunct; {kept}")


def run_reopen(manifest: Manifest, repo: git.RepoInfo, effort_id: str) -> MarkResult:
    """Clear a mark; a defunct branch gets its own name back when that name is free."""
    effort = _effort(manifest, effort_id)
    cwd = repo.main_worktree
    store = StateStore(repo.common_dir)
    with store.locked(f"reopen {effort_id}") as state:
        if state.effort(effort.id).mark is None:
            return MarkResult(effort.id, None, effort.branch, f"{effort.id} has no mark to clear")
        op = state.begin(f"reopen {effort.id}")
        record = state.touch(op, effort.id)
        try:
            _restore_branch(cwd, effort, record, op.refs)
            was = record.mark
            record.mark = record.mark_reason = record.mark_at = None
            op.note = f"cleared the {was} mark of {effort.id}"
        finally:
            state.end(op)
    return MarkResult(effort.id, None, effort.branch, f"{effort.id} reopened (was {was})")


def _not_mid_operation(cwd: Path, branch: str) -> None:
    """A branch is not renamed while a rebase of it (or any operation in its worktree) is under way."""
    for wt in git.worktrees.list_worktrees(cwd):
        if branch in (wt.branch, wt.rebasing) and not wt.missing:
            operation = git.worktrees.operation_in_progress(wt.path)
            if operation:
                raise UsageError(
                    f"a {operation} is in progress in {wt.path}, which holds {branch}: "
                    f"finish it, or `{git.worktrees.abandon(operation)}`, first"
                )


def _restore_branch(cwd: Path, effort: Effort, record: EffortRecord, moves: list[RefMove]) -> None:
    old = record.defunct_branch
    if record.mark != DEFUNCT or not old:
        return
    branches = git.refs.branches(cwd)
    if old in branches:
        _not_mid_operation(cwd, old)
        if effort.branch in branches:
            raise UsageError(f"cannot give {old} its name back: {effort.branch} exists again; rename one of them first")
        sha = branches[old].sha
        git.refs.rename_branch(cwd, old, effort.branch)
        moves += [RefMove(f"refs/heads/{old}", sha, None), RefMove(f"refs/heads/{effort.branch}", None, sha)]
    record.defunct_branch = None
