"""`wtorch gate`: which branches are over the line budget (SPEC §6). Exit 1 when any is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wtorch import git, targets
from wtorch.choices import CountMode
from wtorch.counting import LineCount, count_many, weight
from wtorch.errors import EXIT_CHECK_FAILED, EXIT_OK
from wtorch.manifest import Manifest


@dataclass(frozen=True)
class GateRow:
    count: LineCount
    effort: str | None
    max_lines: int
    split_into: tuple[str, ...] = ()
    """Its chunk branches, when it was split already: the chunks are what is gated, not the original."""

    @property
    def over(self) -> bool:
        return self.count.lines > self.max_lines

    def to_json(self) -> dict[str, Any]:
        c = self.count
        return {
            "branch": c.branch,
            "effort": self.effort,
            "base": c.base,
            "merge_base": c.merge_base,
            "tip": c.tip,
            "lines": c.lines,
            "added": c.added,
            "deleted": c.deleted,
            "files": c.counted_files,
            "excluded": [{"path": f.path, "lines": weight(f, c.count), "why": f.excluded} for f in c.excluded],
            "binary": list(c.binary),
            "over": self.over,
            "split_into": list(self.split_into),
        }


@dataclass(frozen=True)
class GateReport:
    max_lines: int
    count: CountMode
    rows: tuple[GateRow, ...]
    skipped: tuple[str, ...] = ()
    """Efforts that have no branch yet (only when every effort, or a wave, was asked for)."""

    @property
    def over(self) -> tuple[str, ...]:
        return tuple(r.count.branch for r in self.rows if r.over)

    @property
    def exit_code(self) -> int:
        return EXIT_CHECK_FAILED if self.over else EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "max_lines": self.max_lines,
            "count": self.count,
            "branches": [r.to_json() for r in self.rows],
            "over": list(self.over),
            "skipped": list(self.skipped),
        }


def run_gate(
    start: Path,
    manifest: Manifest | None,
    repo: git.RepoInfo,
    *,
    names: Sequence[str] = (),
    waves: Sequence[int] = (),
    base: str | None = None,
    max_lines: int | None = None,
    count: CountMode | None = None,
    default_excludes: bool = True,
) -> GateReport:
    """Count every target branch against its base (SPEC §6) and compare it with the budget."""
    budget = targets.budget(manifest, max_lines)
    mode = targets.count_mode(manifest, count)
    chosen, skipped = targets.measured(start, manifest, repo, names=names, waves=waves, base=base)
    counts = count_many(
        start,
        [(t.base, t.branch) for t in chosen],
        count=mode,
        exclude=targets.gate_config(manifest).exclude,
        default_excludes=default_excludes,
    )
    rows = tuple(GateRow(c, t.effort, budget, t.split_into) for t, c in zip(chosen, counts, strict=True))
    return GateReport(budget, mode, rows, skipped)
