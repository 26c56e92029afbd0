"""`wtorch sync`: every branch onto its base, parents first, never losing work (SPEC §7, §10).

A rebase starts from the base commit recorded at the last create or sync
(`git rebase --onto <new base> <recorded base> <branch>`), so the commits of a parent that has
since been squash-merged are never replayed into its child.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from wtorch import git, graph
from wtorch.errors import GitError, UsageError
from wtorch.git import integrate
from wtorch.lifecycle import COMPLETE, DEFUNCT, PLANNED, Facts, View, derive_all, gather, select, uncommitted
from wtorch.manifest import Effort, Manifest
from wtorch.state import EffortRecord, Operation, RefMove, State, StateStore, now

SYNCED, UP_TO_DATE, CONFLICT, FAILED, SKIPPED, WOULD_SYNC, WOULD_CONFLICT = (
    "synced",
    "up to date",
    "conflict",
    "failed",
    "skipped",
    "would sync",
    "would conflict",
)


@dataclass
class SyncOutcome:
    id: str
    branch: str
    base: str
    before: str | None
    after: str | None
    result: str
    why: str = ""
    conflicts: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    push_error: str | None = None


@dataclass(frozen=True)
class SyncResult:
    strategy: str
    dry_run: bool
    outcomes: tuple[SyncOutcome, ...]

    @property
    def exit_code(self) -> int:
        failed = any(o.result in (CONFLICT, FAILED, WOULD_CONFLICT) or o.push_error for o in self.outcomes)
        return 1 if failed else 0


def run_sync(
    manifest: Manifest,
    repo: git.RepoInfo,
    *,
    ids: tuple[str, ...] = (),
    wave: int | None = None,
    strategy: str | None = None,
    autostash: bool = False,
    push: bool = False,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SyncResult:
    chosen = select(manifest, wave=wave, ids=ids)
    mode = strategy or manifest.sync.strategy
    if mode not in ("rebase", "merge"):
        raise UsageError(f"--strategy must be rebase or merge, not {mode}")
    if push and not manifest.project.remote:
        raise UsageError("--push needs project.remote in the manifest")
    if dry_run:
        facts = gather(manifest, repo, remotes=True)
        views = derive_all(manifest, facts)
        state = StateStore(repo.common_dir).read()
        predicted = [
            _predict(manifest, facts, state, views[e.id], mode=mode, autostash=autostash)
            for e in _ordered(manifest, chosen)
        ]
        return SyncResult(mode, True, tuple(predicted))
    store = StateStore(repo.common_dir)
    with store.locked("sync") as state:
        if manifest.project.remote:
            git.refs.fetch(repo.main_worktree, manifest.project.remote)
        op = state.begin(_command(ids, wave, mode, autostash=autostash, push=push))
        outcomes: list[SyncOutcome] = []
        failed: set[str] = set()
        # Facts and states once: syncing moves only the synced branch, whose new tip is noted below
        # so that what is stacked on it syncs onto it.
        facts = gather(manifest, repo, remotes=True)
        views = derive_all(manifest, facts)
        try:
            for effort in _ordered(manifest, chosen):
                if progress:
                    progress(effort.id)
                view = views[effort.id]
                outcome = _sync_one(manifest, facts, view, state, op, failed, mode=mode, autostash=autostash, push=push)
                if outcome.result in (CONFLICT, FAILED):
                    failed.add(effort.id)
                elif outcome.result == SYNCED and outcome.after:
                    facts.branches[view.branch] = replace(facts.branches[view.branch], sha=outcome.after)
                    if push:
                        _push(manifest, facts, outcome)
                outcomes.append(outcome)
                store.write(state)
        finally:
            state.end(op)
    return SyncResult(mode, False, tuple(outcomes))


def _command(ids: tuple[str, ...], wave: int | None, mode: str, *, autostash: bool, push: bool) -> str:
    words = ["sync", *ids, *([f"--wave {wave}"] if wave is not None else []), f"--strategy {mode}"]
    words += ["--autostash"] * autostash + ["--push"] * push
    return " ".join(words)


def _ordered(manifest: Manifest, chosen: list[Effort]) -> list[Effort]:
    """Parents before what is stacked on them."""
    order = graph.topological_order({e.id: e.depends_on for e in manifest.efforts})
    wanted = {e.id for e in chosen}
    by_id = {e.id: e for e in manifest.efforts}
    return [by_id[i] for i in order if i in wanted]


def _base_ref(manifest: Manifest, facts: Facts, view: View) -> str:
    """The ref to sync onto: a stacked parent's branch, else project.base — as on the remote when there is one."""
    if view.placement.stacked_on is None and manifest.project.remote:
        remote_base = f"{manifest.project.remote}/{manifest.project.base}"
        if remote_base in facts.branches:
            return remote_base
    return view.base


def _precheck(
    facts: Facts, view: View, failed: set[str], *, autostash: bool, copies: Sequence[str] = ()
) -> tuple[str | None, git.Worktree | None]:
    """Why this effort is skipped, else the worktree that holds its branch."""
    effort = view.effort
    if view.state in (PLANNED, COMPLETE, DEFUNCT):
        return f"{view.state}: nothing to sync", None
    blocked = [d for d in effort.depends_on if d in failed]
    if blocked:
        return f"stacked on {', '.join(blocked)}, which did not sync", None
    holder = facts.worktree_of(view.branch)
    if holder is None:
        return "no worktree holds the branch (run create-wave)", None
    if holder.missing or holder.prunable is not None:
        return f"worktree {holder.path} is missing", None
    operation = git.worktrees.operation_in_progress(holder.path)
    if operation:
        return (
            f"a {operation} is in progress in {holder.path} (interrupted?): "
            f"finish it, or `{git.worktrees.abandon(operation)}`",
            None,
        )
    if holder.branch != view.branch:
        return f"{holder.path} is not on {view.branch}", None
    dirty = len(uncommitted(holder.path, facts.repo.main_worktree, copies))
    if dirty and not autostash:
        return f"{dirty} uncommitted change(s) in {holder.path} (commit them, or --autostash)", None
    return None, holder


def _sync_one(
    manifest: Manifest,
    facts: Facts,
    view: View,
    state: State,
    op: Operation,
    failed: set[str],
    *,
    mode: str,
    autostash: bool,
    push: bool,
) -> SyncOutcome:
    effort = view.effort
    base = _base_ref(manifest, facts, view)
    outcome = SyncOutcome(effort.id, view.branch, base, view.sha, view.sha, SKIPPED)
    why, holder = _precheck(facts, view, failed, autostash=autostash, copies=manifest.worktree.copy)
    if why or holder is None:
        outcome.why = why or "no worktree"
        return outcome
    foreign = _remote_has_more(manifest, facts, view) if push else None
    if foreign:
        outcome.why = foreign
        return outcome
    if base not in facts.branches:
        outcome.why = f"its base {base} does not exist"
        return outcome
    record = state.touch(op, effort.id)
    cwd = facts.repo.main_worktree
    new_base = facts.branches[base].sha
    if git.refs.is_ancestor(cwd, new_base, view.sha or ""):
        outcome.result, outcome.why = UP_TO_DATE, f"already on {base}"
        _record(record, base, new_base, UP_TO_DATE)
        return outcome
    upstream = _recorded_base(cwd, record, base, view)
    if mode == "rebase":
        result = integrate.rebase_onto(holder.path, view.branch, new_base, upstream, autostash=autostash)
    else:
        result = integrate.merge(holder.path, new_base, autostash=autostash)
    after = git.refs.resolve(cwd, f"refs/heads/{view.branch}")
    outcome.after = after
    if not result.ok and not result.conflicts:
        outcome.result, outcome.why = FAILED, f"{result.message}; left as it was"
        _record(record, None, None, f"failed: {result.message}")
        return outcome
    if not result.ok:
        outcome.result, outcome.conflicts = CONFLICT, result.conflicts
        outcome.why = f"conflict in {', '.join(result.conflicts)}; left as it was"
        _record(record, None, None, f"conflict: {', '.join(result.conflicts)}")
        return outcome
    outcome.result = SYNCED
    if result.stash_kept:
        outcome.notes.append(
            "your uncommitted changes conflicted with the new base: they are safe in `git stash list`, "
            "and the worktree shows the conflict"
        )
    op.refs.append(RefMove(f"refs/heads/{view.branch}", view.sha, after))
    _record(record, base, new_base, SYNCED)
    return outcome


def _recorded_base(cwd: Path, record: EffortRecord, base: str, view: View) -> str:
    """Where the branch's own commits start: the recorded base commit, else the merge-base."""
    if record.base_commit and git.refs.is_ancestor(cwd, record.base_commit, view.sha or ""):
        return record.base_commit
    return git.refs.merge_base(cwd, base, view.sha or "") or base


def _record(record: EffortRecord, base: str | None, commit: str | None, result: str) -> None:
    if base is not None and commit is not None:
        record.base_ref, record.base_commit = base, commit
    record.last_sync_at, record.last_sync_result = now(), result


def _remote_has_more(manifest: Manifest, facts: Facts, view: View) -> str | None:
    """Why pushing would overwrite someone's work: the remote branch has commits ours lacks."""
    remote = manifest.project.remote
    tracking = facts.branches.get(f"{remote}/{view.branch}")
    if tracking is None or git.refs.is_ancestor(facts.repo.main_worktree, tracking.sha, view.sha or ""):
        return None
    return (
        f"{remote}/{view.branch} has commits that {view.branch} lacks (pushed from elsewhere): "
        "merge them into the branch first, then sync"
    )


def _push(manifest: Manifest, facts: Facts, outcome: SyncOutcome) -> None:
    remote = manifest.project.remote
    assert remote is not None
    tracking = facts.branches.get(f"{remote}/{outcome.branch}")
    # The lease is the remote branch as fetched a moment ago and checked to be inside ours: if anyone
    # pushed since, the push is refused instead of overwriting their work.
    try:
        git.refs.push(facts.repo.main_worktree, remote, outcome.branch, lease=tracking.sha if tracking else "")
    except GitError as exc:
        outcome.push_error = exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else "push failed"
        outcome.notes.append(f"push to {remote} refused: {outcome.push_error}")
        return
    outcome.notes.append(f"pushed to {remote} (force-with-lease)")


def _predict(manifest: Manifest, facts: Facts, state: State, view: View, *, mode: str, autostash: bool) -> SyncOutcome:
    """--dry-run: what sync would do, conflicts predicted by a trial merge; nothing changes."""
    effort = view.effort
    base = _base_ref(manifest, facts, view)
    outcome = SyncOutcome(effort.id, view.branch, base, view.sha, view.sha, SKIPPED)
    why, _ = _precheck(facts, view, set(), autostash=autostash, copies=manifest.worktree.copy)
    if why or base not in facts.branches:
        outcome.why = why or f"its base {base} does not exist"
        return outcome
    cwd = facts.repo.main_worktree
    new_base = facts.branches[base].sha
    tip = view.sha or ""
    if git.refs.is_ancestor(cwd, new_base, tip):
        outcome.result, outcome.why = UP_TO_DATE, f"already on {base}"
        return outcome
    if mode == "rebase":
        # The same range the real rebase replays: only the commits since the recorded base.
        upstream = _recorded_base(cwd, state.effort(effort.id), base, view)
        tree, conflicts = git.refs.predict_rebase(cwd, new_base, upstream, tip)
    else:
        tree, conflicts = git.refs.merge_tree(cwd, new_base, tip)
    if tree is None:
        outcome.result, outcome.conflicts = WOULD_CONFLICT, tuple(conflicts)
        outcome.why = f"conflict predicted in {', '.join(conflicts)}"
    else:
        outcome.result, outcome.why = WOULD_SYNC, f"onto {base}"
    return outcome
