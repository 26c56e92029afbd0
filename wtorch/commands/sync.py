"""`wtorch sync`: every branch onto its base, parents first, never losing work (SPEC §7, §10).

A rebase starts from the base commit recorded at the last create or sync
(`git rebase --onto <new base> <recorded base> <branch>`), so the commits of a parent that has
since been squash-merged are never replayed into its child.

One function decides what happens to each effort; the dry run takes the same decisions and
only stops short of acting on them (it predicts the outcome with a trial merge instead).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from wtorch import git, graph, targets, travel
from wtorch.choices import EffortState, StepKind, Strategy, SyncResult
from wtorch.commands.sync_result import FAILED, Decision, SyncOutcome, SyncReport, outcome_of, record_sync
from wtorch.errors import GitError, UsageError
from wtorch.facts import Facts, gather
from wtorch.git import integrate
from wtorch.git.trial import commit_merge
from wtorch.manifest import Effort, Manifest
from wtorch.process import parallel_map
from wtorch.safety import Hazard, worktree_problem
from wtorch.state import EffortRecord, Operation, Push, State, StateStore
from wtorch.states import View, derive_all

REBASE_JOBS = 2 * (os.cpu_count() or 1)
"""Rebases (or merges) run side by side, in as many worktrees: git waits on files and its hooks a
good part of the time, so twice the cores keeps them busy."""


def run_sync(
    manifest: Manifest,
    repo: git.RepoInfo,
    *,
    names: Sequence[str] = (),
    waves: Sequence[int] = (),
    strategy: Strategy | None = None,
    autostash: bool = False,
    push: bool = False,
    dry_run: bool = False,
    jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
    argv: Sequence[str] = ("sync",),
) -> SyncReport:
    chosen = targets.select(manifest, waves=waves, names=names)
    if push and not manifest.project.remote:
        raise UsageError("--push needs project.remote in the manifest")
    mode = strategy or manifest.sync.strategy
    run = _Run(manifest, repo, mode, autostash=autostash, push=push, dry_run=dry_run, jobs=jobs or REBASE_JOBS)
    store = StateStore(repo.common_dir)
    if dry_run:
        return SyncReport(run.mode, True, tuple(run.all(chosen, store.read(log=False), None, progress)))
    with store.operation(argv) as (state, op):
        # Written once, when the frame closes: each rebase is journalled before it runs, and that
        # journal, not a state write per effort, is what a re-run after a kill continues from.
        outcomes = run.all(chosen, state, op, progress)
    return SyncReport(run.mode, False, tuple(outcomes))


@dataclass
class _Run:
    manifest: Manifest
    repo: git.RepoInfo
    mode: Strategy
    autostash: bool
    push: bool
    dry_run: bool
    jobs: int
    views: dict[str, View] = field(default_factory=dict)

    def all(
        self,
        chosen: list[Effort],
        state: State,
        op: Operation | None,
        progress: Callable[[str], None] | None,
    ) -> list[SyncOutcome]:
        """Parents first; facts read once, then carried forward as each synced branch moves."""
        remote = self.manifest.project.remote
        if remote:
            git.refs.fetch(self.repo.main_worktree, remote)
            travel.absorb(state, travel.read_remote(self.repo, remote)[0])
        facts = gather(self.manifest, self.repo, state, remotes=True)
        views = self.views = derive_all(self.manifest, facts)
        # Whether each branch holds its base already: one batch for all, no process per effort.
        targets = [(self.base_ref(facts, views[e.id]), views[e.id].sha) for e in chosen]
        facts.ancestry.prefetch((facts.branches[b].sha, tip) for b, tip in targets if tip and b in facts.branches)
        # Where each branch's own commits start (`fork_point`): mostly one recorded base for many.
        recorded = [
            (r.base_commit, views[e.id].sha) for e in chosen if (r := state.efforts.get(e.id)) and r.base_commit
        ]
        facts.ancestry.prefetch((base, tip) for base, tip in recorded if tip)
        failed: set[str] = set()
        done: dict[str, SyncOutcome] = {}
        for batch in _rounds(self.manifest, chosen):
            # A round's efforts stack on none of each other: their rebases run side by side, each in
            # its own worktree; what is stacked on them waits for the next round, and their new tips.
            moved = parallel_map(partial(self.one, facts, state, op, failed, progress), batch, jobs=self.jobs)
            for effort, outcome in zip(batch, moved, strict=True):
                if outcome.result in FAILED:
                    failed.add(effort.id)
                elif outcome.result == SyncResult.SYNCED and outcome.after:
                    facts = facts.with_tip(outcome.branch, outcome.after)
                    if self.push and op is not None:
                        self.publish(facts, outcome, op)
                done[effort.id] = outcome
        outcomes = [done[e.id] for e in _ordered(self.manifest, chosen)]
        if self.push and op is not None and remote:
            travel.publish(self.repo, remote, state)
        return outcomes

    def one(
        self,
        facts: Facts,
        state: State,
        op: Operation | None,
        failed: set[str],
        progress: Callable[[str], None] | None,
        effort: Effort,
    ) -> SyncOutcome:
        """Decide, then act (or, in a dry run, predict) for one effort."""
        if progress:
            progress(effort.id)
        view = self.views[effort.id]
        decision = self.decide(facts, view, state.efforts.get(effort.id), failed)
        return self.predict(facts, view, decision) if op is None else self.act(facts, view, decision, state, op)

    def decide(self, facts: Facts, view: View, record: EffortRecord | None, failed: set[str]) -> Decision:
        """Why this effort is skipped, or where it goes: the one decision the dry run shares."""
        base = self.base_ref(facts, view)
        skip = self.skip_reason(facts, view, failed)
        if skip is not None:
            return Decision(base, SyncResult.SKIPPED, skip)
        holder = facts.worktree_of(view.branch)
        assert holder is not None
        if base not in facts.branches:
            return Decision(base, SyncResult.SKIPPED, f"its base {base} does not exist")
        new_base = facts.branches[base].sha
        catch_up = self.colleague_tip(facts, view)
        if not catch_up and facts.ancestry.relation(new_base, view.sha or "").up_to_date:
            # Nothing will touch the worktree, so what is uncommitted there does not matter.
            return Decision(base, SyncResult.UP_TO_DATE, f"already on {base}", new_base=new_base)
        dirty = self.dirty(facts, holder)
        if dirty is not None:
            return Decision(base, SyncResult.SKIPPED, dirty)
        upstream = self.fork_point(facts, view, record, base)
        return Decision(base, holder=holder, new_base=new_base, upstream=upstream, catch_up=catch_up)

    def colleague_tip(self, facts: Facts, view: View) -> str:
        """`<remote>/<branch>`'s commit when it holds commits this branch has no equivalent of (someone
        pushed to the same branch); "" when it holds nothing new (ours, or our own commits as they were
        before a rebase)."""
        remote = self.manifest.project.remote
        tracking = facts.branches.get(f"{remote}/{view.branch}") if remote else None
        cwd, tip = facts.repo.main_worktree, view.sha or ""
        if tracking is None or facts.ancestry.relation(tip, tracking.sha).contained:
            return ""
        return "" if git.refs.all_commits_applied(cwd, tip, tracking.sha) else tracking.sha

    def fork_point(self, facts: Facts, view: View, record: EffortRecord | None, base: str) -> str:
        """Where the branch's own commits start: the newest of the recorded base and, for an effort
        stacked on a parent, every commit the parent's branch has been at (locally, on the remote, in
        its reflog) that is in the branch — so a child rebased by hand onto its grown parent replays
        only its own commits once the parent is squash-merged. Else the merge-base."""
        cwd, tip = facts.repo.main_worktree, view.sha or ""
        candidates = [record.base_commit] if record and record.base_commit else []
        parent = self._parent_branch(view, record)
        if parent is not None:
            remote = self.manifest.project.remote
            for name in (parent, f"{remote}/{parent}" if remote else None):
                if name and name in facts.branches:
                    candidates.append(facts.branches[name].sha)
            candidates += git.refs.reflog_shas(cwd, f"refs/heads/{parent}")
        found = facts.ancestry.newest_ancestor(candidates, tip) if candidates else None
        return found or git.refs.merge_base(cwd, base, tip) or base

    def _parent_branch(self, view: View, record: EffortRecord | None) -> str | None:
        """The branch of the dependency this effort is (or was, when last created or synced) stacked on."""
        by_branch = {self.views[d].branch: d for d in view.effort.depends_on}
        if view.placement.stacked_on is not None:
            return self.views[view.placement.stacked_on].branch
        if record and record.base_ref in by_branch:
            return record.base_ref
        return None

    def skip_reason(self, facts: Facts, view: View, failed: set[str]) -> str | None:
        if view.state in (EffortState.PLANNED, EffortState.COMPLETE, EffortState.DEFUNCT):
            return f"{view.state}: nothing to sync"
        if view.state == EffortState.MISSING:
            return f"missing: its branch {view.branch} is gone"
        gone = [d for d in view.effort.depends_on if self.views[d].state == EffortState.MISSING]
        if gone:
            # Moving it onto the base would drop the parent's commits it carries: leave it as it is.
            parent = self.views[gone[0]]
            return (
                f"its parent {gone[0]}'s branch {parent.branch} is gone and {gone[0]} is not complete; its commits "
                f"are still in {view.branch}: restore the branch (`git branch {parent.branch} <commit>`), "
                f"or mark {gone[0]} complete or defunct"
            )
        blocked = [d for d in view.effort.depends_on if d in failed]
        if blocked:
            return f"stacked on {', '.join(blocked)}, which did not sync"
        holder = facts.worktree_of(view.branch)
        if holder is None:
            return "no worktree holds the branch (run create-wave)"
        # Uncommitted changes are looked for only once the branch is known to move (`dirty`).
        problem = worktree_problem(
            holder, main=facts.repo.main_worktree, allow={Hazard.MAIN, Hazard.LOCKED, Hazard.DIRTY}
        )
        if problem is not None:
            return str(problem)
        if holder.branch != view.branch:
            return f"{holder.path} is not on {view.branch}"
        return None

    def dirty(self, facts: Facts, holder: git.Worktree) -> str | None:
        """Why the worktree cannot be rebased or merged in: uncommitted work (unless --autostash).
        Looked for as the effort's turn comes, in its round, beside the other efforts' rebases."""
        if self.autostash:
            return None
        problem = worktree_problem(
            holder,
            main=facts.repo.main_worktree,
            copies=self.manifest.worktree.copy,
            allow={Hazard.MAIN, Hazard.LOCKED},
            overrides={Hazard.DIRTY: "--autostash"},
        )
        return str(problem) if problem is not None else None

    def base_ref(self, facts: Facts, view: View) -> str:
        """A stacked parent's branch, else project.base — as on the remote when there is one."""
        remote = self.manifest.project.remote
        if view.placement.stacked_on is None and remote:
            remote_base = f"{remote}/{self.manifest.project.base}"
            if remote_base in facts.branches:
                return remote_base
        return view.base

    def act(self, facts: Facts, view: View, decision: Decision, state: State, op: Operation) -> SyncOutcome:
        outcome = outcome_of(view, decision)
        if decision.result == SyncResult.SKIPPED:
            return outcome
        with op.lock:  # rebases of one round run side by side; the entry is shared
            record, ref = state.touch(op, view.effort.id), f"refs/heads/{view.branch}"
        if decision.result == SyncResult.UP_TO_DATE or decision.holder is None:
            earlier = op.moved(ref)  # synced by the interrupted run this one continues: its result
            if earlier is not None and earlier.after == view.sha:
                outcome.result, outcome.before, outcome.why = SyncResult.SYNCED, earlier.before, ""
            record_sync(record, decision.base, decision.new_base, outcome.result, view.sha)
            return outcome
        cwd, path = facts.repo.main_worktree, decision.holder.path
        moved = view
        if decision.catch_up:
            # A colleague pushed to this branch: our commits go on top of theirs, neither side is lost.
            tracking = f"{self.manifest.project.remote}/{view.branch}"
            fork = git.refs.merge_base(cwd, view.sha or "", decision.catch_up) or decision.catch_up
            with op.step(StepKind.REBASE, worktree=str(path), ref=ref, before=view.sha, onto=decision.catch_up):
                taken = integrate.rebase_onto(path, view.branch, decision.catch_up, fork, autostash=self.autostash)
            if not self.settled(facts, outcome, record, taken, f" taking {tracking}'s commits"):
                return outcome
            outcome.notes.append(f"took the commits {tracking} had that {view.branch} lacked, ours on top")
            op.move(ref, view.sha, outcome.after)
            moved = replace(view, sha=outcome.after)
            decision = replace(decision, upstream=self.fork_point(facts, moved, record, decision.base))
        if not facts.ancestry.relation(decision.new_base, moved.sha or "").up_to_date:
            target = self.merge_target(facts, moved, decision) if self.mode == Strategy.MERGE else ""
            where = {"worktree": str(path), "ref": ref, "before": moved.sha, "effort": view.effort.id}
            with op.step(StepKind(self.mode.value), **where, base=decision.base, onto=decision.new_base):
                if self.mode == Strategy.REBASE:
                    result = integrate.rebase_onto(
                        path, view.branch, decision.new_base, decision.upstream, autostash=self.autostash
                    )
                else:
                    message = f"Merge {decision.base} into {view.branch} (wtorch sync)"
                    result = integrate.merge(path, target, autostash=self.autostash, message=message)
            if not self.settled(facts, outcome, record, result, ""):
                return outcome
        outcome.result = SyncResult.SYNCED
        op.move(ref, view.sha, outcome.after)
        record_sync(record, decision.base, decision.new_base, SyncResult.SYNCED, outcome.after)
        return outcome

    def settled(
        self, facts: Facts, outcome: SyncOutcome, record: EffortRecord, result: integrate.Outcome, doing: str
    ) -> bool:
        """Note where a rebase or merge left the branch; False (and the outcome says why) when it failed."""
        outcome.after = git.refs.resolve(facts.repo.main_worktree, f"refs/heads/{outcome.branch}")
        if result.stash_kept:
            outcome.notes.append(
                "your uncommitted changes conflicted with the new base: they are safe in `git stash list`, "
                "and the worktree shows the conflict"
            )
        if result.ok:
            return True
        if not result.conflicts:
            outcome.result, outcome.why = SyncResult.FAILED, f"{result.message}{doing}; left as it was"
            record_sync(record, None, None, f"failed: {result.message}")
            return False
        outcome.result, outcome.conflicts = SyncResult.CONFLICT, result.conflicts
        outcome.why = f"conflict in {', '.join(result.conflicts)}{doing}; left as it was"
        record_sync(record, None, None, f"conflict: {', '.join(result.conflicts)}")
        return False

    def merge_target(self, facts: Facts, view: View, decision: Decision) -> str:
        """What the merge strategy merges: the new base, or, when the branch's fork point is not in the
        new base (its parent was squash-merged), a commit with the new base's tree and both as parents —
        telling git the base already holds the parent's change, so only the branch's own work meets it."""
        cwd = facts.repo.main_worktree
        if git.refs.is_ancestor(cwd, decision.upstream, decision.new_base):
            return decision.new_base
        tree = git.refs.tree_of(cwd, decision.new_base)
        note = f"{decision.base} already holds what {view.branch} was built on ({decision.upstream[:12]})"
        return commit_merge(cwd, tree, [decision.new_base, decision.upstream], note, scratch=self.dry_run)

    def predict(self, facts: Facts, view: View, decision: Decision) -> SyncOutcome:
        """--dry-run: the outcome of acting on `decision`, by a trial merge; nothing changes."""
        outcome = outcome_of(view, decision)
        if decision.result is not None:
            return outcome
        cwd, tip = facts.repo.main_worktree, view.sha or ""
        if decision.catch_up:
            fork = git.refs.merge_base(cwd, tip, decision.catch_up) or decision.catch_up
            tree, conflicts = git.refs.predict_rebase(cwd, decision.catch_up, fork, tip)
            if tree is None:
                outcome.result, outcome.conflicts = SyncResult.WOULD_CONFLICT, tuple(conflicts)
                tracking = f"{self.manifest.project.remote}/{view.branch}"
                outcome.why = f"conflict predicted in {', '.join(conflicts)} taking {tracking}'s commits"
                return outcome
            outcome.notes.append(
                "would take the commits the remote branch has first (predicted from the branch as it is)"
            )
        if self.mode == Strategy.REBASE:
            # The same range the real rebase replays: only the commits since the recorded base.
            tree, conflicts = git.refs.predict_rebase(cwd, decision.new_base, decision.upstream, tip)
        else:
            tree, conflicts = git.refs.merge_tree(cwd, self.merge_target(facts, view, decision), tip)
        if tree is None:
            outcome.result, outcome.conflicts = SyncResult.WOULD_CONFLICT, tuple(conflicts)
            outcome.why = f"conflict predicted in {', '.join(conflicts)}"
        else:
            outcome.result, outcome.why = SyncResult.WOULD_SYNC, f"onto {decision.base}"
        return outcome

    def publish(self, facts: Facts, outcome: SyncOutcome, op: Operation) -> None:
        remote = self.manifest.project.remote
        assert remote is not None
        tracking = facts.branches.get(f"{remote}/{outcome.branch}")
        # The lease is the remote branch as fetched a moment ago and checked to be inside ours: if
        # anyone pushed since, the push is refused instead of overwriting their work.
        try:
            git.refs.push(facts.repo.main_worktree, remote, outcome.branch, lease=tracking.sha if tracking else "")
        except GitError as exc:
            outcome.push_error = exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else "push failed"
            outcome.notes.append(f"push to {remote} refused: {outcome.push_error}")
            return
        op.pushes.append(Push(remote, outcome.branch, tracking.sha if tracking else None, outcome.after))
        outcome.notes.append(f"pushed to {remote} (force-with-lease)")


def _rounds(manifest: Manifest, chosen: list[Effort]) -> list[list[Effort]]:
    """The chosen efforts in rounds, each one round after the last chosen effort it stacks on."""
    by_id = {e.id: e for e in chosen}
    return [[by_id[i] for i in batch] for batch in graph.rounds({e.id: e.depends_on for e in manifest.efforts}, by_id)]


def _ordered(manifest: Manifest, chosen: list[Effort]) -> list[Effort]:
    """Parents before what is stacked on them."""
    order = graph.topological_order({e.id: e.depends_on for e in manifest.efforts})
    wanted = {e.id for e in chosen}
    by_id = {e.id: e for e in manifest.efforts}
    return [by_id[i] for i in order if i in wanted]
