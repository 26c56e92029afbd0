"""The one place git runs: argument lists through GitPython, failures as GitError."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from wtorch.errors import GitError
from wtorch.process import ProcessResult, scrub_environment


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
    runner = gitpython.Git(str(cwd))
    istream = subprocess.PIPE if stdin is not None else subprocess.DEVNULL
    handle = runner.execute(argv, as_process=True, istream=istream, env=dict(env or {}))
    proc = handle.proc
    assert proc is not None
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
