"""The operations log (SPEC §4): one entry per mutating command, what it moved, and what it is doing.

Every step's intent is in the entry before the step runs: the refs it will move, the worktrees it
will add or remove, and, for the git steps that can be caught half-way (a rebase, a merge, a
worktree being added), a `Step`. The entry is journalled (`<git-common-dir>/wtorch/journal.json`,
small and fast to write) before each step, so a run killed anywhere leaves an exact trace: the next
run resolves what it left (wtorch.recovery), and a re-run of the same command continues the same
entry, so one `undo` takes back the interrupted run and its re-run together.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

from wtorch.choices import StepKind


@dataclass
class RefMove:
    ref: str
    before: str | None
    after: str | None


@dataclass
class Push:
    remote: str
    branch: str
    before: str | None
    """The remote branch before the push (None: it did not exist)."""
    after: str | None
    """What the push left there (None: deleted)."""


@dataclass
class Step:
    """A git step under way; dropped from the entry once it is over."""

    kind: StepKind
    started: float
    """time.time() just before git started: a lock file younger than this may be the step's own."""
    worktree: str | None = None
    """Where it runs (rebase, merge, reset), or the worktree it adds or removes."""
    ref: str | None = None
    before: str | None = None
    """The ref's commit before the step."""
    effort: str | None = None
    base: str | None = None
    onto: str | None = None
    """For a sync step: the effort, and the base (ref and commit) it is being moved onto."""


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
    finished: bool = True
    """False while the command runs, and stays so when it was killed or failed part-way."""
    pid: int | None = None
    host: str | None = None
    """Who ran it: a step of a process that is gone is over."""
    steps: list[Step] = field(default_factory=list)
    undoes: int | None = None
    """For an undo: the number of the entry it takes back."""
    journal: Callable[[Operation], None] | None = field(default=None, repr=False, compare=False)
    """Writes the entry where a killed run's successor finds it (set by the operation frame)."""
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    """Held while the entry changes or is journalled: sync runs several steps at once."""

    def save(self) -> None:
        """Record the intent noted so far, before the step it announces runs."""
        if self.journal is not None:
            with self.lock:
                self.journal(self)

    def moved(self, ref: str) -> RefMove | None:
        return next((m for m in self.refs if m.ref == ref), None)

    def move(self, ref: str, before: str | None, after: str | None) -> None:
        """Note that `ref` goes from `before` to `after`; a ref this entry moved already keeps its first
        `before` (a re-run continuing an interrupted entry moves the same refs again)."""
        with self.lock:
            earlier = self.moved(ref)
            if earlier is None:
                self.refs.append(RefMove(ref, before, after))
                return
            earlier.after = after
            if earlier.before == earlier.after:
                self.refs.remove(earlier)

    def created(self, path: str) -> None:
        if path not in self.worktrees_created:
            self.worktrees_created.append(path)

    def removed(self, path: str, branch: str | None) -> None:
        if path not in self.worktrees_removed:
            self.worktrees_removed.append(path)
        if branch:
            self.branches[path] = branch

    @contextlib.contextmanager
    def step(self, kind: StepKind, **where: str | None) -> Iterator[Step]:
        """Journal the step before it runs; it leaves the entry when it is over, however it ended
        short of a kill (what a kill leaves, the next run resolves)."""
        step = Step(kind, time.time(), **where)
        with self.lock:
            self.steps.append(step)
            self.save()
        try:
            yield step
        finally:
            with self.lock:
                self.steps.remove(step)


def operation_to_dict(op: Operation) -> dict[str, Any]:
    skipped = ("refs", "pushes", "steps", "journal", "lock")
    data = {f.name: getattr(op, f.name) for f in fields(op) if f.name not in skipped}
    data["refs"] = [_drop_none(vars(m)) for m in op.refs]
    data["pushes"] = [_drop_none(vars(p)) for p in op.pushes]
    if op.steps:
        data["steps"] = [_drop_none(vars(s)) for s in op.steps]
    if op.finished:
        del data["finished"]  # the usual case is left unsaid: only an interrupted entry says so
    return _drop_none(data)


def operation_from_dict(data: dict[str, Any]) -> Operation:
    """An entry as the state file or the journal keeps it; wrong types raise ValueError."""
    return Operation(
        number=_typed(data, "number", int),
        command=_typed(data, "command", str),
        at=_typed(data, "at", str),
        refs=[RefMove(_typed(m, "ref", str), _opt(m, "before"), _opt(m, "after")) for m in _dicts(data, "refs")],
        worktrees_created=_strings(data.get("worktrees_created", [])),
        worktrees_removed=_strings(data.get("worktrees_removed", [])),
        note=_typed(data, "note", str, ""),
        branches=_string_map(data.get("branches", {})),
        splits={k: _strings(v) for k, v in _typed(data, "splits", dict, {}).items()},
        records={k: _string_map(v) for k, v in _typed(data, "records", dict, {}).items()},
        pushes=[
            Push(_typed(p, "remote", str), _typed(p, "branch", str), _opt(p, "before"), _opt(p, "after"))
            for p in _dicts(data, "pushes")
        ],
        finished=_typed(data, "finished", bool, True),
        pid=_typed(data, "pid", int, None),
        host=_opt(data, "host"),
        steps=[_step(s) for s in _dicts(data, "steps")],
        undoes=_typed(data, "undoes", int, None),
    )


def _step(data: dict[str, Any]) -> Step:
    started = _typed(data, "started", (int, float))
    others = {k: _opt(data, k) for k in ("worktree", "ref", "before", "effort", "base", "onto")}
    return Step(StepKind(_typed(data, "kind", str)), float(started), **others)


_MISSING = object()


def _typed(data: dict[str, Any], key: str, kind: type | tuple[type, ...], default: Any = _MISSING) -> Any:
    if not isinstance(data, dict):
        raise ValueError(f"expected a table, found {data!r}")
    value = data.get(key, default)
    if value is _MISSING:
        raise ValueError(f"'{key}' is missing")
    if value is not default and (not isinstance(value, kind) or (isinstance(value, bool) and kind is int)):
        raise ValueError(f"'{key}' is {value!r}")
    return value


def _opt(data: dict[str, Any], key: str) -> str | None:
    return _typed(data, key, str, None)  # type: ignore[no-any-return]


def _dicts(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = _typed(data, key, list, [])
    if not all(isinstance(item, dict) for item in items):
        raise ValueError(f"'{key}' holds something that is not a table")
    return items  # type: ignore[no-any-return]


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"expected a list of strings, found {value!r}")
    return list(value)


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(f"expected a table of strings, found {value!r}")
    return dict(value)


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}
