"""`wtorch split --apply`: the chunk branches built, made, checked (`--check`) and published (`--push`).

The commits are built with a private index, so no worktree is ever touched, and verified before any
branch moves. Making, checking and pushing happen in one operation-log entry: a run killed anywhere
(or whose push failed) is continued by the same command run again, which converges.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from wtorch import git
from wtorch.choices import StepKind
from wtorch.errors import GitError, UsageError, WtorchError
from wtorch.git.plumbing import TreeEntry, add_detached_worktree, commit_tree, private_index, tree_entries, write_blob
from wtorch.manifest import Manifest
from wtorch.runner import Job, RunOutcome, new_log_dir, run_many
from wtorch.state import Operation, Push, StateStore

if TYPE_CHECKING:
    from wtorch.commands.split import SplitReport


class _PushFailed(Exception):
    """Leaves the operation frame so its entry stays open: the same command run again pushes."""


def push_remote(manifest: Manifest | None, repo: git.RepoInfo) -> str:
    """The remote `--push` publishes to: project.remote, which must be a remote of this repository."""
    remote = manifest.project.remote if manifest else None
    if not remote:
        raise UsageError("--push needs project.remote in the manifest" + ("" if manifest else "; none was found"))
    known = git.refs.remote_urls(repo.main_worktree)
    if remote not in known:
        remotes = ", ".join(sorted(known)) or "none"
        raise UsageError(
            f"project.remote '{remote}' is not a remote of this repository (remotes: {remotes}); "
            f"add it with `git remote add {remote} URL`"
        )
    return remote


def apply_split(
    repo: git.RepoInfo,
    report: SplitReport,
    *,
    force: bool,
    argv: Sequence[str],
    check: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> None:
    """Build every chunk commit, verify the last tree is the tip's, then create the branches; run the
    check at every chunk; push them when every check passed. Fills in `report`."""
    cwd = repo.main_worktree
    commits = _build_commits(cwd, repo.common_dir, report)
    tip_tree = git.refs.tree_of(cwd, report.count.tip)
    if git.refs.tree_of(cwd, commits[-1]) != tip_tree:
        # Nothing was created yet: the commits are unreachable and git gc takes them.
        raise WtorchError(
            f"the last chunk's tree differs from {report.target.branch}'s tree; no split branch was created"
        )
    try:
        with StateStore(repo.common_dir).operation(argv) as (state, op):
            # Under the lock: a second split of the same branch waits, then finds these branches made.
            existing = git.refs.branches(cwd)
            commits = _ours(cwd, report, commits, existing, op)
            moves = _moves(cwd, dict(zip(report.names, commits, strict=True)), existing, op, force=force)
            for ref, old, commit in moves:
                op.move(ref, old, commit)
            with op.step(StepKind.REFS):  # every move announced before the first is made
                _move_all(cwd, moves, op)
            branch = report.target.branch
            earlier = op.splits.get(branch, state.splits.get(branch, []))  # as before the entry began
            report.stale = tuple(n for n in earlier if n not in report.names and n in existing)
            state.set_split(op, branch, list(report.names))
            report.applied = tuple(commits)
            if check:
                report.checks = _check(repo, report, check, progress)
            if report.remote and report.exit_code == 0:
                _push(cwd, report.remote, report, op, force=force)
            elif report.remote:
                report.push_error = "not pushed: the check failed"
    except _PushFailed:
        pass


def pull_requests(report: SplitReport) -> list[str]:
    """Per chunk, bottom first, the `gh pr create` that opens it as a pull request on the one below
    (chunk 1 on the split's base branch, as the remote names it)."""
    base = report.target.base
    if report.remote:
        base = base.removeprefix(f"{report.remote}/")
    what = report.target.effort or report.target.branch
    total = len(report.names)
    commands = []
    for chunk, head, onto in zip(report.plan.chunks, report.names, (base, *report.names), strict=False):
        title = f"{what} ({chunk.n}/{total}): {', '.join(chunk.directories) or '.'}"
        body = f"Part {chunk.n} of {total} of {report.target.branch}, cut by `wtorch split`."
        if chunk.n > 1:
            body += f" Stacked on {onto}: review and merge that first."
        argv = ["gh", "pr", "create", "--base", onto, "--head", head, "--title", title, "--body", body]
        commands.append(shlex.join(argv))
    return commands


def _push(cwd: Path, remote: str, report: SplitReport, op: Operation, *, force: bool) -> None:
    """Every chunk branch in one `git push --set-upstream`. Without --force it only fast-forwards, so
    it never overwrites a branch on the remote; with --force (the chunks were replaced) each branch is
    forced on a lease: the remote branch as this clone last saw it. The pushes are in the entry before
    git runs, so `wtorch undo` puts the remote back too."""
    names, tracking = report.names, [f"refs/remotes/{remote}/{n}" for n in report.names]
    seen = git.refs.ref_values(cwd, tracking)
    was = {n: seen.get(t) for n, t in zip(names, tracking, strict=True)}
    for name, commit in zip(names, report.applied, strict=True):
        earlier = next((p for p in op.pushes if (p.remote, p.branch) == (remote, name)), None)
        if earlier is None:
            op.pushes.append(Push(remote, name, was[name], commit))
        else:  # a re-run continuing the entry: the remote branch as it was before the entry stays `before`
            earlier.after = commit
    try:
        with op.step(StepKind.PUSH):
            git.refs.push_branches(cwd, remote, names, leases={n: was[n] or "" for n in names} if force else None)
    except GitError as exc:
        # git moves the remote-tracking ref of each branch the remote took: those stay in the log.
        now = git.refs.ref_values(cwd, tracking)
        report.pushed = tuple(n for n, t, c in zip(names, tracking, report.applied, strict=True) if now.get(t) == c)
        op.pushes = [p for p in op.pushes if p.remote != remote or p.branch not in names or p.branch in report.pushed]
        report.push_error = _reason(exc.stderr)
        raise _PushFailed from exc
    report.pushed = tuple(names)


def _reason(stderr: str) -> str:
    """git's word on a failed push: the first branch refused (`! [rejected] ...`), else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return next((line for line in lines if line.startswith("!")), lines[-1] if lines else "push failed")


def _ours(
    cwd: Path, report: SplitReport, commits: list[str], existing: dict[str, git.BranchRef], op: Operation
) -> list[str]:
    """The chunk commits the interrupted run of this same command made (its entry continues here),
    when they hold these very trees on the same chain: kept, so that what it may have pushed stays
    current. Built again they would differ in their dates alone."""
    made = []
    for name in report.names:
        move = op.moved(f"refs/heads/{name}")
        if name not in existing or move is None or move.after != existing[name].sha:
            return commits
        made.append(existing[name].sha)
    if made == commits:
        return commits
    for commit, parent, fresh in zip(made, (report.count.merge_base, *made), commits, strict=False):
        same_tree = git.refs.tree_of(cwd, commit) == git.refs.tree_of(cwd, fresh)
        if not same_tree or git.refs.resolve(cwd, f"{commit}^") != parent:
            return commits
    return made


_Move = tuple[str, str | None, str]


def _moves(
    cwd: Path, chunks: dict[str, str], existing: dict[str, git.BranchRef], op: Operation, *, force: bool
) -> list[_Move]:
    """(ref, where it is, where it goes) for every chunk branch not already there; refusals first."""
    # A chunk branch the interrupted run of this same command made is its own, not one to refuse.
    made = {m.ref: m.after for m in op.refs}
    taken = [n for n in chunks if n in existing and made.get(f"refs/heads/{n}") != existing[n].sha]
    if taken and not force:
        raise UsageError(f"split branches already exist: {', '.join(taken)}; --force replaces them")
    worktrees = git.worktrees.list_worktrees(cwd)
    held = [(n, w.path) for n in taken for w in worktrees if n in (w.branch, w.rebasing)]
    if held:
        # Even --force never moves a branch out from under a worktree (its files would not follow).
        where = ", ".join(f"{name} in {path}" for name, path in held)
        raise UsageError(f"split branches are checked out ({where}); switch those worktrees away first")
    moves = []
    for name, commit in chunks.items():
        old = existing[name].sha if name in existing else None
        if old != commit:
            moves.append((f"refs/heads/{name}", old, commit))
    return moves


def _move_all(cwd: Path, moves: list[_Move], op: Operation) -> None:
    """Make every move; when one fails, put back each one made: a branch that was there returns to
    its commit (with its reflog), one this run created is deleted."""
    done: list[_Move] = []
    try:
        for ref, old, commit in moves:
            git.refs.update_ref(cwd, ref, commit, old, message="wtorch: split --apply")
            done.append((ref, old, commit))
    except GitError:
        for ref, old, commit in reversed(done):
            if old is None:
                git.refs.delete_ref(cwd, ref, commit, message="wtorch: split rollback")
            else:
                git.refs.update_ref(cwd, ref, old, commit, message="wtorch: split rollback")
        for ref, old, commit in moves:
            op.move(ref, commit, old)  # announced, then made and undone, or never made: not in the log
        raise


def _build_commits(cwd: Path, common_dir: Path, report: SplitReport) -> list[str]:
    by_path = {f.path: f for f in report.count.files}
    tip = tree_entries(cwd, report.count.tip)
    total = len(report.plan.chunks)
    parent = report.count.merge_base
    commits = []
    with private_index(cwd, common_dir) as index:
        index.read_tree(parent)
        for chunk in report.plan.chunks:
            entries: list[TreeEntry] = []
            removals: list[str] = []
            partial = dict(chunk.partial)  # a file cut by hunks: its text after this chunk's part
            for path in chunk.files:
                changed = by_path[path]
                if changed.old_path and changed.status.startswith("R"):
                    removals.append(changed.old_path)
                if path in partial:
                    entries.append(replace(tip[path], sha=write_blob(cwd, partial[path])))
                elif path in tip:
                    entries.append(tip[path])
                else:
                    removals.append(path)
            index.apply(entries, removals)
            dirs = ", ".join(chunk.directories) or "."
            message = f"split {chunk.n}/{total} of {report.target.branch}: {dirs}"
            parent = commit_tree(cwd, index.write_tree(), parent, message)
            commits.append(parent)
    return commits


def _check(
    repo: git.RepoInfo, report: SplitReport, command: str, progress: Callable[[str], None] | None
) -> list[RunOutcome]:
    """Run `command` in a temporary worktree at every chunk, one after the other, each logged to
    `<git-common-dir>/wtorch/logs/split-check-<time>/<n>.log`; the worktrees are removed after."""
    cwd = repo.main_worktree
    log_dir = new_log_dir(repo.common_dir, "split-check")
    results = []
    scratch = Path(tempfile.mkdtemp(prefix="wtorch-check-"))
    try:
        for chunk, name, commit in zip(report.plan.chunks, report.names, report.applied, strict=True):
            if progress:
                progress(name)
            path = scratch / name.replace("/", "_")
            add_detached_worktree(cwd, path, commit)
            try:
                job = Job(str(chunk.n), ("sh", "-c", command), path)
                results += run_many([job], parallel=1, timeout=None, log_dir=log_dir)
            finally:
                git.worktrees.remove_worktree(cwd, path, force=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        git.worktrees.prune_worktrees(cwd)
    return results
