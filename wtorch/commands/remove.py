"""`wtorch remove` and `wtorch prune`: take worktrees (and merged branches) away, never work (SPEC §10)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wtorch import git, targets
from wtorch.choices import EffortState, MergedHow, StepKind
from wtorch.choices import RemoveResult as Result
from wtorch.errors import GitError
from wtorch.facts import Facts, gather
from wtorch.manifest import Manifest
from wtorch.safety import Hazard, worktree_problem
from wtorch.state import Operation, State, StateStore
from wtorch.states import View, derive_all

_MERGED = (MergedHow.MERGED, MergedHow.SQUASH_MERGED, MergedHow.REBASE_MERGED)
_FORCE = {Hazard.DIRTY: "--force, which discards them", Hazard.LOCKED: "--force"}


@dataclass(frozen=True)
class Action:
    target: str
    """A worktree path or a branch name."""
    kind: str
    """"worktree", "branch" or "entry" (a stale worktree registration)."""
    result: Result
    reason: str = ""


@dataclass
class RemoveReport:
    actions: list[Action] = field(default_factory=list)
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if any(a.result == Result.REFUSED for a in self.actions) else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "dry_run": self.dry_run,
            "actions": [
                {"target": a.target, "kind": a.kind, "result": a.result, "reason": a.reason} for a in self.actions
            ],
        }


def run_remove(
    manifest: Manifest, repo: git.RepoInfo, name: str, *, force: bool = False, argv: Sequence[str] = ("remove",)
) -> RemoveReport:
    effort = targets.effort(manifest, name)
    report = RemoveReport()
    with StateStore(repo.common_dir).operation(argv) as (state, op):
        facts = gather(manifest, repo, state)
        view = derive_all(manifest, facts)[effort.id]
        _Remover(facts, state, op, report, manifest.worktree.copy, force=force).effort(view)
    return report


def run_prune(
    manifest: Manifest,
    repo: git.RepoInfo,
    *,
    merged: bool = False,
    dry_run: bool = False,
    argv: Sequence[str] = ("prune",),
) -> RemoveReport:
    report = RemoveReport(dry_run=dry_run)
    with StateStore(repo.common_dir).operation(argv) as (state, op):
        facts = gather(manifest, repo, state)
        remover = _Remover(facts, state, op, report, manifest.worktree.copy, dry_run=dry_run)
        remover.stale_entries()
        if merged:
            for view in derive_all(manifest, facts).values():
                if view.state == EffortState.COMPLETE and view.merged_how in _MERGED:
                    remover.effort(view)
    return report


@dataclass
class _Remover:
    facts: Facts
    state: State
    op: Operation
    report: RemoveReport
    copies: Sequence[str]
    force: bool = False
    dry_run: bool = False

    def done(self, target: str, kind: str, reason: str = "") -> None:
        self.report.actions.append(
            Action(target, kind, Result.WOULD_REMOVE if self.dry_run else Result.REMOVED, reason)
        )

    def stale_entries(self) -> None:
        stale = [w for w in self.facts.worktrees[1:] if w.prunable is not None or w.missing]
        for w in stale:
            if w.locked is not None:
                reason = f"missing but locked ({w.locked or 'no reason'})"
                self.report.actions.append(Action(str(w.path), "entry", Result.KEPT, reason))
            else:
                self.done(str(w.path), "entry", "directory is gone")
        if stale and not self.dry_run:
            self.op.note = f"pruned {len(stale)} stale worktree entries"
            with self.op.step(StepKind.REFS):
                git.worktrees.prune_worktrees(self.facts.repo.main_worktree)

    def effort(self, view: View) -> None:
        cwd = self.facts.repo.main_worktree
        holder = self.facts.worktree_of(view.branch) if view.sha else None
        if holder is not None and not holder.missing:
            # --force goes past every hazard but one: the main worktree is never removed.
            allowed = set(Hazard) - {Hazard.MAIN} if self.force else {Hazard.MISSING, Hazard.PRUNABLE}
            problem = worktree_problem(holder, main=cwd, copies=self.copies, allow=allowed, overrides=_FORCE)
            if problem is not None:
                self.report.actions.append(Action(str(holder.path), "worktree", Result.REFUSED, str(problem)))
                return
            if not self.dry_run:
                where = str(holder.path)
                self.op.removed(where, view.branch)
                try:
                    # Past the checks the worktree holds no work: what git may still object to
                    # (submodules, files wtorch copied in) is safe to let go.
                    with self.op.step(StepKind.WORKTREE_REMOVE, worktree=where):
                        git.worktrees.remove_worktree(cwd, holder.path, force=True)
                except GitError as exc:
                    self.op.worktrees_removed.remove(where)
                    self.op.branches.pop(where, None)
                    self.report.actions.append(Action(where, "worktree", Result.REFUSED, exc.stderr.strip()))
                    return
            self.done(str(holder.path), "worktree")
        elif holder is not None and not self.dry_run:
            git.worktrees.prune_worktrees(cwd)
        self.branch(view)

    def branch(self, view: View) -> None:
        if view.sha is None:
            return
        if view.state == EffortState.DEFUNCT:
            self.report.actions.append(Action(view.branch, "branch", Result.KEPT, "defunct branches are kept"))
            return
        merged = view.merged_how in _MERGED
        if not merged and not self.force:
            why = "marked complete but not merged" if view.state == EffortState.COMPLETE else "not merged"
            self.report.actions.append(Action(view.branch, "branch", Result.KEPT, f"{why}; --force deletes it"))
            return
        if not self.dry_run:
            cwd = self.facts.repo.main_worktree
            record = self.state.touch(self.op, view.effort.id)
            # The completion outlives the branch; a branch deleted by force is work let go: planned again.
            record.tip, record.completed = view.sha, view.merged_how if merged else None
            if not merged:
                record.branch = record.base_ref = record.base_commit = record.tip = None
            ref = f"refs/heads/{view.branch}"
            self.op.move(ref, view.sha, None)
            with self.op.step(StepKind.REFS, ref=ref):
                git.refs.delete_ref(cwd, ref, view.sha, message="wtorch: remove")
        self.done(view.branch, "branch", f"was {view.merged_how}" if merged else "forced")
