"""What a killed wtorch left behind, resolved by the next one before it does anything (SPEC §10).

The interrupted run's log entry says what it was doing (wtorch.oplog): each step it journalled and
every ref move it announced. Under the repository lock (which the killed run's git children held
until they ended too) the next run:

- removes the lock files the step's git left (only those made after the step started, in the
  directories that step works in: nobody else's);
- aborts a rebase or merge that step started and git left in progress, or, when git got to the
  end of it, records the move as the step would have;
- takes away a worktree entry `git worktree add` left half-made, and finishes a `git worktree
  remove` that was cut short;
- drops from the entry the ref moves and worktrees that never happened, so the log and `undo`
  tell the truth.
"""

from __future__ import annotations

import glob
import os
import shutil
from pathlib import Path

from wtorch import git
from wtorch.choices import StepKind, SyncResult
from wtorch.errors import GitError
from wtorch.git import integrate, plumbing
from wtorch.oplog import Operation, Step
from wtorch.state import State, now

_SLACK = 1.0
"""Seconds a lock file's time may read before the step's start (file systems round timestamps)."""
_WORKTREE_LOCKS = (
    "index.lock",
    "HEAD.lock",
    "ORIG_HEAD.lock",
    "AUTO_MERGE.lock",
    "REBASE_HEAD.lock",
    "MERGE_MSG.lock",
    "MERGE_HEAD.lock",
    "MERGE_MODE.lock",
)


def sweep(common_dir: Path) -> None:
    """Leftovers that name their owner, whatever the log says: private indexes of processes gone."""
    plumbing.sweep_private_indexes(common_dir)


def recover(common_dir: Path, state: State, op: Operation) -> None:
    """Resolve every step `op` left under way, then keep only the ref moves that happened."""
    for step in list(op.steps):
        _resolve(common_dir, state, op, step)
        op.steps.remove(step)
    _reconcile(common_dir, op)


def _resolve(common_dir: Path, state: State, op: Operation, step: Step) -> None:
    worktree = Path(step.worktree) if step.worktree else None
    refs = [step.ref] if step.ref else [m.ref for m in op.refs]
    if step.kind == StepKind.PUSH:
        # What a push takes here: the remote-tracking refs it updates, and the config (--set-upstream).
        refs = [f"refs/remotes/{p.remote}/{p.branch}" for p in op.pushes] + ["config"]
    renamed = (step.ref, step.base) if step.kind == StepKind.RENAME and step.ref and step.base else None
    if renamed:
        # Both names, the HEAD of every worktree (one may hold the branch), and the config.
        heads = ["HEAD"] + [f"worktrees/{d.name}/HEAD" for d in _entries(common_dir / "worktrees")]
        refs = [*renamed, *heads, "config"]
    _clear_locks(common_dir, worktree, refs, step.started)
    if renamed:
        _finish_rename(common_dir, *renamed, step.before)
    if step.kind in (StepKind.REBASE, StepKind.MERGE) and worktree is not None:
        _settle(common_dir, state, op, step, worktree)
    elif step.kind == StepKind.WORKTREE_ADD and worktree is not None:
        _unmake(common_dir, worktree)
    elif step.kind == StepKind.WORKTREE_REMOVE and worktree is not None:
        _finish_removal(common_dir, worktree)
    elif step.kind == StepKind.RESET and worktree is not None and worktree.is_dir() and step.ref and step.before:
        target = op.moved(step.ref)
        if target is not None and target.after:
            integrate.finish_reset(worktree, step.before, target.after)


def _clear_locks(common_dir: Path, worktree: Path | None, refs: list[str], started: float) -> None:
    """The lock files the step's git takes, made after the step started: the killed git's own, since
    every git the killed run started held the repository lock until it ended. Those of the step's
    refs and the packed refs; in the git directory of the worktree it ran in (for the main
    worktree, the common directory), its index, HEAD and merge state: any lock in a linked
    worktree's own directory, the named ones in the common directory."""
    locks = [common_dir / "packed-refs.lock"] + [common_dir / f"{ref}.lock" for ref in refs]
    if worktree is not None and worktree.is_dir():
        private = git.worktrees.git_dir(worktree)
        if private == common_dir:
            locks += [common_dir / name for name in _WORKTREE_LOCKS]
        elif private.is_dir():
            locks += private.glob("*.lock")
    for lock in locks:
        try:
            if lock.is_file() and lock.stat().st_mtime >= started - _SLACK:
                lock.unlink()
        except FileNotFoundError:
            continue


def _finish_rename(common_dir: Path, old: str, new: str, sha: str | None) -> None:
    """The rest of a `git branch -m` that deleted the old ref: the new one made (killed between the
    two, the commit was on no branch), the worktrees that held the old name pointed at the new one,
    the config sections renamed. When the old ref is still there, the command renames it again."""
    if git.refs.resolve(common_dir, old) is not None:
        return
    if git.refs.resolve(common_dir, new) is None:
        if sha is None:
            return
        git.refs.update_ref(common_dir, new, sha, None, message="wtorch: finish an interrupted rename")
    old_name, new_name = old.removeprefix("refs/heads/"), new.removeprefix("refs/heads/")
    for worktree in git.worktrees.list_worktrees(common_dir):
        if worktree.branch == old_name and worktree.path.is_dir():
            git.refs.point_head(worktree.path, new)
    git.refs.rename_config_section(common_dir, f"branch.{old_name}", f"branch.{new_name}")


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.is_dir() else []


def _settle(common_dir: Path, state: State, op: Operation, step: Step, worktree: Path) -> None:
    """A rebase or merge the step started: aborted if git left it in progress, recorded if it ended."""
    if worktree.is_dir():
        integrate.abandon_interrupted(worktree, step.kind, step.ref, step.before, step.started)
    if step.ref is None:
        return
    now_at = git.refs.resolve(common_dir, step.ref)
    if worktree.is_dir() and now_at == step.before and step.before and step.onto:
        integrate.put_back(worktree, step.before, step.onto, step.started)
    if now_at is None or now_at == step.before:
        return
    op.move(step.ref, step.before, now_at)
    if step.effort and step.base and step.onto:
        record = state.touch(op, step.effort)
        record.base_ref, record.base_commit, record.tip = step.base, step.onto, now_at
        record.last_sync_at, record.last_sync_result = now(), SyncResult.SYNCED


def _unmake(common_dir: Path, path: Path) -> None:
    """A worktree `git worktree add` did not finish: its entry (locked "initializing", HEAD not yet
    set) and what it checked out go; the command adds it again."""
    _drop_half_made_entry(common_dir, path)
    entry = next((w for w in git.worktrees.list_worktrees(common_dir) if w.path == path), None)
    if entry is not None:
        if entry.locked == "initializing" or not entry.head or set(entry.head) == {"0"} or entry.missing:
            removed = False
            if path.exists():
                try:
                    git.worktrees.remove_worktree(common_dir, path, force=True)
                    removed = True
                except GitError:
                    # Killed before git had finished the worktree's own files (its `.git` link or
                    # HEAD), git refuses to call the directory a worktree; it is still locked
                    # "initializing": git made it moments ago, for this command, and nobody worked there.
                    if entry.locked != "initializing":
                        raise
                    shutil.rmtree(path)
            if entry.locked == "initializing" and not removed:
                # prune keeps what is locked: unlocked first (also when git never made the directory).
                git.worktrees.unlock_worktree(common_dir, path)
            git.worktrees.prune_worktrees(common_dir)
    elif path.is_dir() and {p.name for p in path.iterdir()} <= {".git"}:
        for leftover in path.iterdir():
            leftover.unlink()
        path.rmdir()


def _drop_half_made_entry(common_dir: Path, path: Path) -> None:
    """`git worktree add` killed before it finished writing the entry's own files (`commondir`, say):
    `git worktree list` would fail on it. git writes `locked` ("initializing") first, `gitdir` (the
    worktree's path) next and `commondir` ("../..") after: an entry for `path` whose `commondir` is
    missing or not yet written whole, still initializing, is deleted, and the command makes the
    worktree again."""
    for entry in (common_dir / "worktrees").glob(f"{glob.escape(path.name)}*"):
        locked, gitdir, commondir = entry / "locked", entry / "gitdir", entry / "commondir"
        if not entry.is_dir() or commondir.is_dir():
            continue
        written = commondir.read_text(errors="replace").strip() if commondir.exists() else ""
        if written == "../.." or not "../..".startswith(written):
            continue
        # Any of the files may itself have been cut short: what is there must begin what git writes.
        if locked.exists() and not "initializing".startswith(locked.read_text(errors="replace").strip()):
            continue
        if gitdir.exists() and not str(path / ".git").startswith(gitdir.read_text(errors="replace").strip()):
            continue
        shutil.rmtree(entry)


def _finish_removal(common_dir: Path, path: Path) -> None:
    """A `git worktree remove` cut short (its worktree was checked to hold no work): finished."""
    entry = next((w for w in git.worktrees.list_worktrees(common_dir) if w.path == path), None)
    if entry is None:
        return
    if path.exists():
        try:
            git.worktrees.remove_worktree(common_dir, path, force=True)
        except GitError:
            if (path / ".git").exists():
                return  # left for `wtorch prune` and the user to judge
            # git had begun deleting the directory (its `.git` link is gone already): the rest goes too.
            shutil.rmtree(path)
    git.worktrees.prune_worktrees(common_dir)


def _finish_renames(common_dir: Path, op: Operation, at: dict[str, str]) -> None:
    """A `git branch -m` killed half-way: between deleting the old name and creating the new one (the
    commit would be left without a branch), or before it pointed the worktrees holding the branch at
    the new name (they would be on an unborn branch). Both are finished as the rename would have."""
    for gone in (m for m in op.refs if m.after is None and m.before and m.ref not in at):
        made = next((m for m in op.refs if m.before is None and m.after == gone.before), None)
        if made is None or made.after is None:
            continue
        if made.ref not in at:
            git.refs.update_ref(common_dir, made.ref, made.after, None, message="wtorch: finish an interrupted rename")
            at[made.ref] = made.after
        old = gone.ref.removeprefix("refs/heads/")
        for holder in git.worktrees.list_worktrees(common_dir):
            if holder.branch == old and not holder.missing:
                git.worktrees.point_head(holder.path, made.ref)


def _reconcile(common_dir: Path, op: Operation) -> None:
    """Drop the announced moves and worktrees that never happened."""
    if op.refs:
        at = git.refs.ref_values(common_dir, [m.ref for m in op.refs])
        _finish_renames(common_dir, op, at)
        op.refs = [m for m in op.refs if at.get(m.ref) != m.before or at.get(m.ref) == m.after]
    if op.worktrees_created or op.worktrees_removed:
        registered = {str(w.path) for w in git.worktrees.list_worktrees(common_dir)}
        op.worktrees_created = [p for p in op.worktrees_created if p in registered]
        op.worktrees_removed = [p for p in op.worktrees_removed if p not in registered or not os.path.exists(p)]
        op.branches = {p: b for p, b in op.branches.items() if p in op.worktrees_removed}
