"""Local state in <git-common-dir>/wtorch/state.toml, and the lock that guards it (SPEC §4, §10).

Only what git cannot tell lives here: explicit marks, the base commit each branch was created or
synced onto, setup results, split lineage and the operations log. Deleting the file loses the
marks and the log; everything else is derived from git again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shlex
import socket
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from wtorch.choices import Mark
from wtorch.errors import LockHeldError, UsageError

STATE_VERSION = 1
MAX_OPERATIONS = 200
DEFAULT_LOCK_TIMEOUT = 10.0


def now(*, precise: bool = False) -> str:
    """UTC as ISO-8601; `precise` keeps microseconds (marks are merged across machines by time)."""
    stamp = dt.datetime.now(dt.UTC)
    return (stamp if precise else stamp.replace(microsecond=0)).isoformat().replace("+00:00", "Z")


@dataclass
class EffortRecord:
    branch: str | None = None
    base_ref: str | None = None
    base_commit: str | None = None
    created_at: str | None = None
    worktree: str | None = None
    setup: str | None = None
    """"ok", or what failed; None until setup has run to the end."""
    last_sync_at: str | None = None
    last_sync_result: str | None = None
    mark: Mark | None = None
    """Set by `wtorch complete` or `wtorch defunct`."""
    mark_reason: str | None = None
    mark_at: str | None = None
    defunct_branch: str | None = None
    tip: str | None = None
    """The branch's commit as wtorch last made, synced or deleted it: merge detection after it is gone."""
    completed: str | None = None
    """How it was merged ("merged", "squash-merged", "rebase-merged"), recorded when wtorch deleted
    the merged branch: the completion outlives the branch."""

    def __post_init__(self) -> None:
        if self.mark is not None:
            self.mark = Mark(self.mark)  # as read back from the file: a word, checked

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EffortRecord:
        """A record as the state file (or an undo entry) keeps it; unknown fields are dropped."""
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class RefMove:
    ref: str
    before: str | None
    after: str | None


@dataclass
class Operation:
    number: int
    command: str
    at: str
    refs: list[RefMove] = field(default_factory=list)
    worktrees_created: list[str] = field(default_factory=list)
    worktrees_removed: list[str] = field(default_factory=list)
    note: str = ""
    branches: dict[str, str] = field(default_factory=dict)
    """Which branch each removed worktree held (path -> branch), so undo can add it back."""
    splits: dict[str, list[str]] = field(default_factory=dict)
    """Split lineages as they were before this operation changed them ([] when there was none)."""
    records: dict[str, dict[str, str]] = field(default_factory=dict)
    """Effort records as they were before this operation changed them ({} when there was none): undo puts them back."""
    pushes: list[Push] = field(default_factory=list)
    """Branches this operation pushed: undo puts the remote back too (with a lease on what was pushed)."""


@dataclass
class Push:
    remote: str
    branch: str
    before: str | None
    """The remote branch before the push (None: it did not exist)."""
    after: str | None
    """What the push left there (None: deleted)."""


@dataclass
class IntegrationRecord:
    """The last `wtorch integrate N`: when, against which base commit, with which tips, and its verdict."""

    wave: int
    at: str
    base: str
    """The base commit the wave was trial-merged onto."""
    tips: dict[str, str] = field(default_factory=dict)
    """effort id -> the branch tip that was merged: a later report can tell whether it is still current."""
    conflicts: list[list[str]] = field(default_factory=list)
    """Pairs of effort ids whose branches conflict with each other."""
    merges_in_order: bool = True
    """Whether the whole wave merged onto the base in dependency order."""
    failed_at: str | None = None
    """The effort whose merge failed first when merging in order."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntegrationRecord:
        return cls(
            wave=int(data["wave"]),
            at=str(data["at"]),
            base=str(data["base"]),
            tips={str(k): str(v) for k, v in data.get("tips", {}).items()},
            conflicts=[[str(x) for x in pair] for pair in data.get("conflicts", [])],
            merges_in_order=bool(data.get("merges_in_order", True)),
            failed_at=data.get("failed_at"),
        )


@dataclass
class State:
    efforts: dict[str, EffortRecord] = field(default_factory=dict)
    splits: dict[str, list[str]] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)
    integrations: dict[int, IntegrationRecord] = field(default_factory=dict)
    """The last integration check of each wave, by wave number."""

    def effort(self, effort_id: str) -> EffortRecord:
        return self.efforts.setdefault(effort_id, EffortRecord())

    def touch(self, operation: Operation, effort_id: str) -> EffortRecord:
        """The effort's record, remembered in `operation` as it was before its first change."""
        if effort_id not in operation.records:
            before = self.efforts.get(effort_id)
            operation.records[effort_id] = _drop_none(vars(before)) if before else {}
        return self.effort(effort_id)

    def begin(self, command: str) -> Operation:
        """Open an operations-log entry; it is saved with every write, so an interrupted run leaves its trace."""
        number = self.operations[-1].number + 1 if self.operations else 1
        operation = Operation(number=number, command=command, at=now())
        self.operations.append(operation)
        return operation

    def set_split(self, operation: Operation, branch: str, chunks: list[str]) -> None:
        """Record (or, with [], forget) a split lineage, remembering the old one for undo."""
        operation.splits.setdefault(branch, list(self.splits.get(branch, [])))
        if chunks:
            self.splits[branch] = list(chunks)
        else:
            self.splits.pop(branch, None)

    def end(self, operation: Operation) -> None:
        """Close the entry: dropped when the command changed nothing, the log trimmed to its last entries."""
        operation.records = {k: v for k, v in operation.records.items() if _drop_none(vars(self.effort(k))) != v}
        changed = (
            operation.refs
            or operation.pushes
            or operation.worktrees_created
            or operation.worktrees_removed
            or operation.records
            or operation.splits
        )
        if not (changed or operation.note):
            self.operations = [op for op in self.operations if op is not operation]
        del self.operations[:-MAX_OPERATIONS]


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _to_toml(state: State) -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "efforts": {k: _drop_none(vars(v)) for k, v in sorted(state.efforts.items())},
        "splits": dict(state.splits),
        "integrations": {str(n): _drop_none(vars(r)) for n, r in sorted(state.integrations.items())},
        "operations": [
            {
                **{k: v for k, v in vars(op).items() if k not in ("refs", "pushes")},
                "refs": [_drop_none(vars(m)) for m in op.refs],
                "pushes": [_drop_none(vars(p)) for p in op.pushes],
            }
            for op in state.operations
        ],
    }


def _from_toml(data: dict[str, Any]) -> State:
    efforts = {k: EffortRecord.from_dict(rec) for k, rec in data.get("efforts", {}).items()}
    operations = []
    for op in data.get("operations", []):
        refs = [RefMove(m["ref"], m.get("before"), m.get("after")) for m in op.get("refs", [])]
        operations.append(
            Operation(
                number=op["number"],
                command=op["command"],
                at=op["at"],
                refs=refs,
                worktrees_created=list(op.get("worktrees_created", [])),
                worktrees_removed=list(op.get("worktrees_removed", [])),
                note=op.get("note", ""),
                branches=dict(op.get("branches", {})),
                splits={k: list(v) for k, v in op.get("splits", {}).items()},
                records={k: dict(v) for k, v in op.get("records", {}).items()},
                pushes=[Push(p["remote"], p["branch"], p.get("before"), p.get("after")) for p in op.get("pushes", [])],
            )
        )
    integrations = {int(k): IntegrationRecord.from_dict(v) for k, v in data.get("integrations", {}).items()}
    return State(
        efforts=efforts,
        splits={k: list(v) for k, v in data.get("splits", {}).items()},
        operations=operations,
        integrations=integrations,
    )


class StateStore:
    """The state file of one repository: read freely, written atomically under the lock."""

    def __init__(self, common_dir: Path) -> None:
        self.dir = common_dir / "wtorch"
        self.path = self.dir / "state.toml"
        self.lock_path = self.dir / "lock"

    def read(self) -> State:
        try:
            data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return State()
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(
                f"{self.path} is damaged ({exc}); delete it to rebuild (explicit marks are lost)"
            ) from None
        if data.get("version") != STATE_VERSION:
            raise UsageError(f"{self.path} has state version {data.get('version')}, this wtorch reads {STATE_VERSION}")
        try:
            return _from_toml(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise UsageError(
                f"{self.path} is damaged ({exc!r}); delete it to rebuild (explicit marks are lost)"
            ) from None

    def write(self, state: State) -> None:
        """Stage in a temporary file beside the target, then rename: readers see old or new, never half."""
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".state.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            tomli_w.dump(_to_toml(state), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    @contextlib.contextmanager
    def locked(self, command: str, *, timeout: float | None = None) -> Iterator[State]:
        """Hold the repository lock; yields the state, written back when the block ends (even on error)."""
        wait = _lock_timeout() if timeout is None else timeout
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._acquire(fd, command, wait)
            state = self.read()
            try:
                yield state
            finally:
                self.write(state)
                os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing releases the flock; a killed process releases it too

    @contextlib.contextmanager
    def operation(self, argv: Sequence[str]) -> Iterator[tuple[State, Operation]]:
        """The frame of every mutating command: the lock, the state read once, and one log entry
        naming the command line as typed. The entry is saved with every write (an interrupted run
        leaves its trace) and dropped at the end when the command changed nothing."""
        command = shlex.join(argv)
        with self.locked(command) as state:
            operation = state.begin(command)
            try:
                yield state, operation
            finally:
                state.end(operation)

    def _acquire(self, fd: int, command: str, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockHeldError(self._holder_message()) from None
                time.sleep(0.05)
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "since": now()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)

    def _holder_message(self) -> str:
        try:
            holder = json.loads(self.lock_path.read_text() or "{}")
        except (OSError, ValueError):
            holder = {}
        who = "another process"
        if holder:
            who = f"pid {holder.get('pid')} on {holder.get('host')} (`wtorch {holder.get('command')}`, "
            who += f"since {holder.get('since')})"
        return f"another wtorch holds the lock {self.lock_path}: {who}; wait for it to finish, then run this again"


def _lock_timeout() -> float:
    raw = os.environ.get("WTORCH_LOCK_TIMEOUT")
    try:
        return float(raw) if raw else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        raise UsageError(f"WTORCH_LOCK_TIMEOUT={raw!r} is not a number of seconds") from None
