"""`wtorch status`: one row per effort, derived from git every time (SPEC §3, §5)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wtorch import git, targets, travel
from wtorch.choices import EffortState, MergedHow
from wtorch.counting import count_many
from wtorch.errors import UsageError
from wtorch.facts import Facts, gather
from wtorch.manifest import Effort, Manifest
from wtorch.process import parallel_map, together
from wtorch.safety import Hazard, uncommitted, worktree_problem
from wtorch.state import StateStore
from wtorch.states import View, branch_name, derive_all

_CONDITION = {
    Hazard.MISSING: "missing",
    Hazard.PRUNABLE: "prunable",
    Hazard.LOCKED: "locked",
}


@dataclass(frozen=True)
class EffortStatus:
    id: str
    wave: int
    title: str
    owner: str | None
    branch: str
    tip: str | None
    """The commit the branch points at (None before it exists)."""
    state: EffortState
    base: str
    stacked_on: str | None
    worktree: Path | None
    worktree_state: str
    """ok, none, missing, prunable, locked, detached, elsewhere, or the operation under way (rebase, merge)."""
    dirty: int | None
    ahead: int | None
    behind: int | None
    lines: int | None
    over: bool
    last_commit: str | None
    last_sync: str | None
    merged_how: MergedHow | None
    setup: str | None
    mark_reason: str | None
    split_into: tuple[str, ...]
    remote_ahead: int | None = None
    """With --remote: commits of the local branch not on `<remote>/<branch>` (None when either is missing)."""
    remote_behind: int | None = None
    """With --remote: commits of `<remote>/<branch>` not on the local branch (a colleague's work)."""


@dataclass(frozen=True)
class WaveStatus:
    number: int
    efforts: tuple[str, ...]
    done: int
    startable: bool
    blocked_by: tuple[str, ...]


@dataclass(frozen=True)
class StatusReport:
    max_lines: int
    efforts: tuple[EffortStatus, ...]
    waves: tuple[WaveStatus, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "max_lines": self.max_lines,
            "efforts": [
                {
                    "id": e.id,
                    "wave": e.wave,
                    "title": e.title,
                    "owner": e.owner,
                    "branch": e.branch,
                    "tip": e.tip,
                    "state": e.state,
                    "base": e.base,
                    "stacked_on": e.stacked_on,
                    "worktree": str(e.worktree) if e.worktree else None,
                    "worktree_state": e.worktree_state,
                    "dirty": e.dirty,
                    "ahead": e.ahead,
                    "behind": e.behind,
                    "lines": e.lines,
                    "over": e.over,
                    "last_commit": e.last_commit,
                    "last_sync": e.last_sync,
                    "merged_how": e.merged_how,
                    "setup": e.setup,
                    "mark_reason": e.mark_reason,
                    "split_into": list(e.split_into),
                    "remote_ahead": e.remote_ahead,
                    "remote_behind": e.remote_behind,
                }
                for e in self.efforts
            ],
            "waves": [
                {
                    "number": w.number,
                    "efforts": list(w.efforts),
                    "done": w.done,
                    "startable": w.startable,
                    "blocked_by": list(w.blocked_by),
                }
                for w in self.waves
            ],
        }


def run_status(
    manifest: Manifest, repo: git.RepoInfo, *, waves: Sequence[int] = (), remote: bool = False, worktrees: bool = True
) -> StatusReport:
    """Every effort's row; `worktrees=False` skips reading each worktree for uncommitted changes (the
    one per-effort git call status makes: `dirty` is then None)."""
    chosen = targets.select(manifest, waves=waves)
    if remote:
        if not manifest.project.remote:
            raise UsageError("--remote needs project.remote in the manifest")
        git.refs.fetch(repo.main_worktree, manifest.project.remote)
    state = StateStore(repo.common_dir).read(log=False)
    if remote and manifest.project.remote:
        travel.absorb(state, travel.read_remote(repo, manifest.project.remote)[0])  # in memory: status writes nothing
    facts = gather(manifest, repo, state, remote_view=remote)
    # The worktrees are read while the states are derived and the lines counted: the two share
    # nothing but the facts, and a hundred `git status` take longer than all the rest.
    holders = _holders(manifest, facts, chosen) if worktrees else []
    crowded = len(holders) >= (os.cpu_count() or 1)
    (views, lines), dirt = together(
        lambda: _views_and_lines(manifest, facts, chosen),
        lambda: dict(zip(holders, parallel_map(lambda p: _dirt(facts, manifest, p, crowded), holders), strict=True)),
    )
    rows = parallel_map(lambda e: _row(manifest, facts, views[e.id], lines.get(e.id), worktrees, dirt), chosen)
    if remote:
        rows = parallel_map(lambda row: _against_remote(facts, manifest.project.remote or "", row), rows)
    shown = [n for n in manifest.wave_numbers() if not waves or n in waves]
    return StatusReport(manifest.gate.max_lines, tuple(rows), tuple(_wave(manifest, views, n) for n in shown))


def _views_and_lines(
    manifest: Manifest, facts: Facts, chosen: Sequence[Effort]
) -> tuple[dict[str, View], dict[str, int]]:
    views = derive_all(manifest, facts)
    measured = [
        views[e.id]
        for e in chosen
        if views[e.id].sha is not None
        and views[e.id].state not in (EffortState.COMPLETE, EffortState.DEFUNCT, EffortState.PLANNED)
        and views[e.id].base in facts.branches
    ]
    counts = count_many(
        facts.repo.main_worktree,
        [(facts.branches[v.base].sha, v.sha or "") for v in measured],
        count=manifest.gate.count,
        exclude=manifest.gate.exclude,
    )
    return views, {v.effort.id: c.lines for v, c in zip(measured, counts, strict=True)}


def _holders(manifest: Manifest, facts: Facts, chosen: Sequence[Effort]) -> list[Path]:
    """The worktrees a row will read, known before the states are: each chosen effort's branch's
    holder, when it is there to read (the row decides again; a path it finds missing here it reads itself)."""
    found: dict[Path, None] = {}
    for effort in chosen:
        name = branch_name(effort, facts.state.efforts.get(effort.id))
        holder = facts.worktree_of(name) if name in facts.branches else None
        if holder is not None and holder.prunable is None and not holder.missing:
            found[holder.path] = None
    return list(found)


def _dirt(facts: Facts, manifest: Manifest, path: Path, crowded: bool = False) -> int:
    return len(uncommitted(path, facts.repo.main_worktree, manifest.worktree.copy, crowded=crowded))


def worktree_facts(facts: Facts, view: View) -> tuple[Path | None, str]:
    """Where the effort's worktree is, and its condition."""
    holder = facts.worktree_of(view.branch) if view.sha else None
    if holder is None and view.branch in facts.remote_only:
        return None, "on another machine"
    if holder is None:
        registered = facts.worktree_at(view.effort.worktree)
        if registered is not None and registered.detached:
            return registered.path, "detached"
        return None, "none"
    problem = worktree_problem(holder, main=facts.repo.main_worktree, allow={Hazard.MAIN, Hazard.DIRTY})
    if problem is not None and problem.hazard == Hazard.OPERATION:
        return holder.path, f"{problem.detail} in progress"
    if problem is not None:
        return holder.path, _CONDITION[problem.hazard]
    return holder.path, "ok" if holder.path == view.effort.worktree else "elsewhere"


def _against_remote(facts: Facts, remote: str, row: EffortStatus) -> EffortStatus:
    """Ahead/behind of the branch's remote copy (someone else pushing to the same branch shows as behind)."""
    tracking = facts.branches.get(f"{remote}/{row.branch}")
    if row.tip is None or tracking is None or row.branch in facts.remote_only:
        return row
    ahead, behind = git.refs.ahead_behind(facts.repo.main_worktree, tracking.sha, row.tip)
    return replace(row, remote_ahead=ahead, remote_behind=behind)


def _row(
    manifest: Manifest, facts: Facts, view: View, lines: int | None, look: bool, dirt: dict[Path, int]
) -> EffortStatus:
    effort = view.effort
    record = facts.state.efforts.get(effort.id)
    path, condition = worktree_facts(facts, view)
    usable = path is not None and condition not in ("missing", "prunable")
    dirty = None
    if look and usable and path is not None:
        dirty = dirt[path] if path in dirt else _dirt(facts, manifest, path)
    ref = facts.branches.get(view.branch)
    return EffortStatus(
        id=effort.id,
        wave=effort.wave,
        title=effort.title,
        owner=effort.owner,
        branch=view.branch,
        tip=view.sha,
        state=view.state,
        base=view.base,
        stacked_on=view.placement.stacked_on,
        worktree=path,
        worktree_state=condition,
        dirty=dirty,
        ahead=view.ahead,
        behind=view.behind,
        lines=lines,
        over=lines is not None and lines > manifest.gate.max_lines,
        last_commit=ref.committed if ref else None,
        last_sync=record.last_sync_at if record else None,
        merged_how=view.merged_how,
        setup=record.setup if record else None,
        mark_reason=record.mark_reason if record else None,
        split_into=tuple(facts.state.splits.get(view.branch, ())),
    )


def _wave(manifest: Manifest, views: dict[str, View], number: int) -> WaveStatus:
    members = [e for e in manifest.efforts if e.wave == number]
    ids = {e.id for e in members}
    outside = dict.fromkeys(d for e in members for d in e.depends_on if d not in ids)
    blocked_by = tuple(d for d in outside if views[d].state != EffortState.COMPLETE)
    # Startable: create-wave would accept every effort not yet made (complete parents, or one stacked parent).
    startable = all(views[e.id].sha is not None or views[e.id].placement.base is not None for e in members)
    done = sum(views[e.id].state == EffortState.COMPLETE for e in members)
    return WaveStatus(number, tuple(e.id for e in members), done, startable, blocked_by)
