"""The one place user commands run (worktree.setup, validate.command, `split --check`, `wtorch run`).

These are the manifest author's (or the user's) own commands: `run` passes an argument list as
typed, the manifest's strings go through `sh -c` on purpose; git itself is never run from here.

Every command runs in a session of its own (so in a process group of its own), with stdout and
stderr streamed together straight into a log file: wtorch never holds a command's output in
memory, and never has to decode it except to show the last lines. A command past its timeout, or
still running when wtorch is interrupted, is stopped with its whole group: SIGTERM, a short
grace, then SIGKILL, and waited for — nothing it started is left running. Whatever a finished
command left behind in its group (a stray `&` job) is killed too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wtorch.choices import RunResult
from wtorch.process import ProcessResult, clean_environment

GRACE_SECONDS = 2.0
"""Between SIGTERM and SIGKILL: time for a test runner to clean up after itself."""
TAIL_LINES = 20
_TAIL_BYTES = 16 * 1024
_LONGEST_LINE = 400
_POLL_MIN, _POLL_MAX = 0.005, 0.05
EXIT_TIMED_OUT = 124
"""What run_command reports for a command past its timeout (as timeout(1) does)."""
EXIT_NOT_STARTED = 127
"""What run_command reports for a command that could not start (as a shell does)."""


@dataclass(frozen=True)
class Job:
    """One command to run in one directory; `name` (an effort id) names its log file."""

    name: str
    argv: tuple[str, ...]
    cwd: Path
    env: tuple[tuple[str, str], ...] = ()
    """Variables set for this command on top of wtorch's own environment."""


@dataclass(frozen=True)
class RunOutcome:
    """How one job ended. `returncode` is None when the command did not end on its own (timed out,
    could not start; `why` says which); negative when a signal ended it."""

    job: Job
    result: RunResult
    returncode: int | None
    seconds: float
    log: Path
    tail: tuple[str, ...] = ()
    """The last lines of the output, decoded with replacement (for display only)."""
    why: str = ""

    @property
    def failed(self) -> bool:
        return self.result in (RunResult.FAILED, RunResult.TIMED_OUT)


def seconds_text(seconds: float) -> str:
    """`0.4 s`, `12 s`: as the summaries and the timeout messages show a duration."""
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def new_log_dir(common_dir: Path, kind: str) -> Path:
    """A fresh `<git-common-dir>/wtorch/logs/<kind>-<UTC time>` directory (suffixed when taken)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    root = common_dir / "wtorch" / "logs"
    root.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        path = root / (f"{kind}-{stamp}" if n == 1 else f"{kind}-{stamp}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(root / f"{kind}-{stamp}")


def tail(path: Path, lines: int = TAIL_LINES) -> tuple[str, ...]:
    """The last `lines` lines of a log, however big it is; a line ends at its last carriage return
    (what a terminal shows of a progress line), a very long one is cut to its end."""
    try:
        with path.open("rb") as log:
            size = log.seek(0, os.SEEK_END)
            start = max(0, size - _TAIL_BYTES)
            log.seek(start)
            data = log.read()
    except OSError:
        return ()
    rows = data.decode("utf-8", "replace").split("\n")
    if rows and rows[-1] == "":
        rows.pop()
    if start > 0 and len(rows) > 1:
        rows = rows[1:]  # the first one is cut
    shown = [row.rstrip("\r").rsplit("\r", 1)[-1] for row in rows[-lines:]]
    return tuple(row if len(row) <= _LONGEST_LINE else "…" + row[-_LONGEST_LINE:] for row in shown)


class _Running:
    """A started job: its process group, and when its stop began (timeout or interrupt)."""

    def __init__(self, job: Job, proc: subprocess.Popen[bytes], log: Path, started: float) -> None:
        self.job = job
        self.proc = proc
        self.log = log
        self.started = started
        self.stopping_since: float | None = None
        self.timeout: float | None = None

    def signal(self, signum: int) -> None:
        # The session leader's pid is the group's id. ProcessLookupError: nothing of the group is
        # left; PermissionError: only zombies are (some kernels).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signum)

    def stop(self, now: float) -> None:
        if self.stopping_since is None:
            self.stopping_since = now
            self.signal(signal.SIGTERM)

    def check(self, now: float, timeout: float | None) -> RunOutcome | None:
        """The outcome once the job has ended; starts and escalates the stop of one past `timeout`."""
        code = self.proc.poll()
        if code is None and timeout is not None and now - self.started >= timeout:
            self.timeout = timeout
            self.stop(now)
        if code is None and self.stopping_since is not None and now - self.stopping_since >= GRACE_SECONDS:
            self.signal(signal.SIGKILL)
            code = self.proc.wait()
        if code is None:
            return None
        self.signal(signal.SIGKILL)  # whatever it left running in its group
        return self.outcome(code, now)

    def outcome(self, code: int, now: float) -> RunOutcome:
        seconds = now - self.started
        if self.timeout is not None:
            why = f"timed out after {seconds_text(self.timeout)}; its process group was killed"
            return RunOutcome(self.job, RunResult.TIMED_OUT, None, seconds, self.log, tail(self.log), why)
        result = RunResult.OK if code == 0 else RunResult.FAILED
        why = "" if code >= 0 else f"killed by signal {-code}"
        return RunOutcome(self.job, result, code, seconds, self.log, tail(self.log), why)


def _start(job: Job, log: Path) -> _Running | RunOutcome:
    started = time.monotonic()
    with log.open("wb") as sink:
        why = "" if job.cwd.is_dir() else f"cannot start: directory {job.cwd} does not exist"
        if not why:
            try:
                proc = subprocess.Popen(
                    job.argv,
                    cwd=job.cwd,
                    env=clean_environment(dict(job.env)),
                    stdin=subprocess.DEVNULL,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            except OSError as exc:
                why = f"cannot start: {exc.strerror}: {exc.filename or job.argv[0]}"
            else:
                return _Running(job, proc, log, started)
        sink.write(f"wtorch: {why}\n".encode())
    return RunOutcome(job, RunResult.FAILED, None, time.monotonic() - started, log, (f"wtorch: {why}",), why)


def _stop_all(running: Sequence[_Running]) -> None:
    """Interrupted: every group gets SIGTERM, a grace (cut short by a second Ctrl-C), then SIGKILL;
    each leader is waited for, so none is left behind as a zombie or a stray."""
    now = time.monotonic()
    for job in running:
        job.stop(now)
    try:
        deadline = now + GRACE_SECONDS
        while any(job.proc.poll() is None for job in running) and time.monotonic() < deadline:
            time.sleep(_POLL_MIN)
    except KeyboardInterrupt:
        pass  # no more grace
    finally:
        for job in running:
            job.signal(signal.SIGKILL)
            job.proc.wait()


def run_many(
    jobs: Sequence[Job],
    *,
    parallel: int,
    timeout: float | None,
    log_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> list[RunOutcome]:
    """Run every job, `parallel` at a time, each logged to `log_dir/<name>.log`; outcomes in input order.

    On KeyboardInterrupt (Ctrl-C, or SIGTERM as the CLI turns it into one) every running job is
    stopped and waited for before the interrupt goes on; jobs not yet started never start.
    """
    pending = deque(enumerate(jobs))
    running: dict[int, _Running] = {}
    done: dict[int, RunOutcome] = {}

    def finish(index: int, outcome: RunOutcome) -> None:
        done[index] = outcome
        if progress:
            progress(outcome.job.name)

    try:
        delay = _POLL_MIN
        while pending or running:
            while pending and len(running) < max(1, parallel):
                index, job = pending.popleft()
                started = _start(job, log_dir / f"{job.name}.log")
                if isinstance(started, RunOutcome):
                    finish(index, started)
                else:
                    running[index] = started
                delay = _POLL_MIN
            now = time.monotonic()
            for index, job_ in list(running.items()):
                outcome = job_.check(now, timeout)
                if outcome is not None:
                    del running[index]
                    finish(index, outcome)
                    delay = _POLL_MIN
            if running:
                time.sleep(delay)
                delay = min(delay * 2, _POLL_MAX)
    finally:
        if running:
            _stop_all(list(running.values()))
    return [done[i] for i in range(len(jobs))]


def run_command(command: str, cwd: Path, *, timeout: float | None = None, log: Path | None = None) -> ProcessResult:
    """Run one shell command in `cwd`, stdout and stderr kept together as a person would see them;
    with `log` (a file in an existing directory), the output is also kept there."""
    argv = ("sh", "-c", command)
    with tempfile.TemporaryDirectory(prefix="wtorch-run-") as scratch:
        log_dir, name = (log.parent, log.name.removesuffix(".log")) if log else (Path(scratch), "output")
        (outcome,) = run_many([Job(name, argv, cwd)], parallel=1, timeout=timeout, log_dir=log_dir)
        output = outcome.log.read_bytes().decode("utf-8", "replace")
    if outcome.result is RunResult.TIMED_OUT:
        return ProcessResult(argv, EXIT_TIMED_OUT, output + f"\n(timed out after {timeout} s)", cwd=cwd)
    code = EXIT_NOT_STARTED if outcome.returncode is None else outcome.returncode
    return ProcessResult(argv, code, output, cwd=cwd)
