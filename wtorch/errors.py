"""Error types and the exit codes they map to (SPEC §5)."""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_GIT = 3
EXIT_INTERRUPTED = 130


class WtorchError(Exception):
    """Base of every error wtorch reports to the user without a traceback."""

    exit_code = EXIT_USAGE


class UsageError(WtorchError):
    """Bad input on the command line: unknown effort, bad option value, missing manifest."""


class ManifestError(WtorchError):
    """One or more problems in wtorch.toml, each already formatted as `file:line: message`."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class LockHeldError(WtorchError):
    """Another wtorch holds the repository lock."""


class UndoRefused(WtorchError):
    """Undo would lose work or overwrite something that moved since; nothing was changed."""

    exit_code = EXIT_CHECK_FAILED


class GitError(WtorchError):
    """git failed where it was not expected to."""

    exit_code = EXIT_GIT

    def __init__(self, argv: Sequence[str], returncode: int, stderr: str, stdout: str = "") -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr
        self.stdout = stdout
        detail = stderr.strip() or stdout.strip() or "no output"
        super().__init__(f"git failed (exit {returncode}): {' '.join(self.argv)}\n{detail}")
