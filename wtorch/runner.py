"""The one place user commands run (worktree.setup, validate.command, `wtorch run`).

These are the manifest author's own shell commands, so they go through `sh -c` on purpose;
git itself is never run from here.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CommandResult:
    command: str
    cwd: Path
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_command(command: str, cwd: Path, *, timeout: float | None = None) -> CommandResult:
    """Run one shell command in `cwd`, stdout and stderr kept together as a person would see them."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    try:
        proc = subprocess.run(
            ["sh", "-c", command],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.output.decode("utf-8", "replace") if isinstance(exc.output, bytes) else ""
        return CommandResult(command, cwd, 124, output + f"\n(timed out after {timeout} s)")
    return CommandResult(command, cwd, proc.returncode, proc.stdout.decode("utf-8", "replace"))
