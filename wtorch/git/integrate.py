"""Rebase and merge inside a worktree, always finished or aborted: wtorch never leaves one in progress."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from wtorch.errors import GitError
from wtorch.git.core import run
from wtorch.git.diff import read_heads
from wtorch.git.plumbing import tree_entries
from wtorch.git.worktrees import changes, git_dir, operation_in_progress
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


def abandon_interrupted(worktree: Path, kind: str, ref: str | None, before: str | None, since: float) -> None:
    """A rebase or merge a killed wtorch started and git left in progress: aborted, so the branch and
    its files are as they were. One of another branch, or begun from another commit, is not wtorch's:
    left alone. When git cannot abort it (killed before it had written its state), the state is
    dropped and the branch checked out again: the worktree was clean when wtorch began (its
    --autostash, if any, goes to `git stash list`)."""
    if operation_in_progress(worktree) != kind:
        return
    if not _started_by(git_dir(worktree), kind, ref, before, since):
        return
    result = run([kind, "--abort"], cwd=worktree, check=False, env=_UNATTENDED)
    if operation_in_progress(worktree) == kind and kind == "rebase" and ref:
        run(["rebase", "--quit"], cwd=worktree, check=False, env=_UNATTENDED)
        run(["checkout", "--quiet", "--force", ref.removeprefix("refs/heads/"), "--"], cwd=worktree, check=False)
    if operation_in_progress(worktree) is not None:
        raise GitError(
            [kind, "--abort"],
            result.returncode,
            f"wtorch was killed during a {kind} in {worktree} and cannot abort it ({result.stderr.strip()}); "
            f"run `git {kind} --abort` there",
        )


def put_back(worktree: Path, before: str, onto: str, since: float) -> None:
    """What a rebase or merge killed while git was writing `onto`'s files leaves once nothing is in
    progress (aborted, or killed before git recorded anything): HEAD still at `before`, and in the
    worktree the files git had written — new ones untracked, some perhaps half written. When every
    change in the worktree is such a file (a prefix of `onto`'s file at that path, written since the
    step began) or a file `onto` does not have that git had deleted, the worktree is put back at
    `before`: it was clean when the step began (sync moves no worktree with uncommitted files), and
    all of it is in git. Anything else is someone's work: the worktree is left as it is."""
    if run(["rev-parse", "--verify", "--quiet", "HEAD"], cwd=worktree, check=False).stdout.strip() != before:
        return
    changed = changes(worktree)
    if not changed:
        return
    theirs = tree_entries(worktree, onto, [path for _, path in changed])
    written: list[tuple[str, bytes]] = []  # (onto's blob, what the file holds)
    for _, path in changed:
        file = worktree / path
        entry = theirs.get(path)
        if not file.exists() and not file.is_symlink():
            if entry is None:
                continue  # a file git removed on its way to `onto`
            return
        if entry is None or entry.kind != "blob" or not _written_since(file, since):
            return
        written.append((entry.sha, file.read_bytes()))
    heads = read_heads(worktree, [sha for sha, _ in written], limit=max((len(c) for _, c in written), default=0))
    if any(
        blob is None or not blob.head.startswith(content) for blob, (_, content) in zip(heads, written, strict=True)
    ):
        return
    run(["reset", "--quiet", "--hard", before], cwd=worktree)
    for untracked, path in changed:
        if untracked and (worktree / path).is_file():
            (worktree / path).unlink()
            _prune_empty_parents(worktree, (worktree / path).parent)


def _written_since(path: Path, since: float) -> bool:
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_mtime >= since - 1.0


def _prune_empty_parents(worktree: Path, directory: Path) -> None:
    while directory != worktree and worktree in directory.parents:
        try:
            directory.rmdir()  # only when empty
        except OSError:
            return
        directory = directory.parent


def _started_by(private: Path, kind: str, ref: str | None, before: str | None, since: float) -> bool:
    """Whether the operation in progress is the one the step began: made after the step started, of
    its branch, from its commit (what git had not written yet when it was killed is not held against it)."""
    if kind == "rebase":
        state = next((private / d for d in ("rebase-merge", "rebase-apply") if (private / d).is_dir()), None)
        expected = {"head-name": ref, "orig-head": before}
    else:
        state, expected = private, {}
    marker = state if kind == "rebase" else private / "MERGE_HEAD"
    if state is None or marker is None or not marker.exists() or marker.stat().st_mtime < since - 1.0:
        return False
    for name, value in expected.items():
        found = state / name
        text = found.read_text(encoding="utf-8").strip() if found.is_file() else ""
        if text and value and text != value:
            return False
    return True


def finish_reset(worktree: Path, before: str, target: str) -> None:
    """A `reset --keep` from `before` to `target` that a kill cut short: git had written some files
    of `target` but not yet moved the branch. When every change in the worktree is a file at its
    content in `before` or in `target` (what that reset writes), the reset is finished; anything
    else means someone's work is there, and the worktree is left as it is."""
    if run(["rev-parse", "--verify", "HEAD"], cwd=worktree).stdout.strip() != before:
        return
    changed = [path for _, path in changes(worktree)]
    if not changed:
        return
    old, new = tree_entries(worktree, before, changed), tree_entries(worktree, target, changed)
    present = [p for p in changed if (worktree / p).is_file() or (worktree / p).is_symlink()]
    hashed = run(["hash-object", "--stdin-paths"], cwd=worktree, stdin="".join(f"{p}\n" for p in present))
    found = dict(zip(present, hashed.stdout.split(), strict=True))
    for path in changed:
        sides = {e.sha if e else None for e in (old.get(path), new.get(path))}
        if found.get(path) not in sides:
            return
    run(["reset", "--quiet", "--hard", target], cwd=worktree)


def reset_keep(worktree: Path, commit: str) -> None:
    """Move the checked-out branch and its files to `commit`; refuses if local changes would be lost."""
    # The index's stat data may be stale (wtorch's own looks take no lock, so they never refresh it).
    run(["update-index", "-q", "--refresh"], cwd=worktree, check=False)
    run(["reset", "--quiet", "--keep", commit], cwd=worktree)
