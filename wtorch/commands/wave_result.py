"""What `wtorch create-wave` did, per effort: the result the CLI renders and `--json` serialises."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wtorch.choices import CreateResult
from wtorch.process import ProcessResult

_FAILED = (CreateResult.REFUSED, CreateResult.FAILED, CreateResult.SETUP_FAILED, CreateResult.PUSH_FAILED)


@dataclass(frozen=True)
class SetupRun:
    """One `worktree.setup` command as it ran in a new worktree; its whole output, and the log keeping it."""

    command: str
    returncode: int
    output: str
    log: Path | None = None

    @classmethod
    def of(cls, result: ProcessResult, log: Path | None) -> SetupRun:
        return cls(result.command, result.returncode, result.output, log if log and log.exists() else None)

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int) -> list[str]:
        """The last `lines` lines of the output, trailing blank lines left out (what a failure is shown with)."""
        return self.output.rstrip().splitlines()[-lines:] if lines > 0 else []

    def to_json(self) -> dict[str, Any]:
        log = str(self.log) if self.log else None
        return {"command": self.command, "returncode": self.returncode, "output": self.output, "log": log}


@dataclass
class Outcome:
    id: str
    branch: str
    worktree: Path
    base: str | None
    result: CreateResult
    detail: str = ""
    notes: list[str] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    """`worktree.copy` paths copied into the worktree by this run (a directory with a trailing `/`)."""
    setup: list[SetupRun] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "branch": self.branch,
            "worktree": str(self.worktree),
            "base": self.base,
            "result": self.result,
            "detail": self.detail,
            "notes": list(self.notes),
            "copied": list(self.copied),
            "setup": [s.to_json() for s in self.setup],
        }


@dataclass(frozen=True)
class CreateWaveResult:
    wave: int
    dry_run: bool
    outcomes: tuple[Outcome, ...]

    @property
    def exit_code(self) -> int:
        return 1 if any(o.result in _FAILED for o in self.outcomes) else 0

    @property
    def changed(self) -> bool:
        return any(o.result in (CreateResult.CREATED, CreateResult.PUSHED) or o.notes for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "wave": self.wave,
            "dry_run": self.dry_run,
            "efforts": [o.to_json() for o in self.outcomes],
        }
