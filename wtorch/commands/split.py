"""`wtorch split`: plan a stack of chunks under the budget, and with --apply build it (SPEC §8).

The planning is pure (wtorch.split); this module feeds it the counted change and file texts,
and builds the chunk commits with a private index, so no worktree is ever touched.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from wtorch import git, split, targets
from wtorch.choices import CountMode, RunResult, StepKind
from wtorch.counting import CountedFile, LineCount, count_lines
from wtorch.errors import GitError, UsageError, WtorchError
from wtorch.git.diff import read_heads
from wtorch.git.plumbing import (
    TreeEntry,
    add_detached_worktree,
    commit_tree,
    private_index,
    tree_entries,
    write_blob,
)
from wtorch.manifest import Manifest
from wtorch.manifest.model import DEFAULT_SPLIT_TEMPLATE
from wtorch.manifest.templates import render
from wtorch.names import branch_name_problem
from wtorch.runner import Job, RunOutcome, new_log_dir, run_many
from wtorch.state import Operation, StateStore
from wtorch.targets import Target

TEXT_LIMIT = 1 << 20  # files larger than this are not scanned for imports
CONTEXT_LIMIT = 5000  # unchanged package __init__ files read for their re-exports
INIT_FILES = ("__init__.py", "__init__.pyi")


@dataclass
class SplitReport:
    target: Target
    count: LineCount
    plan: split.SplitPlan
    names: tuple[str, ...]
    applied: tuple[str, ...] = ()
    """Commits of the chunk branches, when --apply made them."""
    checks: list[RunOutcome] = field(default_factory=list)
    """With --check: how the command ended at each chunk (its log kept, its last lines read)."""
    stale: tuple[str, ...] = ()
    """Chunk branches of an earlier split of this branch that this one no longer has (kept, not deleted)."""

    @property
    def exit_code(self) -> int:
        return 1 if any(c.result is not RunResult.OK for c in self.checks) else 0

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema": 1,
            "branch": self.target.branch,
            "effort": self.target.effort,
            "base": self.target.base,
            "merge_base": self.count.merge_base,
            "max_lines": self.plan.max_lines,
            "total_lines": self.plan.total_lines,
            "floor": self.plan.floor,
            "chunks": [
                {
                    "n": c.n,
                    "branch": name,
                    "lines": c.lines,
                    "files": list(c.files),
                    "directories": list(c.directories),
                    "needs": list(c.needs),
                    "requires": [
                        {"chunk": r.n, "file": r.path, "names": list(r.names), "why": r.why} for r in c.requires
                    ],
                }
                for c, name in zip(self.plan.chunks, self.names, strict=True)
            ],
            "oversized": [{"files": list(o.files), "lines": o.lines, "why": o.why} for o in self.plan.oversized],
            "applied": bool(self.applied),
            "stale": list(self.stale),
        }
        if self.applied:
            for chunk, commit in zip(data["chunks"], self.applied, strict=True):
                chunk["commit"] = commit
        if self.checks:
            for chunk, check in zip(data["chunks"], self.checks, strict=True):
                chunk["check"] = {
                    "command": check.job.argv[-1],
                    "returncode": check.returncode,
                    "ok": check.result is RunResult.OK,
                    "result": check.result.value,
                    "seconds": round(check.seconds, 3),
                    "log": str(check.log),
                    "tail": list(check.tail),
                }
        return data


def run_split(
    manifest: Manifest | None,
    repo: git.RepoInfo,
    target: Target,
    *,
    max_lines: int | None = None,
    count: CountMode | None = None,
    apply: bool = False,
    force: bool = False,
    check: str | None = None,
    progress: Callable[[str], None] | None = None,
    argv: Sequence[str] = ("split", "--apply"),
) -> SplitReport:
    budget = targets.budget(manifest, max_lines)
    if check and not apply:
        raise UsageError("--check runs in the chunk branches, so it needs --apply")
    cwd = repo.main_worktree
    counted = count_lines(
        cwd,
        base=target.base,
        branch=target.branch,
        count=targets.count_mode(manifest, count),
        exclude=targets.gate_config(manifest).exclude,
    )
    files = [_changed(f) for f in counted.files]
    facts = _edges(cwd, counted, files)
    cuttable = _cuttable(cwd, counted, files, budget)
    plan = split.plan_split(files, facts.edges, max_lines=budget, understood=facts.understood, texts=cuttable)
    names = tuple(_chunk_name(manifest, target, n) for n in range(1, len(plan.chunks) + 1))
    report = SplitReport(target, counted, plan, names)
    if apply and plan.chunks:
        report.applied = _apply(repo, report, force=force, argv=argv)
        if check:
            report.checks = _check(repo, report, check, progress)
    return report


def _changed(f: CountedFile) -> split.ChangedFile:
    return split.ChangedFile(
        path=f.path, status=f.status, lines=f.lines, old_path=f.old_path, excluded=f.excluded is not None
    )


def _edges(cwd: Path, counted: LineCount, files: list[split.ChangedFile]) -> split.Analysis:
    """Edges among the changed files, from their texts at the tip and at the merge-base, with the
    unchanged package ``__init__`` files read for what they re-export."""
    tip_entries = tree_entries(cwd, counted.tip)
    new_paths = [f.path for f in files if f.status != "D" and f.path in tip_entries]
    old_paths = [f.old_path or f.path for f in files if f.status in ("M", "D", "R", "T")]
    changed = {f.path for f in files}
    packages = sorted(p for p in tip_entries if p.rsplit("/", 1)[-1] in INIT_FILES and p not in changed)
    new_text = _texts(cwd, counted.tip, new_paths)
    old_text = _texts(cwd, counted.merge_base, old_paths)
    context = _texts(cwd, counted.tip, packages[:CONTEXT_LIMIT])
    go_mod = _texts(cwd, counted.tip, ["go.mod"]).get("go.mod", "") if "go.mod" in tip_entries else ""
    module = re.search(r"^module\s+(\S+)", go_mod, re.MULTILINE)
    return split.analyse(
        files,
        new_text=new_text,
        old_text=old_text,
        repo_paths=frozenset(tip_entries),
        go_module=module.group(1) if module else None,
        context_text=context,
    )


def _cuttable(cwd: Path, counted: LineCount, files: list[split.ChangedFile], budget: int) -> dict[str, tuple[str, str]]:
    """Both ends, whole and exactly, of each modified Python file over the budget (cut by hunks)."""
    paths = [f.path for f in files if f.status == "M" and f.lines > budget and f.path.endswith(".py")]
    old, new = _texts(cwd, counted.merge_base, paths, exact=True), _texts(cwd, counted.tip, paths, exact=True)
    return {p: (old[p], new[p]) for p in paths if p in old and p in new}


def _texts(cwd: Path, rev: str, paths: list[str], *, exact: bool = False) -> dict[str, str]:
    """Text files' contents (the first TEXT_LIMIT bytes); ``exact``: only whole UTF-8 texts."""
    blobs = read_heads(cwd, [f"{rev}:{p}" for p in paths], limit=TEXT_LIMIT)
    texts = {}
    for path, blob in zip(paths, blobs, strict=True):
        if blob is None or b"\0" in blob.head[:8000]:
            continue
        if not exact:
            texts[path] = blob.head.decode("utf-8", "replace")
        elif len(blob.head) < TEXT_LIMIT:
            with contextlib.suppress(UnicodeDecodeError):
                texts[path] = blob.head.decode("utf-8")
    return texts


def _chunk_name(manifest: Manifest | None, target: Target, n: int) -> str:
    template = manifest.project.split_template if manifest else DEFAULT_SPLIT_TEMPLATE
    effort = manifest.effort(target.effort) if manifest and target.effort else None
    values = {
        "project": manifest.project.name if manifest else "",
        "repo": manifest.repo_name if manifest else "",
        "id": effort.id if effort else "",
        "wave": str(effort.wave) if effort else "",
        "owner": (effort.owner or "") if effort else "",
        "branch": target.branch,
        "n": str(n),
    }
    name = render(template, values)
    why = branch_name_problem(name)
    if why:
        raise UsageError(f"split_template gives '{name}', which is not a valid branch name: {why}")
    return name


def _apply(repo: git.RepoInfo, report: SplitReport, *, force: bool, argv: Sequence[str]) -> tuple[str, ...]:
    """Build every chunk commit, verify the last tree is the tip's, then create the branches."""
    cwd = repo.main_worktree
    commits = _build_commits(cwd, repo.common_dir, report)
    tip_tree = git.refs.tree_of(cwd, report.count.tip)
    if git.refs.tree_of(cwd, commits[-1]) != tip_tree:
        # Nothing was created yet: the commits are unreachable and git gc takes them.
        raise WtorchError(
            f"the last chunk's tree differs from {report.target.branch}'s tree; no split branch was created"
        )
    with StateStore(repo.common_dir).operation(argv) as (state, op):
        # Under the lock: a second split of the same branch waits, then finds these branches made.
        existing = git.refs.branches(cwd)
        moves = _moves(cwd, dict(zip(report.names, commits, strict=True)), existing, op, force=force)
        for ref, old, commit in moves:
            op.move(ref, old, commit)
        with op.step(StepKind.REFS):  # every move announced before the first is made
            _move_all(cwd, moves, op)
        earlier = state.splits.get(report.target.branch, [])
        report.stale = tuple(n for n in earlier if n not in report.names and n in existing)
        state.set_split(op, report.target.branch, list(report.names))
    return tuple(commits)


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


def resolve_target(manifest: Manifest | None, repo: git.RepoInfo, name: str, base: str | None, start: Path) -> Target:
    """What to split: an effort or a branch, through the one target resolver. The chunks are named
    after the branch, so HEAD means the branch checked out where wtorch runs."""
    if name == "HEAD":
        name = git.current_branch(start) or git.refs.resolve(start, "HEAD") or name
    (target,), _ = targets.measured(start, manifest, repo, names=(name,), base=base, command="split")
    return target
