"""`wtorch validate-wave N`: is every effort of the wave ready? (SPEC §5)

Three checks per effort, each with its reason: the worktree is clean, the branch is within the
line budget (the gate), and `validate.command` passes in the worktree (through the same runner
as `wtorch run`, in parallel). The cleanliness check runs first, so what the command writes (build
output) is not taken for the user's uncommitted work.

An effort that has no branch or no worktree **fails**: the question is whether the wave is ready,
and a wave with a piece missing is not. A complete or defunct effort is skipped: it is merged or
abandoned, and its worktree may rightly be gone.

wtorch changes nothing in the repository here; the only files it writes are the command logs
under `<git-common-dir>/wtorch/logs/validate-<time>/`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wtorch import git, targets
from wtorch.choices import CheckResult, EffortState, RunResult
from wtorch.commands.gate import GateRow, run_gate
from wtorch.commands.run import Place, locate, outcome_json, parallelism, run_in
from wtorch.errors import EXIT_CHECK_FAILED, EXIT_OK
from wtorch.facts import Facts
from wtorch.manifest import Manifest
from wtorch.process import parallel_map
from wtorch.runner import RunOutcome, seconds_text
from wtorch.safety import Hazard, uncommitted, worktree_problem

_SHOWN_CHANGES = 5


@dataclass(frozen=True)
class Check:
    result: CheckResult
    why: str
    extra: dict[str, Any] = field(default_factory=dict)
    """The check's own JSON fields (changes; lines and budget; returncode, log, tail)."""

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result, "why": self.why, **self.extra}


def _skipped(why: str) -> Check:
    return Check(CheckResult.SKIPPED, why)


@dataclass(frozen=True)
class EffortValidation:
    place: Place
    clean: Check
    gate: Check
    command: Check
    outcome: RunOutcome | None = None

    @property
    def id(self) -> str:
        return self.place.effort.id

    @property
    def checks(self) -> dict[str, Check]:
        return {"clean": self.clean, "gate": self.gate, "command": self.command}

    @property
    def result(self) -> CheckResult:
        results = [c.result for c in self.checks.values()]
        if CheckResult.FAIL in results:
            return CheckResult.FAIL
        return CheckResult.SKIPPED if all(r is CheckResult.SKIPPED for r in results) else CheckResult.PASS

    def to_json(self) -> dict[str, Any]:
        worktree = self.place.worktree
        return {
            "id": self.id,
            "branch": self.place.branch,
            "worktree": str(worktree) if worktree else None,
            "result": self.result,
            "checks": {name: check.to_json() for name, check in self.checks.items()},
        }


@dataclass(frozen=True)
class ValidateReport:
    wave: int
    command: str | None
    """validate.command; None when the manifest has none (then only the other two checks run)."""
    max_lines: int
    log_dir: Path | None
    efforts: tuple[EffortValidation, ...]

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.efforts if e.result is CheckResult.FAIL)

    @property
    def exit_code(self) -> int:
        return EXIT_CHECK_FAILED if self.failed else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "wave": self.wave,
            "command": self.command,
            "max_lines": self.max_lines,
            "log_dir": str(self.log_dir) if self.log_dir else None,
            "efforts": [e.to_json() for e in self.efforts],
            "failed": list(self.failed),
        }


def _settled(place: Place) -> str | None:
    """Why a complete or defunct effort is not validated."""
    if place.state is EffortState.COMPLETE:
        return "complete: nothing to validate"
    if place.state is EffortState.DEFUNCT:
        return "defunct: nothing to validate"
    return None


def check_clean(facts: Facts, place: Place, copies: Sequence[str]) -> Check:
    """The worktree exists, has no operation under way, and no uncommitted change (worktree.copy files aside)."""
    if place.worktree is None:
        return Check(CheckResult.FAIL, place.why)
    holder = facts.worktree_at(place.worktree)
    main = facts.repo.main_worktree
    if holder is not None:
        problem = worktree_problem(holder, main=main, allow={Hazard.MAIN, Hazard.LOCKED, Hazard.DIRTY})
        if problem is not None:
            return Check(CheckResult.FAIL, str(problem))
    changes = uncommitted(place.worktree, main, copies)
    if not changes:
        return Check(CheckResult.PASS, "clean", {"changes": []})
    shown = ", ".join(changes[:_SHOWN_CHANGES]) + (
        f" and {len(changes) - _SHOWN_CHANGES} more" if len(changes) > _SHOWN_CHANGES else ""
    )
    return Check(CheckResult.FAIL, f"{len(changes)} uncommitted change(s): {shown}", {"changes": changes})


def check_gate(row: GateRow | None) -> Check:
    if row is None:
        return _skipped("no branch to measure")
    lines, budget = row.count.lines, row.max_lines
    extra = {"lines": lines, "max_lines": budget}
    if row.over:
        split = f"`wtorch split {row.effort}` plans a split" if row.effort else "split it"
        return Check(CheckResult.FAIL, f"{lines}/{budget} lines: over budget; {split}", extra)
    return Check(CheckResult.PASS, f"{lines}/{budget} lines", extra)


def check_command(command: str | None, place: Place, outcome: RunOutcome | None) -> Check:
    if command is None:
        return _skipped("no validate.command in the manifest")
    if outcome is None:
        return _skipped("no worktree to run it in")
    extra = outcome_json(outcome)
    if outcome.result is RunResult.OK:
        return Check(CheckResult.PASS, f"exit 0 ({seconds_text(outcome.seconds)})", extra)
    if outcome.returncode is not None and outcome.returncode > 0:
        return Check(CheckResult.FAIL, f"exit {outcome.returncode} ({seconds_text(outcome.seconds)})", extra)
    return Check(CheckResult.FAIL, outcome.why, extra)


def run_validate_wave(
    manifest: Manifest,
    repo: git.RepoInfo,
    wave: int,
    *,
    jobs: int | None = None,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> ValidateReport:
    """Check every effort of `wave`: clean worktree, gate, validate.command (run in parallel)."""
    parallel = parallelism(jobs, timeout)
    (number,) = targets.check_waves(manifest, [wave])
    facts, places = locate(manifest, repo, targets.select(manifest, waves=[number]))
    live = [p for p in places if _settled(p) is None]
    found = parallel_map(lambda p: check_clean(facts, p, manifest.worktree.copy), live)
    cleans = {p.effort.id: check for p, check in zip(live, found, strict=True)}
    measured = [p.effort.id for p in live if p.branch in facts.branches]
    gate = run_gate(repo.main_worktree, manifest, repo, names=measured) if measured else None
    rows = {r.effort: r for r in gate.rows} if gate else {}
    command = manifest.validate_command
    log_dir, outcomes = run_in(
        [p if command and _settled(p) is None else replace(p, worktree=None) for p in places],
        ("sh", "-c", command or ""),
        repo=repo,
        kind=f"validate-wave-{number}",
        parallel=parallel,
        timeout=timeout,
        progress=progress,
    )
    results = []
    for place in places:
        settled = _settled(place)
        if settled is not None:
            results.append(EffortValidation(place, _skipped(settled), _skipped(settled), _skipped(settled)))
            continue
        ran = outcomes.get(place.effort.id)
        checks = (cleans[place.effort.id], check_gate(rows.get(place.effort.id)), check_command(command, place, ran))
        results.append(EffortValidation(place, *checks, outcome=ran))
    return ValidateReport(number, command, manifest.gate.max_lines, log_dir, tuple(results))
