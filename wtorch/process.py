"""What every child process shares: the result type, the environment it starts from, the thread pool.

git (wtorch.git.core) and user commands (wtorch.runner) both start processes; this module holds
what they have in common, so neither keeps a copy of its own.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

# Variables a git hook (or a parent git) leaks into our environment. Left in place they would
# point every git wtorch runs, and every user command it starts, at the hook's repository.
LEAKED_GIT_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
    "GIT_QUARANTINE_PATH",
)


_HELD: set[int] = set()


@contextlib.contextmanager
def held_by_children(fd: int) -> Iterator[None]:
    """Pass `fd` (the repository lock) on to every git wtorch starts meanwhile: a git that outlives a
    killed wtorch keeps the lock until it ends, so the next wtorch never races what it is still doing."""
    _HELD.add(fd)
    try:
        yield
    finally:
        _HELD.discard(fd)


def held_fds() -> tuple[int, ...]:
    return tuple(_HELD)


def scrub_environment() -> None:
    """Drop the repository-locating variables from this process (git/core.py starts git with os.environ)."""
    for name in LEAKED_GIT_VARIABLES:
        os.environ.pop(name, None)


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of the environment without the repository-locating variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKED_GIT_VARIABLES}
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class ProcessResult:
    """A finished process: git's, or a user command's (whose stderr is folded into stdout)."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str = ""
    cwd: Path | None = None
    data: bytes = b""
    """stdout as bytes, when the caller asked for bytes (`stdout` is then empty)."""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def command(self) -> str:
        """As a person would type it: a user's shell command as written, anything else shell-quoted."""
        if self.argv[:2] == ("sh", "-c") and len(self.argv) == 3:
            return self.argv[2]
        return shlex.join(self.argv)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def fields(self, sep: str = "\0") -> list[str]:
        """stdout split on NUL (or `sep`), without the empty tail."""
        items = self.stdout.split(sep)
        return items[:-1] if items and items[-1] == "" else items


def parallel_map(func: Callable[[T], R], items: Sequence[T], *, jobs: int | None = None) -> list[R]:
    """Per-branch work that runs its own processes, in a small pool of threads; results in input order.

    As with `concurrent.futures`' map: once an item fails (or the caller is interrupted), no new item
    starts, the running ones end, and the failure of the earliest item that failed is raised. (Plain
    threads: importing `concurrent.futures`, with the logging it pulls in, cost every command 7 ms.)"""
    workers = min(jobs or 4 * (os.cpu_count() or 1), 32, len(items))
    if workers <= 1:
        return [func(item) for item in items]
    results: list[R | None] = [None] * len(items)
    failures: dict[int, BaseException] = {}
    queue = iter(range(len(items)))
    taking, stop = threading.Lock(), threading.Event()

    def work() -> None:
        while not stop.is_set():
            with taking:
                i = next(queue, None)
            if i is None:
                return
            try:
                results[i] = func(items[i])
            except BaseException as exc:  # raised in the caller's thread below
                failures[i] = exc
                stop.set()

    _run_threads([work] * workers, stop)
    if failures:
        raise failures[min(failures)]
    return results  # type: ignore[return-value]  # every slot was filled: no failure


def together(first: Callable[[], R], second: Callable[[], S]) -> tuple[R, S]:
    """Two pieces of work that run their own processes, at once: `second` in a thread while `first`
    runs here; both results. When either fails, its failure is raised once both have ended."""
    box: list[S] = []
    failed: list[BaseException] = []

    def other() -> None:
        try:
            box.append(second())
        except BaseException as exc:  # raised in the caller's thread below
            failed.append(exc)

    ended = [_start(other)]
    try:
        result = first()
    finally:
        _wait(ended)
    if failed:
        raise failed[0]
    return result, box[0]


def _run_threads(bodies: Sequence[Callable[[], None]], stop: threading.Event) -> None:
    """Each body in a thread of its own, all waited for; interrupted, `stop` is set and the running
    ones are still waited for (a second interrupt stops the wait)."""
    ended: list[threading.Event] = []
    try:
        for body in bodies:
            ended.append(_start(body))
    except BaseException:
        stop.set()
        raise
    finally:
        _wait(ended, stop)


def _start(body: Callable[[], None]) -> threading.Event:
    """`body` in a thread of its own; the event is set when it has ended."""
    ended = threading.Event()

    def run() -> None:
        try:
            body()
        finally:
            ended.set()

    threading.Thread(target=run).start()
    return ended


def _wait(ended: Sequence[threading.Event], stop: threading.Event | None = None) -> None:
    """Wait until every thread has ended. Interrupted, set `stop` (no new work starts) and wait once
    more before the interrupt goes on (a second interrupt stops that wait). Not `Thread.join`: on
    Python 3.11 an interrupted join takes the thread for ended while it still runs, and every later
    join returns at once."""
    try:
        for event in ended:
            event.wait()
    except BaseException:
        if stop is not None:
            stop.set()
        for event in ended:
            event.wait()
        raise
