"""`wtorch split`: plan a stack of chunks under the budget, and with --apply build it (SPEC §8).

The planning is pure (wtorch.split); this module feeds it the counted change and file texts.
Building, checking and pushing the chunk branches is wtorch.commands.split_apply's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wtorch import git, split, targets
from wtorch.choices import CountMode, RunResult
from wtorch.commands.split_apply import apply_split, pull_requests, push_remote
from wtorch.commands.split_inputs import read_inputs
from wtorch.counting import CountedFile, LineCount, count_lines
from wtorch.errors import UsageError
from wtorch.manifest import Manifest
from wtorch.manifest.model import DEFAULT_SPLIT_TEMPLATE
from wtorch.manifest.templates import render
from wtorch.names import branch_name_problem
from wtorch.runner import RunOutcome
from wtorch.targets import Target


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
    remote: str | None = None
    """With --push: where the chunk branches are published."""
    pushed: tuple[str, ...] = ()
    """The chunk branches the push put on the remote, with upstream tracking."""
    push_error: str = ""
    """Why they are not all on the remote (the push failed, or a check did and nothing was pushed)."""

    @property
    def exit_code(self) -> int:
        return 1 if self.push_error or any(c.result is not RunResult.OK for c in self.checks) else 0

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
            "push": None,
        }
        if self.remote:
            done = self.pushed == self.names
            data["push"] = {
                "remote": self.remote,
                "branches": list(self.pushed),
                "error": self.push_error or None,
                "pull_requests": pull_requests(self) if done else [],
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
    push: bool = False,
    progress: Callable[[str], None] | None = None,
    argv: Sequence[str] = ("split", "--apply"),
) -> SplitReport:
    budget = targets.budget(manifest, max_lines)
    if check and not apply:
        raise UsageError("--check runs in the chunk branches, so it needs --apply")
    if push and not apply:
        raise UsageError("--push publishes the chunk branches, so it needs --apply")
    remote = push_remote(manifest, repo) if push else None
    cwd = repo.main_worktree
    counted = count_lines(
        cwd,
        base=target.base,
        branch=target.branch,
        count=targets.count_mode(manifest, count),
        exclude=targets.gate_config(manifest).exclude,
    )
    files = [_changed(f) for f in counted.files]
    inputs = read_inputs(cwd, counted, files, budget)
    facts = inputs.analysis
    plan = split.plan_split(files, facts.edges, max_lines=budget, understood=facts.understood, texts=inputs.cuttable)
    names = tuple(_chunk_name(manifest, target, n) for n in range(1, len(plan.chunks) + 1))
    report = SplitReport(target, counted, plan, names, remote=remote)
    if apply and plan.chunks:
        apply_split(repo, report, force=force, argv=argv, check=check, progress=progress)
    return report


def _changed(f: CountedFile) -> split.ChangedFile:
    return split.ChangedFile(
        path=f.path, status=f.status, lines=f.lines, old_path=f.old_path, excluded=f.excluded is not None
    )


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


def resolve_target(manifest: Manifest | None, repo: git.RepoInfo, name: str, base: str | None, start: Path) -> Target:
    """What to split: an effort or a branch, through the one target resolver. The chunks are named
    after the branch, so HEAD means the branch checked out where wtorch runs."""
    if name == "HEAD":
        name = git.current_branch(start) or git.refs.resolve(start, "HEAD") or name
    (target,), _ = targets.measured(start, manifest, repo, names=(name,), base=base, command="split")
    return target
