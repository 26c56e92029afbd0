"""What `wtorch sync` did (or would do) to each effort: the result its renderers and `--json` read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wtorch.choices import Strategy, SyncResult

FAILED = (SyncResult.CONFLICT, SyncResult.FAILED, SyncResult.WOULD_CONFLICT)


@dataclass
class SyncOutcome:
    id: str
    branch: str
    base: str
    before: str | None
    after: str | None
    result: SyncResult
    why: str = ""
    conflicts: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    push_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "branch": self.branch,
            "base": self.base,
            "before": self.before,
            "after": self.after,
            "result": self.result,
            "why": self.why,
            "conflicts": list(self.conflicts),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class SyncReport:
    strategy: Strategy
    dry_run: bool
    outcomes: tuple[SyncOutcome, ...]

    @property
    def exit_code(self) -> int:
        return 1 if any(o.result in FAILED or o.push_error for o in self.outcomes) else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "strategy": self.strategy,
            "dry_run": self.dry_run,
            "efforts": [o.to_json() for o in self.outcomes],
        }
