"""The one place git runs: argument lists, never a shell, failures as GitError.

git is started here with `subprocess` directly, the way GitPython's `Git.execute` starts it (the
same environment: the caller's, English messages), without importing GitPython: its import and
the `git version` it runs cost more than the whole start-up of a command (docs/development.md).
"""

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
    binary: bool = False,
) -> ProcessResult:
    """Run `git args...` in `cwd`. Never through a shell; never with a leaked GIT_DIR."""
    scrub_environment()
    argv = ["git", *args]
    fault = _fault_point(argv)
    # Messages in English whatever the user's locale: some outcomes are read from them.
    environment = {**os.environ, "LANGUAGE": "C", "LC_ALL": "C", **(env or {})}
    istream = subprocess.PIPE if stdin is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=environment,
        stdin=istream,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=held_fds(),
    )
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
    stdout = "" if binary else out.decode("utf-8", "surrogateescape")
    stderr = err.decode("utf-8", "replace")
    result = ProcessResult(tuple(argv), int(status), stdout, stderr, cwd, out if binary else b"")
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
