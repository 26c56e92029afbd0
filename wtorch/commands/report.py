"""`wtorch report`: the status document, generated from git and the state file (SPEC §5).

Deterministic: the same repository gives the same bytes. Times are absolute (never "3d ago"),
paths are left out (they differ between machines), and the one thing that changes from run to
run — when it was generated — sits in a header the caller can leave out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wtorch import git
from wtorch.choices import EffortState, Mark
from wtorch.commands.split import run_split
from wtorch.commands.status import EffortStatus, StatusReport, WaveStatus, run_status
from wtorch.manifest import Manifest
from wtorch.state import IntegrationRecord, State, StateStore, now
from wtorch.targets import Target

_OPEN = (EffortState.PLANNED, EffortState.CREATED, EffortState.ACTIVE)


@dataclass(frozen=True)
class Defunct:
    id: str
    branch: str
    reason: str
    at: str | None


@dataclass(frozen=True)
class OverBudget:
    id: str
    branch: str
    lines: int
    max_lines: int
    split_into: tuple[str, ...]
    """The proposed chunk branches (or, once split, the chunks it was split into)."""
    already_split: bool
    floor: int | None = None


@dataclass(frozen=True)
class Integration:
    wave: int
    record: IntegrationRecord | None
    stale: tuple[str, ...] = ()
    """Efforts whose branch moved since the check (or that were not in it)."""


@dataclass(frozen=True)
class Report:
    project: str
    base: str
    base_commit: str | None
    generated: str | None
    status: StatusReport
    current_wave: int | None
    """The first wave with work still open (neither complete nor defunct); None when all is done."""
    defunct: tuple[Defunct, ...]
    over_budget: tuple[OverBudget, ...]
    integration: Integration | None
    depends_on: dict[str, tuple[str, ...]]

    def efforts_of(self, wave: WaveStatus) -> list[EffortStatus]:
        return [e for e in self.status.efforts if e.wave == wave.number]

    def wave_label(self, wave: WaveStatus) -> str:
        return wave_label([e.state for e in self.efforts_of(wave)])

    @property
    def overall(self) -> str:
        return wave_label([e.state for e in self.status.efforts])

    def to_json(self) -> dict[str, Any]:
        status = self.status.to_json()
        for effort in status["efforts"]:
            effort.pop("worktree", None)  # a machine's path: not part of the shared document
        record = self.integration.record if self.integration else None
        return {
            "schema": 1,
            "project": self.project,
            "generated": self.generated,
            "base": self.base,
            "base_commit": self.base_commit,
            "overall": self.overall,
            "current_wave": self.current_wave,
            "max_lines": self.status.max_lines,
            "waves": [
                {**w, "status": self.wave_label(s)} for w, s in zip(status["waves"], self.status.waves, strict=True)
            ],
            "efforts": status["efforts"],
            "defunct": [vars(d) for d in self.defunct],
            "over_budget": [{**vars(o), "split_into": list(o.split_into)} for o in self.over_budget],
            "integration": None
            if self.integration is None
            else {
                "wave": self.integration.wave,
                "checked": record is not None,
                "at": record.at if record else None,
                "base": record.base if record else None,
                "conflicts": record.conflicts if record else [],
                "merges_in_order": record.merges_in_order if record else None,
                "failed_at": record.failed_at if record else None,
                "stale": list(self.integration.stale),
            },
        }


def wave_label(states: Sequence[EffortState]) -> str:
    """What a person would write beside a wave (or the whole phase), from its efforts' states."""
    live = [s for s in states if s != EffortState.DEFUNCT]
    if live and all(s == EffortState.COMPLETE for s in live):
        return "complete"
    if any(s in (EffortState.ACTIVE, EffortState.COMPLETE) for s in live):
        return "in progress"  # branches made but without commits are not a start
    if len(live) < len(states):
        return "needs re-implementation"  # defunct work and nothing begun in its place
    return "not started"


def run_report(manifest: Manifest, repo: git.RepoInfo, *, timestamp: bool = True, worktrees: bool = True) -> Report:
    status = run_status(manifest, repo, worktrees=worktrees)
    state = StateStore(repo.common_dir).read(log=False)
    current = next((w.number for w in status.waves if _open(status, w.number)), None)
    base = git.refs.branches(repo.main_worktree).get(manifest.project.base)
    return Report(
        project=manifest.project.name,
        base=manifest.project.base,
        base_commit=base.sha if base else None,
        generated=now() if timestamp else None,
        status=status,
        current_wave=current,
        defunct=_defunct(manifest, state),
        over_budget=_over_budget(manifest, repo, status),
        integration=_integration(status, state, current),
        depends_on={e.id: e.depends_on for e in manifest.efforts},
    )


def _open(status: StatusReport, wave: int) -> bool:
    return any(e.state in _OPEN for e in status.efforts if e.wave == wave)


def _defunct(manifest: Manifest, state: State) -> tuple[Defunct, ...]:
    found = []
    for effort in manifest.efforts:
        record = state.efforts.get(effort.id)
        if record is not None and record.mark == Mark.DEFUNCT:
            branch = record.defunct_branch or effort.branch
            found.append(Defunct(effort.id, branch, record.mark_reason or "", record.mark_at))
    return tuple(found)


def _over_budget(manifest: Manifest, repo: git.RepoInfo, status: StatusReport) -> tuple[OverBudget, ...]:
    found = []
    for e in status.efforts:
        if not e.over or e.lines is None:
            continue
        if e.split_into:
            found.append(OverBudget(e.id, e.branch, e.lines, status.max_lines, e.split_into, True))
            continue
        plan = run_split(manifest, repo, Target(e.branch, e.base, e.id))
        found.append(OverBudget(e.id, e.branch, e.lines, status.max_lines, plan.names, False, plan.plan.floor))
    return tuple(found)


def _integration(status: StatusReport, state: State, wave: int | None) -> Integration | None:
    if wave is None:
        return None
    record = state.integrations.get(wave)
    if record is None:
        return Integration(wave, None)
    # What integrate merges: the wave's open branches (complete and defunct ones are left out).
    tips = {e.id: e.tip for e in status.efforts if e.wave == wave and e.tip and e.state in _OPEN}
    stale = tuple(i for i, sha in tips.items() if record.tips.get(i) != sha)
    return Integration(wave, record, stale)
