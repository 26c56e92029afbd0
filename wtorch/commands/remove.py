"""`wtorch remove` and `wtorch prune`: take worktrees (and merged branches) away, never work (SPEC §10)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from wtorch import git
from wtorch.errors import GitError
from wtorch.lifecycle import COMPLETE, DEFUNCT, Facts, View, derive_all, gather, select, uncommitted
from wtorch.manifest import Manifest
from wtorch.state import Operation, RefMove, StateStore

REMOVED, KEPT, REFUSED, WOULD = "removed", "kept", "refused", "would remove"


@dataclass(frozen=True)
class Action:
    target: str
    """A worktree path or a branch name."""
    kind: str
    """"worktree", "branch" or "entry" (a stale worktree registration)."""
    result: str
    reason: str = ""


@dataclass
class RemoveResult:
    actions: list[Action] = field(default_factory=list)
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if any(a.result == REFUSED for a in self.actions) else 0


def run_remove(manifest: Manifest, repo: git.RepoInfo, effort_id: str, *, force: bool = False) -> RemoveResult:
    (effort,) = select(manifest, ids=(effort_id,))
    result = RemoveResult()
    with StateStore(repo.common_dir).locked(f"remove {effort_id}") as state:
        facts = gather(manifest, repo)
        view = derive_all(manifest, facts)[effort.id]
        op = state.begin(f"remove {effort.id}" + (" --force" if force else ""))
        try:
            _remove_effort(facts, view, op, result, force=force, dry_run=False, copies=manifest.worktree.copy)
        finally:
            state.end(op)
    return result


def run_prune(manifest: Manifest, repo: git.RepoInfo, *, merged: bool = False, dry_run: bool = False) -> RemoveResult:
    result = RemoveResult(dry_run=dry_run)
    store = StateStore(repo.common_dir)
    with store.locked("prune") as state:
        facts = gather(manifest, repo)
        op = state.begin("prune" + (" --merged" if merged else ""))
        try:
            _prune_stale(facts, result, op, dry_run=dry_run)
            if merged:
                views = derive_all(manifest, facts)
                for view in views.values():
                    if view.state == COMPLETE and view.merged_how in ("merged", "squash-merged"):
                        _remove_effort(
                            facts, view, op, result, force=False, dry_run=dry_run, copies=manifest.worktree.copy
                        )
        finally:
            state.end(op)
    return result


def _prune_stale(facts: Facts, result: RemoveResult, op: Operation, *, dry_run: bool) -> None:
    stale = [w for w in facts.worktrees[1:] if w.prunable is not None or w.missing]
    for w in stale:
        if w.locked is not None:
            result.actions.append(Action(str(w.path), "entry", KEPT, f"missing but locked ({w.locked or 'no reason'})"))
        else:
            result.actions.append(Action(str(w.path), "entry", WOULD if dry_run else REMOVED, "directory is gone"))
    if stale and not dry_run:
        git.worktrees.prune_worktrees(facts.repo.main_worktree)
        op.note = f"pruned {len(stale)} stale worktree entries"


def _remove_effort(
    facts: Facts,
    view: View,
    op: Operation,
    result: RemoveResult,
    *,
    force: bool,
    dry_run: bool,
    copies: Sequence[str] = (),
) -> None:
    cwd = facts.repo.main_worktree
    holder = facts.worktree_of(view.branch) if view.sha else None
    if holder is not None and not holder.missing:
        refusal = _refusal(facts, holder, force=force, copies=copies)
        if refusal:
            result.actions.append(Action(str(holder.path), "worktree", REFUSED, refusal))
            return
        if not dry_run:
            try:
                # Past the checks the worktree holds no work: what git may still object to (submodules,
                # files wtorch copied in) is safe to let go.
                git.worktrees.remove_worktree(cwd, holder.path, force=True)
            except GitError as exc:
                result.actions.append(Action(str(holder.path), "worktree", REFUSED, exc.stderr.strip()))
                return
            op.worktrees_removed.append(str(holder.path))
            op.branches[str(holder.path)] = view.branch
        result.actions.append(Action(str(holder.path), "worktree", WOULD if dry_run else REMOVED))
    elif holder is not None and not dry_run:
        git.worktrees.prune_worktrees(cwd)
    _delete_branch(facts, view, op, result, force=force, dry_run=dry_run)


def _refusal(facts: Facts, holder: git.Worktree, *, force: bool, copies: Sequence[str]) -> str | None:
    if holder.path == facts.repo.main_worktree:
        return "it is the main worktree; wtorch never removes it"
    if force:
        return None
    if holder.locked is not None:
        return f"locked ({holder.locked or 'no reason'}); unlock it or use --force"
    operation = git.worktrees.operation_in_progress(holder.path)
    if operation:
        return f"a {operation} is in progress there; finish or abort it first"
    dirty = len(uncommitted(holder.path, facts.repo.main_worktree, copies))
    if dirty:
        return f"{dirty} uncommitted change(s); commit or stash them (--force would lose them)"
    return None


def _delete_branch(
    facts: Facts, view: View, op: Operation, result: RemoveResult, *, force: bool, dry_run: bool
) -> None:
    if view.sha is None:
        return
    if view.state == DEFUNCT:
        result.actions.append(Action(view.branch, "branch", KEPT, "defunct branches are kept"))
        return
    merged = view.merged_how in ("merged", "squash-merged")
    if not merged and not force:
        why = "marked complete but not merged" if view.state == COMPLETE else "not merged"
        result.actions.append(Action(view.branch, "branch", KEPT, f"{why}; --force deletes it"))
        return
    if not dry_run:
        git.refs.delete_ref(facts.repo.main_worktree, f"refs/heads/{view.branch}", view.sha, message="wtorch: remove")
        op.refs.append(RefMove(f"refs/heads/{view.branch}", view.sha, None))
    reason = f"was {view.merged_how}" if merged else "forced"
    result.actions.append(Action(view.branch, "branch", WOULD if dry_run else REMOVED, reason))
