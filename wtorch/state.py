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
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wtorch import tomlfile
from wtorch.choices import Mark
from wtorch.errors import LockHeldError, UsageError
from wtorch.oplog import Operation, Push, RefMove, Step, operation_from_dict, operation_to_dict
from wtorch.process import held_by_children

__all__ = ["EffortRecord", "IntegrationRecord", "Operation", "Push", "RefMove", "State", "StateStore", "Step", "now"]

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
        """A record as the state file (or an undo entry) keeps it; unknown fields are dropped, a value
        that is not text raises ValueError."""
        if not isinstance(data, dict):
            raise ValueError(f"an effort record is {data!r}")
        kept = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        wrong = [k for k, v in kept.items() if not isinstance(v, str)]
        if wrong:
            raise ValueError(f"'{wrong[0]}' is {kept[wrong[0]]!r}")
        return cls(**kept)


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
    log_cut: bool = field(default=False, compare=False, repr=False)
    """Read without the log's older entries (`StateStore.read(log=False)`): never written back."""

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
        operation = Operation(number=number, command=command, at=now(), finished=False)
        self.operations.append(operation)
        return operation

    def interrupted(self) -> Operation | None:
        """The last entry, when its command never finished (killed, or failed part-way)."""
        return self.operations[-1] if self.operations and not self.operations[-1].finished else None

    def set_split(self, operation: Operation, branch: str, chunks: list[str]) -> None:
        """Record (or, with [], forget) a split lineage, remembering the old one for undo."""
        operation.splits.setdefault(branch, list(self.splits.get(branch, [])))
        if chunks:
            self.splits[branch] = list(chunks)
        else:
            self.splits.pop(branch, None)

    def end(self, operation: Operation, *, finished: bool = True) -> None:
        """Close the entry: dropped when the command changed nothing, the log trimmed to its last entries."""
        operation.finished = finished
        operation.records = {k: v for k, v in operation.records.items() if _drop_none(vars(self.effort(k))) != v}
        operation.splits = {k: v for k, v in operation.splits.items() if self.splits.get(k, []) != v}
        changed = (
            operation.refs
            or operation.pushes
            or operation.worktrees_created
            or operation.worktrees_removed
            or operation.records
            or operation.splits
            or operation.steps
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
        "operations": [operation_to_dict(op) for op in state.operations],
    }


_ENTRY = "\n[[operations]]\n"


def _without_older_entries(text: str) -> dict[str, Any] | None:
    """The state file's data with only the last log entry, parsed apart from the rest; None when
    the text is not laid out as `_to_toml` writes it (the log last, one `[[operations]]` line per
    entry; tomli-w writes no line break inside a value, so such a line is always a header)."""
    first, last = text.find(_ENTRY), text.rfind(_ENTRY)
    if first < 0:
        return None
    data = tomlfile.loads(text[: first + 1])
    if "operations" in data:
        return None
    data["operations"] = tomlfile.loads(text[last + 1 :]).get("operations", [])
    return data


def _from_toml(data: dict[str, Any]) -> State:
    efforts = {k: EffortRecord.from_dict(rec) for k, rec in data.get("efforts", {}).items()}
    splits = data.get("splits", {})
    if not all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in splits.values()):
        raise ValueError(f"'splits' is {splits!r}")
    integrations = {int(k): IntegrationRecord.from_dict(v) for k, v in data.get("integrations", {}).items()}
    return State(
        efforts=efforts,
        splits={k: list(v) for k, v in splits.items()},
        operations=[operation_from_dict(op) for op in data.get("operations", [])],
        integrations=integrations,
    )


class StateStore:
    """The state file of one repository: read freely, written atomically under the lock."""

    def __init__(self, common_dir: Path) -> None:
        self.dir = common_dir / "wtorch"
        self.path = self.dir / "state.toml"
        self.lock_path = self.dir / "lock"
        self.journal_path = self.dir / "journal.json"

    def read(self, *, log: bool = True) -> State:
        """The state; `log=False` (for a command that only reads) keeps only the log's last entry:
        at hundreds of efforts the log is most of the file, and of the time spent reading it."""
        try:
            text = self.path.read_text(encoding="utf-8")
            data = None if log else tomlfile.remembered(text, self.dir / "state.parsed", _without_older_entries)
            cut = data is not None
            data = data if data is not None else tomlfile.loads(text)
        except FileNotFoundError:
            return State()
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise self._damaged(exc) from None
        if data.get("version") != STATE_VERSION:
            raise UsageError(f"{self.path} has state version {data.get('version')}, this wtorch reads {STATE_VERSION}")
        try:
            state = _from_toml(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise self._damaged(exc) from None
        state.log_cut = cut
        return state

    def settled(self, state: State) -> bool:
        """No run was cut short (none unfinished in the log, no journal): nothing left to recover."""
        return state.interrupted() is None and not self.journal_path.exists()

    def _damaged(self, exc: Exception) -> UsageError:
        why = exc if isinstance(exc, tomllib.TOMLDecodeError | ValueError) else repr(exc)
        if isinstance(exc, UnicodeDecodeError):
            why = f"not UTF-8 text at byte {exc.start}"
        elif isinstance(exc, RecursionError):
            why = "nested too deeply"
        return UsageError(f"{self.path} is damaged ({why}); delete it to rebuild (explicit marks are lost)")

    def write(self, state: State) -> None:
        """Stage in a temporary file beside the target, then rename: readers see old or new, never half."""
        import tomli_w  # only commands that write pay for its import

        assert not state.log_cut, "a state read without its log is never written back"
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".state.{os.getpid()}.tmp"
        with open(tmp, "wb") as handle:
            tomli_w.dump(_to_toml(state), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def journal(self, operation: Operation, state: State) -> None:
        """The running operation's entry and the records and lineages it changed so far, written before
        each step: small, so quick (no fsync: a killed process loses nothing the kernel already has)."""
        data = {
            "operation": operation_to_dict(operation),
            "efforts": {k: _drop_none(vars(state.efforts[k])) for k in operation.records if k in state.efforts},
            "splits": {k: state.splits.get(k, []) for k in operation.splits},
        }
        tmp = self.dir / f".journal.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.journal_path)

    def absorb_journal(self, state: State) -> None:
        """An entry a killed run journalled after the state file was last written takes its place in the log."""
        try:
            data = json.loads(self.journal_path.read_text(encoding="utf-8"))
            entry = operation_from_dict(data["operation"])
            efforts = {k: EffortRecord.from_dict(v) for k, v in data["efforts"].items()}
            splits = {k: [str(c) for c in v] for k, v in data["splits"].items()}
        except FileNotFoundError:
            return
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise UsageError(
                f"{self.journal_path} is damaged ({exc}); delete it (the interrupted step is forgotten)"
            ) from None
        entry.finished = False
        index = next((i for i, op in enumerate(state.operations) if op.number == entry.number), None)
        if index is not None and state.operations[index].finished:
            return  # the state file was written after the journal: it is newer
        if index is not None:
            state.operations[index] = entry
        elif not state.operations or entry.number > state.operations[-1].number:
            state.operations.append(entry)
        else:
            return
        state.efforts.update(efforts)
        for branch, chunks in splits.items():
            if chunks:
                state.splits[branch] = chunks
            else:
                state.splits.pop(branch, None)

    @contextlib.contextmanager
    def locked(self, command: str, *, timeout: float | None = None) -> Iterator[State]:
        """Hold the repository lock; yields the state, written back when the block ends (even on error)."""
        wait = _lock_timeout() if timeout is None else timeout
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            self._acquire(fd, command, wait)
            # Only the lock holder writes these: any left over belongs to a run that was killed.
            for leftover in [*self.dir.glob(".state.*.tmp"), *self.dir.glob(".journal.*.tmp")]:
                leftover.unlink(missing_ok=True)
            state = self.read()
            self.absorb_journal(state)
            try:
                with held_by_children(fd):
                    yield state
            finally:
                self.write(state)
                self.journal_path.unlink(missing_ok=True)
                os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing releases the flock; a killed process releases it too

    @contextlib.contextmanager
    def operation(self, argv: Sequence[str]) -> Iterator[tuple[State, Operation]]:
        """The frame of every mutating command: the lock, the state read once, and one log entry
        naming the command line as typed. What an interrupted run left is resolved first; a re-run of
        the same command continues its entry (docs/development.md, "Interrupt safety"). The entry is
        journalled before every step and dropped at the end when the command changed nothing."""
        from wtorch import recovery

        command = shlex.join(argv)
        with self.locked(command) as state:
            recovery.sweep(self.dir.parent)
            previous = state.interrupted()
            if previous is not None:
                recovery.recover(self.dir.parent, state, previous)
            same = previous is not None and _essence(previous.command) == _essence(command)
            operation = previous if previous is not None and same else state.begin(command)
            operation.pid, operation.host, operation.finished = os.getpid(), os.uname().nodename, False
            operation.journal = lambda entry: self.journal(entry, state)
            finished = False
            try:
                yield state, operation
                finished = True
            finally:
                operation.journal = None
                state.end(operation, finished=finished)

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
        holder = {"pid": os.getpid(), "host": os.uname().nodename, "command": command, "since": now()}
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


def _essence(command: str) -> list[str]:
    """What makes two command lines the same command: all but how the result is shown (--json)."""
    try:
        return [word for word in shlex.split(command) if word != "--json"]
    except ValueError:
        return [command]


def _lock_timeout() -> float:
    raw = os.environ.get("WTORCH_LOCK_TIMEOUT")
    try:
        return float(raw) if raw else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        raise UsageError(f"WTORCH_LOCK_TIMEOUT={raw!r} is not a number of seconds") from None
