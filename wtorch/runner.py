"""The one place user commands run (worktree.setup, validate.command, `split --check`, `wtorch run`).

These are the manifest author's own shell commands, so they go through `sh -c` on purpose;
git itself is never run from here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from wtorch.process import ProcessResult, clean_environment


def run_command(command: str, cwd: Path, *, timeout: float | None = None) -> ProcessResult:
    """Run one shell command in `cwd`, stdout and stderr kept together as a person would see them."""
    argv = ("sh", "-c", command)
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=clean_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.output.decode("utf-8", "replace") if isinstance(exc.output, bytes) else ""
        return ProcessResult(argv, 124, output + f"\n(timed out after {timeout} s)", cwd=cwd)
    return ProcessResult(argv, proc.returncode, proc.stdout.decode("utf-8", "replace"), cwd=cwd)
