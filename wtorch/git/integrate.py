"""Rebase and merge inside a worktree, always finished or aborted: wtorch never leaves one in progress."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wtorch.errors import GitError
from wtorch.git.core import run
from wtorch.git.worktrees import operation_in_progress
from wtorch.process import ProcessResult

# No editor may open and no pager may wait: wtorch runs git unattended.
_UNATTENDED = {"GIT_EDITOR": "true", "GIT_SEQUENCE_EDITOR": "true", "GIT_PAGER": "cat", "GIT_TERMINAL_PROMPT": "0"}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    conflicts: tuple[str, ...] = ()
    stash_kept: bool = False
    """Autostashed changes could not be re-applied cleanly: they are safe in `git stash list`."""
    message: str = ""


def _conflicted(worktree: Path) -> tuple[str, ...]:
    out = run(["diff", "--name-only", "-z", "--diff-filter=U"], cwd=worktree, check=False)
    return tuple(dict.fromkeys(out.fields()))


def _stash_kept(output: str) -> bool:
    # git's words when re-applying an autostash conflicts; the stash entry is then kept.
    return "Applying autostash resulted in conflicts" in output


def _failed(worktree: Path, kind: str, output: str) -> Outcome:
    """A failure that is not a conflict (say, untracked files in the way): make sure nothing is left."""
    if operation_in_progress(worktree) == kind:
        run([kind, "--abort"], cwd=worktree, env=_UNATTENDED)
    return Outcome(False, message=_headline(output) or f"git {kind} failed")


def _headline(output: str) -> str:
    """git's first error line with the indented paths that follow it: `... overwritten by checkout: new.txt`."""
    lines = [line for line in output.splitlines() if line.strip()]
    if not lines:
        return ""
    head = lines[0].removeprefix("error: ").removeprefix("fatal: ").strip()
    items = [line.strip() for line in lines[1:] if line[:1].isspace()]
    return f"{head} {', '.join(items)}" if items else head


def _finish(worktree: Path, kind: str, output: str) -> Outcome:
    """After a failed rebase or merge: list the conflicts, abort, and check nothing is left in progress."""
    conflicts = _conflicted(worktree)
    if operation_in_progress(worktree) == kind:
        run([kind, "--abort"], cwd=worktree, env=_UNATTENDED)
    if operation_in_progress(worktree) is not None:
        raise GitError([kind, "--abort"], 1, f"could not abort the {kind} in {worktree}")
    return Outcome(False, conflicts, message=output.strip())


def _interruptible(worktree: Path, kind: str, args: list[str]) -> ProcessResult:
    """Run a rebase or merge; interrupted (Ctrl-C), abort it before giving up, so none is left behind."""
    try:
        return run(args, cwd=worktree, check=False, env=_UNATTENDED)
    except KeyboardInterrupt:
        if operation_in_progress(worktree) == kind:
            run([kind, "--abort"], cwd=worktree, env=_UNATTENDED)
        raise


def _settle(worktree: Path, kind: str, args: list[str]) -> Outcome:
    """Run a rebase or merge and settle it: done, failed with git's reason, or conflicted and aborted."""
    result = _interruptible(worktree, kind, args)
    output = result.stdout + result.stderr
    if result.ok:
        return Outcome(True, stash_kept=_stash_kept(output))
    if not _conflicted(worktree):
        return _failed(worktree, kind, result.stderr or result.stdout)
    return _finish(worktree, kind, output)


def rebase_onto(worktree: Path, branch: str, new_base: str, upstream: str, *, autostash: bool) -> Outcome:
    """`git rebase --onto new_base upstream branch`, run where `branch` is checked out."""
    stash = "--autostash" if autostash else "--no-autostash"
    return _settle(worktree, "rebase", ["rebase", stash, "--onto", new_base, upstream, branch])


def merge(worktree: Path, new_base: str, *, autostash: bool, message: str | None = None) -> Outcome:
    stash = ["--autostash"] if autostash else []
    words = ["-m", message] if message else []
    return _settle(worktree, "merge", ["merge", "--no-edit", *words, *stash, "--end-of-options", new_base])


def reset_keep(worktree: Path, commit: str) -> None:
    """Move the checked-out branch and its files to `commit`; refuses if local changes would be lost."""
    run(["reset", "--quiet", "--keep", commit], cwd=worktree)
