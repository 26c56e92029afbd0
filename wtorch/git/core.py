"""The one place git runs: argument lists through GitPython, failures as GitError."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from wtorch.errors import GitError
from wtorch.process import ProcessResult, held_fds, scrub_environment


def run(
    args: Sequence[str],
    *,
    cwd: Path,
    check: bool = True,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
) -> ProcessResult:
    """Run `git args...` in `cwd`. Never through a shell; never with a leaked GIT_DIR."""
    import git as gitpython  # heavy: loaded on first use so `wtorch --version` stays fast

    scrub_environment()
    argv = ["git", *args]
    fault = _fault_point(argv)
    runner = gitpython.Git(str(cwd))
    istream = subprocess.PIPE if stdin is not None else subprocess.DEVNULL
    handle = runner.execute(argv, as_process=True, istream=istream, env=dict(env or {}), pass_fds=held_fds())
    proc = handle.proc
    assert proc is not None
    if fault is not None:
        time.sleep(fault / 1000)
        _die()
    # Paths that are not valid UTF-8 arrive as surrogate escapes and go back to git as the same bytes.
    payload = stdin.encode("utf-8", "surrogateescape") if stdin is not None else None
    try:
        out, err = proc.communicate(payload)
    except KeyboardInterrupt:
        # Pass the interrupt on (git may not have had it: SIGTERM to wtorch alone, say) and wait
        # until git has stopped in a state it records, so the caller can abort it, never race it.
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)
        proc.wait()
        raise
    status = proc.returncode
    stdout = out.decode("utf-8", "surrogateescape") if isinstance(out, bytes) else str(out or "")
    stderr = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err or "")
    result = ProcessResult(tuple(argv), int(status), stdout, stderr, cwd)
    if check and not result.ok:
        raise GitError(argv, result.returncode, stderr, stdout)
    return result


# The fault-injection seam (tests only; docs/development.md, "Interrupt safety"). WTORCH_FAULT_COUNT=path
# appends one line per git call; WTORCH_FAULT_AT=k kills this process before its k-th git call, and
# WTORCH_FAULT_AT=k+ms that many milliseconds after the k-th git started (git dies with it when
# wtorch leads its own process group, as a terminal's kill would do).
_calls = 0
_calls_lock = threading.Lock()


def _fault_point(argv: Sequence[str]) -> float | None:
    """Count this git call; die here if it is the one to die before; the delay if it is one to die into."""
    at, log = os.environ.get("WTORCH_FAULT_AT"), os.environ.get("WTORCH_FAULT_COUNT")
    if not at and not log:
        return None
    global _calls
    with _calls_lock:
        _calls += 1
        number = _calls
        if log:
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(f"{number}\t{' '.join(argv)!r}\n")
    call, _, delay = (at or "").partition("+")
    if call != str(number):
        return None
    if not delay:
        _die()
    return float(delay)


def _die() -> None:
    if os.getpgid(0) == os.getpid():
        os.killpg(os.getpid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
