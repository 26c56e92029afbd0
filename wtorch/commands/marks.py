"""`wtorch complete`, `defunct` and `reopen`: the explicit marks git cannot tell (SPEC §3, §4)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wtorch import git, targets, travel
from wtorch.choices import Mark, StepKind
from wtorch.errors import UsageError
from wtorch.manifest import Effort, Manifest
from wtorch.manifest.templates import render
from wtorch.safety import Hazard, worktree_problem
from wtorch.state import EffortRecord, Operation, State, StateStore, now


@dataclass(frozen=True)
class MarkResult:
    id: str
    mark: Mark | None
    branch: str
    message: str


@contextmanager
def _marking(
    manifest: Manifest, repo: git.RepoInfo, argv: Sequence[str], *, push: bool
) -> Iterator[tuple[State, Operation]]:
    """The operation frame of a mark; with --push, the remote's marks are merged in first and the
    result published in `refs/wtorch/state`, so every machine sees the same marks."""
    remote = manifest.project.remote
    if push and not remote:
        raise UsageError("--push needs project.remote in the manifest")
    with StateStore(repo.common_dir).operation(argv) as (state, op):
        if push and remote:
            git.refs.fetch(repo.main_worktree, remote)
            travel.absorb(state, travel.read_remote(repo, remote)[0])
        yield state, op
        if push and remote:
            travel.publish(repo, remote, state)


def run_complete(
    manifest: Manifest,
    repo: git.RepoInfo,
    name: str,
    *,
    reason: str | None,
    push: bool = False,
    argv: Sequence[str] = ("complete",),
) -> MarkResult:
    effort = targets.effort(manifest, name)
    with _marking(manifest, repo, argv, push=push) as (state, op):
        if state.effort(effort.id).mark == Mark.DEFUNCT:
            raise UsageError(f"'{effort.id}' is defunct; `wtorch reopen {effort.id}` first")
        record = state.touch(op, effort.id)
        record.mark, record.mark_reason, record.mark_at = Mark.COMPLETE, reason, now(precise=True)
        op.note = f"marked {effort.id} complete" + (f": {reason}" if reason else "")
    return MarkResult(effort.id, Mark.COMPLETE, effort.branch, f"{effort.id} marked complete")


def defunct_branch_name(manifest: Manifest, effort: Effort) -> str:
    values = {
        "project": manifest.project.name,
        "repo": manifest.repo_name,
        "id": effort.id,
        "wave": str(effort.wave),
        "owner": effort.owner or "",
    }
    return render(manifest.project.defunct_template, values)


def run_defunct(
    manifest: Manifest,
    repo: git.RepoInfo,
    name: str,
    *,
    reason: str,
    push: bool = False,
    argv: Sequence[str] = ("defunct",),
) -> MarkResult:
    """Rename the branch by defunct_template and keep it; its worktree follows, uncommitted work stays."""
    if not reason.strip():
        raise UsageError("defunct needs --reason: say why, so the report can tell the team")
    effort = targets.effort(manifest, name)
    target = defunct_branch_name(manifest, effort)
    cwd = repo.main_worktree
    with _marking(manifest, repo, argv, push=push) as (state, op):
        current = state.effort(effort.id)
        if current.mark == Mark.DEFUNCT:
            return MarkResult(
                effort.id, Mark.DEFUNCT, current.defunct_branch or target, f"{effort.id} is already defunct"
            )
        branches = git.refs.branches(cwd)
        _not_mid_operation(cwd, effort.branch)
        record = state.touch(op, effort.id)
        if effort.branch in branches:
            if target in branches:
                raise UsageError(f"cannot rename {effort.branch}: {target} already exists")
            _rename(cwd, op, effort.branch, target, branches[effort.branch].sha)
        if effort.branch in branches or op.moved(f"refs/heads/{target}"):  # renamed now, or by the killed run
            record.defunct_branch = target
        record.mark, record.mark_reason, record.mark_at = Mark.DEFUNCT, reason, now(precise=True)
        op.note = f"marked {effort.id} defunct: {reason}"
    kept = f"branch kept as {target}" if record.defunct_branch else "it had no branch"
    return MarkResult(effort.id, Mark.DEFUNCT, target, f"{effort.id} marked defunct; {kept}")


def run_reopen(
    manifest: Manifest, repo: git.RepoInfo, name: str, *, push: bool = False, argv: Sequence[str] = ("reopen",)
) -> MarkResult:
    """Clear a mark; a defunct branch gets its own name back when that name is free."""
    effort = targets.effort(manifest, name)
    with _marking(manifest, repo, argv, push=push) as (state, op):
        was = state.effort(effort.id).mark
        if was is None:
            return MarkResult(effort.id, None, effort.branch, f"{effort.id} has no mark to clear")
        record = state.touch(op, effort.id)
        _restore_branch(repo.main_worktree, effort, record, op)
        record.mark = record.mark_reason = None
        record.mark_at = now(precise=True)  # when the mark changed: a reopen travels to other machines by time too
        op.note = f"cleared the {was} mark of {effort.id}"
    return MarkResult(effort.id, None, effort.branch, f"{effort.id} reopened (was {was})")


def _not_mid_operation(cwd: Path, branch: str) -> None:
    """A branch is not renamed while a rebase of it (or any operation in its worktree) is under way."""
    for wt in git.worktrees.list_worktrees(cwd):
        if branch in (wt.branch, wt.rebasing):
            allowed = set(Hazard) - {Hazard.OPERATION}
            problem = worktree_problem(wt, main=cwd, allow=allowed)
            if problem is not None:
                raise UsageError(f"cannot rename {branch}: {problem}, first")


def _restore_branch(cwd: Path, effort: Effort, record: EffortRecord, op: Operation) -> None:
    old = record.defunct_branch
    if record.mark != Mark.DEFUNCT or not old:
        return
    branches = git.refs.branches(cwd)
    if old in branches:
        _not_mid_operation(cwd, old)
        if effort.branch in branches:
            raise UsageError(f"cannot give {old} its name back: {effort.branch} exists again; rename one of them first")
        _rename(cwd, op, old, effort.branch, branches[old].sha)
    record.defunct_branch = None


def _rename(cwd: Path, op: Operation, old: str, new: str, sha: str) -> None:
    """`git branch -m`, announced first: the log holds both moves before git makes them."""
    op.move(f"refs/heads/{old}", sha, None)
    op.move(f"refs/heads/{new}", None, sha)
    with op.step(StepKind.RENAME, ref=f"refs/heads/{old}", before=sha, base=f"refs/heads/{new}"):
        git.refs.rename_branch(cwd, old, new)
