"""`wtorch create-wave N`: a branch and a worktree for every effort of a wave (SPEC §3, §5, §10).

Everything is checked before anything is written. Each effort is then made in order — branch
(update-ref, so no tracking config is written and many efforts never race on .git/config),
worktree, copied files, submodules, setup — and an effort that fails takes back the branch this
run made for it. A re-run adopts what exists and finishes what an interrupted run left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from wtorch import git, targets
from wtorch.choices import CreateResult, EffortState, StepKind
from wtorch.commands.wave_result import CreateWaveResult, Outcome, SetupRun
from wtorch.errors import GitError, UsageError
from wtorch.facts import Facts, gather
from wtorch.manifest import Effort, Manifest
from wtorch.safety import Hazard, Problem, worktree_problem
from wtorch.state import EffortRecord, Operation, Push, RefMove, State, StateStore, now
from wtorch.states import View, derive_all

Progress = Callable[[str], None]


@dataclass
class _Job:
    effort: Effort
    view: View
    base: str
    make_branch: bool
    make_worktree: bool
    prune_first: bool
    run_setup: bool
    push: bool
    notes: list[str]
    published: str | None = None
    """The commit of `<remote>/<branch>` when the branch was already published from another machine."""


def run_create_wave(
    manifest: Manifest,
    repo: git.RepoInfo,
    wave: int,
    *,
    only: tuple[str, ...] = (),
    owner: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    push: bool = False,
    progress: Progress | None = None,
    argv: Sequence[str] = ("create-wave",),
) -> CreateWaveResult:
    efforts = _chosen(manifest, wave, only, owner)
    if push and not manifest.project.remote:
        raise UsageError("--push needs project.remote in the manifest")
    store = StateStore(repo.common_dir)
    state = store.read(log=False)
    if dry_run or store.settled(state):
        # Nothing to do (the usual re-run) is answered without the lock, and nothing is written. After
        # an interrupted run, the locked path below first finishes or undoes what it left.
        planned = _plan(manifest, gather(manifest, repo, state), efforts, force=force, push=push)
        if dry_run or not any(job for _, job in planned):
            return CreateWaveResult(wave, dry_run, tuple(o for o, _ in planned))
    with store.operation(argv) as (state, op):
        facts = gather(manifest, repo, state)
        planned = _plan(manifest, facts, efforts, force=force, push=push)
        setups = manifest.worktree.setup and any(j and (j.make_worktree or j.run_setup) for _, j in planned)
        from wtorch.runner import new_log_dir

        logs = new_log_dir(repo.common_dir, f"create-wave-{wave}") if setups else None
        outcomes: list[Outcome] = []
        for outcome, job in planned:
            if progress:
                progress(outcome.id)
            if job is not None:
                _execute(manifest, repo, facts, job, outcome, state, op, save=lambda: store.write(state), logs=logs)
                store.write(state)  # after each effort: an interrupted run leaves an exact record
            outcomes.append(outcome)
    return CreateWaveResult(wave, False, tuple(outcomes))


def _chosen(manifest: Manifest, wave: int, only: tuple[str, ...], owner: str | None) -> list[Effort]:
    efforts = targets.select(manifest, waves=(wave,))
    if only:
        named = targets.select(manifest, names=only)  # unknown names: usage error naming the valid ones
        outside = [e.id for e in named if e not in efforts]
        if outside:
            raise UsageError(f"--only {', '.join(outside)}: not in wave {wave} ({', '.join(e.id for e in efforts)})")
        efforts = [e for e in efforts if e in named]
    if owner is not None:
        efforts = [e for e in efforts if e.owner == owner]
        if not efforts:
            owners = sorted({e.owner for e in targets.select(manifest, waves=(wave,)) if e.owner})
            raise UsageError(f"no effort of wave {wave} is owned by '{owner}' (owners: {', '.join(owners) or 'none'})")
    return efforts


def _plan(
    manifest: Manifest, facts: Facts, efforts: list[Effort], *, force: bool, push: bool
) -> list[tuple[Outcome, _Job | None]]:
    """Check every effort before anything is written; a job for each that has work left."""
    if facts.base_sha is None:
        raise UsageError(f"the base branch '{manifest.project.base}' does not exist; create it or fix project.base")
    views = derive_all(manifest, facts)
    return [_plan_one(manifest, facts, views[e.id], force=force, push=push) for e in efforts]


def _plan_one(manifest: Manifest, facts: Facts, view: View, *, force: bool, push: bool) -> tuple[Outcome, _Job | None]:
    effort = view.effort
    outcome = Outcome(effort.id, view.branch, effort.worktree, view.placement.base, CreateResult.SKIPPED)
    if view.state in (EffortState.COMPLETE, EffortState.DEFUNCT):
        outcome.detail = f"{view.state}: nothing to create"
        return outcome, None
    if view.state == EffortState.MISSING:
        outcome.result = CreateResult.REFUSED
        outcome.detail = (
            f"its branch {view.branch} is gone but {effort.id} is not complete (its work may live on in what is "
            f"stacked on it): restore the branch, or `wtorch complete {effort.id}` or `wtorch defunct {effort.id}`"
        )
        return outcome, None
    notes: list[str] = []
    base = view.placement.base
    if base is None:
        blockers = ", ".join(view.placement.blocked_by)
        if view.sha is None and not force:
            outcome.result = CreateResult.REFUSED
            several = len(view.placement.blocked_by) > 1
            outcome.detail = (
                f"depends on {blockers}, which are not complete; it can stack on one parent only (--force bases it "
                f"on {manifest.project.base})"
                if several
                else f"depends on {blockers}, which has no branch yet: create its wave first"
            )
            return outcome, None
        base = manifest.project.base
        if view.sha is None:
            notes.append(f"forced onto {base} although {blockers} not complete")
    outcome.base = base
    problem, worktree_job = _check_worktree(facts, view)
    if problem:
        outcome.result, outcome.detail = CreateResult.REFUSED, problem
        return outcome, None
    make_worktree, prune_first = worktree_job
    record = facts.state.efforts.get(effort.id)
    # A setup that failed, or never finished because the run was interrupted, is tried again.
    run_setup = make_worktree or (record is not None and record.worktree is not None and record.setup != "ok")
    busy = None if make_worktree else _busy(facts, view)
    if busy is not None and run_setup:
        outcome.result, outcome.detail = CreateResult.REFUSED, f"{busy}, then run create-wave again to finish setup"
        return outcome, None
    # --push also publishes a branch an earlier run made but could not push.
    publish = push and f"{manifest.project.remote}/{view.branch}" not in facts.branches
    if view.sha is not None and not make_worktree and not run_setup and not publish:
        outcome.result = CreateResult.EXISTS
        outcome.detail = f"{view.state}; worktree in place" + (f" ({busy.what})" if busy else "")
        return outcome, None
    job = _Job(effort, view, base, view.sha is None, make_worktree, prune_first, run_setup, publish, notes)
    tracking = facts.branches.get(f"{manifest.project.remote}/{view.branch}") if manifest.project.remote else None
    if view.sha is None and tracking is not None:
        # Someone already published this effort: carry on from their branch, never fork a new one.
        job.published = tracking.sha
    outcome.result, outcome.detail = CreateResult.WOULD_CREATE, _describe(job)
    return outcome, job


def _busy(facts: Facts, view: View) -> Problem | None:
    """Why setup cannot run in the effort's worktree now: the user's rebase or merge under way there."""
    holder = facts.worktree_at(view.effort.worktree)
    if holder is None:
        return None
    return worktree_problem(holder, main=facts.repo.main_worktree, allow=set(Hazard) - {Hazard.OPERATION})


def _describe(job: _Job) -> str:
    source = "its published commits" if job.published else job.base
    parts = [f"branch from {source}" if job.make_branch else "adopt existing branch"]
    if job.make_worktree:
        parts.append("add worktree")
    elif job.run_setup:
        parts.append("finish setup")
    if job.push:
        parts.append("push")
    return ", ".join(parts)


def _check_worktree(facts: Facts, view: View) -> tuple[str | None, tuple[bool, bool]]:
    """Refusal reason, else (make the worktree?, prune a stale entry first?)."""
    path = view.effort.worktree
    holder = facts.worktree_of(view.branch) if view.sha is not None else None
    registered = facts.worktree_at(path)
    if holder is not None and holder.path != path:
        return f"branch {view.branch} is checked out in {holder.path}; switch that worktree to another branch", (
            False,
            False,
        )
    if registered is not None and registered.locked == "initializing":
        # `git worktree add` never finished here (killed, say; HEAD may not even be set): make it again.
        return None, (True, True)
    if registered is not None and view.branch not in (registered.branch, registered.rebasing):
        what = f"branch {registered.branch}" if registered.branch else "a detached HEAD"
        return f"{path} is already a worktree holding {what}", (False, False)
    if registered is not None:
        if not registered.missing:
            return None, (False, False)
        if registered.locked is not None:
            return (
                f"worktree {path} is missing but locked ({registered.locked or 'no reason'}); `git worktree unlock` it",
                (False, False),
            )
        return None, (True, True)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        return (
            f"{path} already exists and is not a worktree of this repository; move it away or change worktree_template",
            (False, False),
        )
    return None, (True, False)


def _execute(
    manifest: Manifest,
    repo: git.RepoInfo,
    facts: Facts,
    job: _Job,
    outcome: Outcome,
    state: State,
    op: Operation,
    *,
    save: Callable[[], None],
    logs: Path | None = None,
) -> None:
    """Make one effort. Each step's intent is journalled before it runs, so a killed run is finished
    by the next one (which continues the same log entry)."""
    cwd = repo.main_worktree
    effort, branch = job.effort, job.view.branch
    ref = f"refs/heads/{branch}"
    record = state.touch(op, effort.id)
    before = replace(record)
    created_sha: str | None = None
    try:
        if job.make_branch:
            base_ref = facts.branches.get(job.base)
            if base_ref is None:
                outcome.result, outcome.detail = CreateResult.REFUSED, f"base branch {job.base} does not exist"
                return
            created_sha = job.published or base_ref.sha
            op.move(ref, None, created_sha)
            with op.step(StepKind.REFS, ref=ref):
                git.refs.update_ref(cwd, ref, created_sha, None, message=f"wtorch: create-wave {effort.wave}")
        if record.base_commit is None or created_sha is not None:
            _record_branch(cwd, record, op.moved(ref), job, created_sha)
        if job.make_worktree:
            record.worktree, record.setup = str(effort.worktree), None
            _add_worktree(cwd, job, op)
        save()
    except GitError as exc:
        if created_sha is not None:  # take back what this run made: no half-made effort
            if git.refs.resolve(cwd, ref) == created_sha:
                git.refs.delete_ref(cwd, ref, created_sha, message="wtorch: create-wave rollback")
            op.move(ref, created_sha, None)
        state.efforts[effort.id] = before
        outcome.result, outcome.detail = CreateResult.FAILED, exc.stderr.strip() or str(exc)
        return
    changed = job.make_branch or job.make_worktree or job.run_setup
    outcome.result = CreateResult.CREATED if changed else CreateResult.PUSHED
    outcome.detail = _describe(job)
    outcome.notes.extend(job.notes)
    if job.make_worktree or job.run_setup:
        from wtorch.copying import copy_files

        copies = copy_files(manifest.worktree.copy, repo.main_worktree, effort.worktree)
        outcome.copied, outcome.notes = copies.copied, outcome.notes + copies.notes
    if changed:
        _finish(manifest, effort, outcome, record, logs)
    if job.push and manifest.project.remote:
        _push(cwd, manifest.project.remote, branch, outcome, op)


def _push(cwd: Path, remote: str, branch: str, outcome: Outcome, op: Operation) -> None:
    """Publish with upstream tracking; a failure is this effort's, the wave carries on."""
    try:
        git.refs.push(cwd, remote, branch, set_upstream=True)
        op.pushes.append(Push(remote, branch, None, git.refs.resolve(cwd, f"refs/heads/{branch}")))
    except GitError as exc:
        reason = exc.stderr.strip().splitlines()[0] if exc.stderr.strip() else "push failed"
        if outcome.result != CreateResult.SETUP_FAILED:
            outcome.result, outcome.detail = CreateResult.PUSH_FAILED, reason
        outcome.notes.append(f"push to {remote} failed: {reason}; `wtorch create-wave --push` retries it")
        return
    outcome.notes.append(f"pushed to {remote}")


def _record_branch(cwd: Path, record: EffortRecord, made: RefMove | None, job: _Job, created: str | None) -> None:
    """The branch in the effort's record; `made` when this run (or the interrupted run it continues) created it."""
    record.branch, record.base_ref = job.view.branch, job.base
    fresh = created is not None and not job.published
    record.base_commit = created if fresh else git.refs.merge_base(cwd, job.base, job.view.branch)
    if made is not None and made.before is None:
        record.tip, record.created_at = made.after, now()


def _add_worktree(cwd: Path, job: _Job, op: Operation) -> None:
    path = job.effort.worktree
    if job.prune_first:
        # A worktree deleted by hand, or one whose creation was interrupted ("initializing").
        if path.exists():
            git.worktrees.remove_worktree(cwd, path, force=True)
        git.worktrees.prune_worktrees(cwd)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Logged before it exists: an undo after a kill mid-add still knows to take it away.
    op.created(str(path))
    try:
        with op.step(StepKind.WORKTREE_ADD, worktree=str(path), ref=f"refs/heads/{job.view.branch}"):
            git.worktrees.add_worktree(cwd, path, job.view.branch)
    except GitError:
        op.worktrees_created.remove(str(path))
        raise


def _finish(manifest: Manifest, effort: Effort, outcome: Outcome, record: EffortRecord, logs: Path | None) -> None:
    """Submodules, then setup commands (each logged to `logs/<id>.<n>.log`); a failure is shown with its
    output, the worktree kept."""
    path = effort.worktree
    if git.refs.submodule_paths(path):
        try:
            git.refs.init_submodules(path)
        except GitError as exc:
            outcome.result = CreateResult.SETUP_FAILED
            outcome.detail = f"submodules: {exc.stderr.strip()}"
            record.setup = outcome.detail
            return
    from wtorch.runner import run_command

    for n, command in enumerate(manifest.worktree.setup, start=1):
        log = logs / f"{effort.id}.{n}.log" if logs else None
        result = run_command(command, path, log=log)
        outcome.setup.append(SetupRun.of(result, log))
        if not result.ok:
            outcome.result = CreateResult.SETUP_FAILED
            outcome.detail = f"setup `{command}` exited {result.returncode}"
            record.setup = outcome.detail
            return
    record.setup = "ok"
