"""What `wtorch sync` decides for each effort and what came of it: the result its renderers and `--json`
read, and what is recorded in the state file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from wtorch.choices import Strategy, SyncResult
from wtorch.state import now

if TYPE_CHECKING:
    from wtorch import git
    from wtorch.state import EffortRecord
    from wtorch.states import View

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


@dataclass(frozen=True)
class Decision:
    """Skip the effort (result and why), or move it onto `base`: `new_base` replayed from `upstream`."""

    base: str
    result: SyncResult | None = None
    why: str = ""
    holder: git.Worktree | None = None
    new_base: str = ""
    upstream: str = ""
    catch_up: str = ""
    """`<remote>/<branch>` when it has a colleague's commits this branch lacks: taken in first."""


def outcome_of(view: View, decision: Decision) -> SyncOutcome:
    result = decision.result or SyncResult.SKIPPED
    return SyncOutcome(view.effort.id, view.branch, decision.base, view.sha, view.sha, result, decision.why)


def record_sync(
    record: EffortRecord, base: str | None, commit: str | None, result: str, tip: str | None = None
) -> None:
    """The sync's result in the effort's record: the base it is on now (when it moved), its tip, when."""
    if base is not None and commit is not None:
        record.base_ref, record.base_commit = base, commit
    if tip is not None:
        record.tip = tip
    record.last_sync_at, record.last_sync_result = now(), result
