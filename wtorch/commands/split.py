"""`wtorch split`: plan a stack of chunks under the budget, and with --apply build it (SPEC §8).

The planning is pure (wtorch.split); this module feeds it the counted change and file texts,
and builds the chunk commits with a private index, so no worktree is ever touched.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wtorch import git, split, targets
from wtorch.choices import CountMode
from wtorch.counting import CountedFile, LineCount, count_lines
from wtorch.errors import GitError, UsageError, WtorchError
from wtorch.git.diff import read_heads
from wtorch.git.plumbing import TreeEntry, add_detached_worktree, commit_tree, private_index, tree_entries
from wtorch.manifest import Manifest
from wtorch.manifest.model import DEFAULT_SPLIT_TEMPLATE
from wtorch.manifest.templates import render
from wtorch.names import branch_name_problem
from wtorch.process import ProcessResult
from wtorch.runner import run_command
from wtorch.state import RefMove, StateStore
from wtorch.targets import Target

TEXT_LIMIT = 1 << 20  # files larger than this are not scanned for imports


@dataclass
class SplitReport:
    target: Target
    count: LineCount
    plan: split.SplitPlan
    names: tuple[str, ...]
    applied: tuple[str, ...] = ()
    """Commits of the chunk branches, when --apply made them."""
    checks: list[ProcessResult] = field(default_factory=list)
    stale: tuple[str, ...] = ()
    """Chunk branches of an earlier split of this branch that this one no longer has (kept, not deleted)."""

    @property
    def exit_code(self) -> int:
        return 1 if any(not c.ok for c in self.checks) else 0

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
                chunk["check"] = {"command": check.command, "returncode": check.returncode, "ok": check.ok}
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
    edges = _edges(cwd, counted, files)
    plan = split.plan_split(files, edges, max_lines=budget)
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


def _edges(cwd: Path, counted: LineCount, files: list[split.ChangedFile]) -> list[split.Edge]:
    """Import edges among the changed files, from their texts at the tip and at the merge-base."""
    tip_entries = tree_entries(cwd, counted.tip)
    new_paths = [f.path for f in files if f.status != "D" and f.path in tip_entries]
    old_paths = [f.old_path or f.path for f in files if f.status in ("M", "D", "R", "T")]
    new_text = _texts(cwd, counted.tip, new_paths)
    old_text = _texts(cwd, counted.merge_base, old_paths)
    go_mod = _texts(cwd, counted.tip, ["go.mod"]).get("go.mod", "") if "go.mod" in tip_entries else ""
    module = re.search(r"^module\s+(\S+)", go_mod, re.MULTILINE)
    return split.find_edges(
        files,
        new_text=new_text,
        old_text=old_text,
        repo_paths=frozenset(tip_entries),
        go_module=module.group(1) if module else None,
    )


def _texts(cwd: Path, rev: str, paths: list[str]) -> dict[str, str]:
    blobs = read_heads(cwd, [f"{rev}:{p}" for p in paths], limit=TEXT_LIMIT)
    texts = {}
    for path, blob in zip(paths, blobs, strict=True):
        if blob is not None and b"\0" not in blob.head[:8000]:
            texts[path] = blob.head.decode("utf-8", "replace")
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
    existing = git.refs.branches(cwd)
    taken = [name for name in report.names if name in existing]
    if taken and not force:
        raise UsageError(f"split branches already exist: {', '.join(taken)}; --force replaces them")
    worktrees = git.worktrees.list_worktrees(cwd)
    held = [(n, w.path) for n in taken for w in worktrees if n in (w.branch, w.rebasing)]
    if held:
        # Even --force never moves a branch out from under a worktree (its files would not follow).
        where = ", ".join(f"{name} in {path}" for name, path in held)
        raise UsageError(f"split branches are checked out ({where}); switch those worktrees away first")
    commits = _build_commits(cwd, repo.common_dir, report)
    tip_tree = git.refs.tree_of(cwd, report.count.tip)
    if git.refs.tree_of(cwd, commits[-1]) != tip_tree:
        # Nothing was created yet: the commits are unreachable and git gc takes them.
        raise WtorchError(
            f"the last chunk's tree differs from {report.target.branch}'s tree; no split branch was created"
        )
    with StateStore(repo.common_dir).operation(argv) as (state, op):
        made: list[tuple[str, str]] = []
        try:
            for name, commit in zip(report.names, commits, strict=True):
                old = existing[name].sha if name in existing else None
                git.refs.update_ref(cwd, f"refs/heads/{name}", commit, old, message="wtorch: split --apply")
                op.refs.append(RefMove(f"refs/heads/{name}", old, commit))
                made.append((name, commit))
        except GitError:
            for name, commit in made:  # take back what this run made
                git.refs.delete_ref(cwd, f"refs/heads/{name}", commit, message="wtorch: split rollback")
            op.refs.clear()
            raise
        earlier = state.splits.get(report.target.branch, [])
        report.stale = tuple(n for n in earlier if n not in report.names and n in existing)
        state.set_split(op, report.target.branch, list(report.names))
    return tuple(commits)


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
            for path in chunk.files:
                changed = by_path[path]
                if changed.old_path and changed.status.startswith("R"):
                    removals.append(changed.old_path)
                if path in tip:
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
) -> list[ProcessResult]:
    """Run `command` in a temporary worktree at every chunk, then remove the worktrees."""
    cwd = repo.main_worktree
    results = []
    scratch = Path(tempfile.mkdtemp(prefix="wtorch-check-"))
    try:
        for name, commit in zip(report.names, report.applied, strict=True):
            if progress:
                progress(name)
            path = scratch / name.replace("/", "_")
            add_detached_worktree(cwd, path, commit)
            try:
                results.append(run_command(command, path))
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
