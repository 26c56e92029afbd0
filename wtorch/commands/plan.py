"""`wtorch plan`: the manifest as a checked plan (waves, critical path, matrices, warnings)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wtorch import graph
from wtorch.manifest import Manifest


@dataclass(frozen=True)
class WavePlan:
    number: int
    efforts: tuple[str, ...]
    estimate: int
    needs: tuple[str, ...]
    """Efforts of earlier waves this wave waits for."""
    over_capacity: bool


@dataclass(frozen=True)
class EffortPlan:
    id: str
    title: str
    wave: int
    branch: str
    owner: str | None
    estimate: int | None
    depends_on: tuple[str, ...]
    blocks: tuple[str, ...]
    parallel_with: tuple[str, ...]
    paths: tuple[str, ...]
    over_budget: bool
    critical: bool


@dataclass(frozen=True)
class PathConflict:
    wave: int
    efforts: tuple[str, str]
    paths: tuple[str, ...]


@dataclass(frozen=True)
class PlanReport:
    project: str
    max_lines: int
    max_parallel: int | None
    waves: tuple[WavePlan, ...]
    efforts: tuple[EffortPlan, ...]
    critical_path: tuple[str, ...]
    critical_estimate: int
    path_conflicts: tuple[PathConflict, ...]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "project": self.project,
            "max_lines": self.max_lines,
            "max_parallel": self.max_parallel,
            "waves": [
                {
                    "number": w.number,
                    "efforts": list(w.efforts),
                    "estimate": w.estimate,
                    "peak_parallel": len(w.efforts),
                    "over_capacity": w.over_capacity,
                    "needs": list(w.needs),
                }
                for w in self.waves
            ],
            "critical_path": list(self.critical_path),
            "critical_estimate": self.critical_estimate,
            "efforts": [
                {
                    "id": e.id,
                    "title": e.title,
                    "wave": e.wave,
                    "branch": e.branch,
                    "owner": e.owner,
                    "depends_on": list(e.depends_on),
                    "blocks": list(e.blocks),
                    "parallel_with": list(e.parallel_with),
                    "estimate": e.estimate,
                    "over_budget": e.over_budget,
                    "paths": list(e.paths),
                    "critical": e.critical,
                }
                for e in self.efforts
            ],
            "path_conflicts": [
                {"wave": c.wave, "efforts": list(c.efforts), "paths": list(c.paths)} for c in self.path_conflicts
            ],
            "warnings": list(self.warnings),
        }


def run_plan(manifest: Manifest) -> PlanReport:
    """Work out the plan of a validated manifest. Pure: no git."""
    efforts = sorted(manifest.efforts, key=lambda e: e.wave)  # stable: manifest order within a wave
    deps = {e.id: e.depends_on for e in efforts}
    dependents = graph.blocks(deps)
    parallel = graph.parallel_with(deps)
    weights = {e.id: e.estimate or 0 for e in efforts}
    path, total = graph.critical_path(deps, weights)
    if not any(weights.values()):
        # Without estimates the longest chain by count is still the one to watch.
        path, _ = graph.critical_path(deps, dict.fromkeys(weights, 1))
    on_path = set(path)
    budget = manifest.gate.max_lines
    capacity = manifest.project.max_parallel
    waves = []
    conflicts = []
    warnings = []
    for number in manifest.wave_numbers():
        members = [e for e in efforts if e.wave == number]
        ids = {e.id for e in members}
        needs = dict.fromkeys(d for e in members for d in e.depends_on if d not in ids)
        over = capacity is not None and len(members) > capacity
        if over:
            warnings.append(f"wave {number} has {len(members)} efforts but max_parallel is {capacity}")
        waves.append(
            WavePlan(number, tuple(e.id for e in members), sum(e.estimate or 0 for e in members), tuple(needs), over)
        )
        for found in graph.path_conflicts({e.id: e.paths for e in members}):
            conflicts.append(PathConflict(number, found.efforts, found.paths))
    for e in efforts:
        if e.estimate is not None and e.estimate > budget:
            warnings.append(
                f"effort '{e.id}' is estimated at {e.estimate} lines, over the budget of {budget}: plan its split now"
            )
    unestimated = [e.id for e in efforts if e.estimate is None]
    if unestimated and len(unestimated) < len(efforts):
        warnings.append(f"no estimate for {', '.join(unestimated)}: the critical path counts them as 0 lines")
    for c in conflicts:
        warnings.append(f"wave {c.wave}: '{c.efforts[0]}' and '{c.efforts[1]}' both touch {', '.join(c.paths)}")
    return PlanReport(
        project=manifest.project.name,
        max_lines=budget,
        max_parallel=capacity,
        waves=tuple(waves),
        efforts=tuple(
            EffortPlan(
                id=e.id,
                title=e.title,
                wave=e.wave,
                branch=e.branch,
                owner=e.owner,
                estimate=e.estimate,
                depends_on=e.depends_on,
                blocks=tuple(dependents[e.id]),
                parallel_with=tuple(parallel[e.id]),
                paths=e.paths,
                over_budget=e.estimate is not None and e.estimate > budget,
                critical=e.id in on_path,
            )
            for e in efforts
        ),
        critical_path=tuple(path),
        critical_estimate=total,
        path_conflicts=tuple(conflicts),
        warnings=tuple(warnings),
    )
