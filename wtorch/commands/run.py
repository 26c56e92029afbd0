"""`wtorch run -- CMD...`: one command in the worktree of every chosen effort, in parallel (SPEC §5).

CMD is an argument list, run as typed (no shell unless the user writes `sh -c '...'`). Each
effort's output goes to its own log file under `<git-common-dir>/wtorch/logs/run-<time>/`;
an effort with no worktree to run in is listed as skipped, with the reason.

`where` (the worktree an effort's command runs in, or why there is none) is shared with
validate-wave.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wtorch import git, targets
from wtorch.choices import EffortState, RunResult
from wtorch.errors import EXIT_CHECK_FAILED, EXIT_OK, UsageError
from wtorch.facts import Facts, gather
from wtorch.manifest import Effort, Manifest
from wtorch.runner import Job, RunOutcome, new_log_dir, run_many
from wtorch.safety import Hazard, worktree_problem
from wtorch.state import StateStore
from wtorch.states import View, derive_all


@dataclass(frozen=True)
class Place:
    """Where an effort's command runs: its worktree, or (worktree None) why there is none."""

    effort: Effort
    branch: str
    state: EffortState
    worktree: Path | None
    why: str = ""


def where(facts: Facts, view: View) -> Place:
    """The worktree holding the effort's branch (the main one too), or the reason it has none."""
    effort, branch = view.effort, view.branch

    def nowhere(why: str) -> Place:
        return Place(effort, branch, view.state, None, why)

    if view.state is EffortState.DEFUNCT:
        record = facts.state.efforts.get(effort.id)
        reason = f" ({record.mark_reason})" if record and record.mark_reason else ""
        return nowhere(f"defunct{reason}: `wtorch reopen {effort.id}` brings it back")
    if view.sha is None:
        registered = facts.worktree_at(effort.worktree)
        if registered is not None and registered.branch == branch:
            return nowhere(f"branch {branch} no longer exists (its worktree {registered.path} is still there)")
        record = facts.state.efforts.get(effort.id)
        if record is not None and record.base_commit:
            return nowhere(f"branch {branch} no longer exists")
        return nowhere(f"no branch yet: `wtorch create-wave {effort.wave}` creates it")
    holder = facts.worktree_of(branch)
    if holder is None:
        return nowhere(f"no worktree holds {branch}")
    allowed = {Hazard.MAIN, Hazard.OPERATION, Hazard.LOCKED, Hazard.DIRTY}
    problem = worktree_problem(holder, main=facts.repo.main_worktree, allow=allowed)
    if problem is not None:  # missing or prunable: the only hazards left
        return nowhere(str(problem))
    return Place(effort, branch, view.state, holder.path)


def locate(manifest: Manifest, repo: git.RepoInfo, efforts: Sequence[Effort]) -> tuple[Facts, list[Place]]:
    """Facts read once, and where each of `efforts` runs."""
    facts = gather(manifest, repo, StateStore(repo.common_dir).read(log=False))
    views = derive_all(manifest, facts)
    return facts, [where(facts, views[e.id]) for e in efforts]


def parallelism(jobs: int | None, timeout: float | None) -> int:
    """--jobs (default: the number of cores) and --timeout, checked."""
    if jobs is not None and jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}")
    if timeout is not None and not timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {timeout:g}")
    return jobs or os.cpu_count() or 1


def outcome_json(outcome: RunOutcome | None) -> dict[str, Any]:
    """What a run (or its absence) adds to an effort's JSON object."""
    if outcome is None:
        return {"returncode": None, "seconds": None, "log": None, "tail": []}
    return {
        "returncode": outcome.returncode,
        "seconds": round(outcome.seconds, 3),
        "log": str(outcome.log),
        "tail": list(outcome.tail),
    }


@dataclass(frozen=True)
class RunRow:
    """One chosen effort: its run, or why it was skipped."""

    place: Place
    outcome: RunOutcome | None

    @property
    def id(self) -> str:
        return self.place.effort.id

    @property
    def result(self) -> RunResult:
        return self.outcome.result if self.outcome else RunResult.SKIPPED

    @property
    def why(self) -> str:
        return self.outcome.why if self.outcome else self.place.why

    def to_json(self) -> dict[str, Any]:
        worktree = self.place.worktree
        return {
            "id": self.id,
            "branch": self.place.branch,
            "worktree": str(worktree) if worktree else None,
            "result": self.result,
            "why": self.why,
            **outcome_json(self.outcome),
        }


@dataclass(frozen=True)
class RunReport:
    command: tuple[str, ...]
    jobs: int
    timeout: float | None
    log_dir: Path | None
    """None when nothing ran."""
    rows: tuple[RunRow, ...]

    @property
    def failed(self) -> tuple[str, ...]:
        """Efforts whose command failed, timed out or could not start."""
        return tuple(r.id for r in self.rows if r.outcome is not None and r.outcome.failed)

    @property
    def ran(self) -> int:
        return sum(1 for r in self.rows if r.outcome is not None)

    @property
    def exit_code(self) -> int:
        # Running nowhere is not a success: a CI job must not pass on a wave whose worktrees are gone.
        return EXIT_CHECK_FAILED if self.failed or not self.ran else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "command": list(self.command),
            "jobs": self.jobs,
            "timeout": self.timeout,
            "log_dir": str(self.log_dir) if self.log_dir else None,
            "efforts": [r.to_json() for r in self.rows],
            "failed": list(self.failed),
            "skipped": [r.id for r in self.rows if r.outcome is None],
        }


def run_in(
    places: Sequence[Place],
    argv: tuple[str, ...],
    *,
    repo: git.RepoInfo,
    kind: str,
    parallel: int,
    timeout: float | None,
    progress: Callable[[str], None] | None,
) -> tuple[Path | None, dict[str, RunOutcome]]:
    """Run `argv` in every place that has a worktree, logged under a new `kind-<time>` directory (made only
    when something runs); outcomes by effort id. The progress steps over the others at once."""
    jobs = [Job(p.effort.id, argv, p.worktree) for p in places if p.worktree is not None]
    for place in places:
        if place.worktree is None and progress:
            progress(place.effort.id)
    if not jobs:
        return None, {}
    log_dir = new_log_dir(repo.common_dir, kind)
    found = run_many(jobs, parallel=parallel, timeout=timeout, log_dir=log_dir, progress=progress)
    return log_dir, {o.job.name: o for o in found}


def choose(manifest: Manifest, waves: Sequence[int], only: Sequence[str]) -> list[Effort]:
    """The efforts of `waves` (all by default), narrowed to `only`; an --only outside them is an error."""
    chosen_waves = targets.check_waves(manifest, waves)
    named = targets.select(manifest, names=only)
    if chosen_waves and only:
        outside = [e.id for e in named if e.wave not in chosen_waves]
        if outside:
            members = ", ".join(e.id for e in targets.select(manifest, waves=chosen_waves))
            raise UsageError(f"--only {', '.join(outside)}: not in {targets.wave_words(chosen_waves)} ({members})")
    chosen = targets.select(manifest, waves=chosen_waves, names=only)
    if not chosen:
        raise UsageError(f"nothing to run: {manifest.path.name} has no efforts")
    return chosen


def run_run(
    manifest: Manifest,
    repo: git.RepoInfo,
    command: Sequence[str],
    *,
    waves: Sequence[int] = (),
    only: Sequence[str] = (),
    jobs: int | None = None,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunReport:
    """Run `command` in the worktree of every chosen effort, `jobs` at a time, each past `timeout` killed."""
    if not command:
        raise UsageError("no command to run: put it after --, e.g. wtorch run -- make test")
    parallel = parallelism(jobs, timeout)
    _, places = locate(manifest, repo, choose(manifest, waves, only))
    log_dir, outcomes = run_in(
        places, tuple(command), repo=repo, kind="run", parallel=parallel, timeout=timeout, progress=progress
    )
    rows = tuple(RunRow(p, outcomes.get(p.effort.id)) for p in places)
    return RunReport(tuple(command), parallel, timeout, log_dir, rows)
