"""`wtorch integrate N`: would wave N merge? Trial merges onto project.base that touch no worktree,
no index and no ref (SPEC §5); `--branch` writes the merged result, and only when all is clean.

Three questions, from cheap to costly:

1. **Alone**: does each branch merge onto the base? One `merge-tree` per branch.
2. **Pairs**: which two branches conflict, on which files? Each branch as merged onto the base
   becomes an unreferenced commit whose only parent is the base, so any two of them merge over
   exactly the base; a pair whose changes cannot meet (`TreeChange.may_meet`) is clean without a
   merge. Pairs that share commits beyond the base (a stacked child and its parent, two children of
   one parent), or where one branch does not merge alone, are merged branch against branch.
3. **In order**: base + e1, then + e2, ... parents first, each step a merge commit (previous result,
   effort tip); the first effort that fails is named. `--branch` points a new branch at the last one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from wtorch import git, graph, targets
from wtorch.choices import EffortState, MergedHow
from wtorch.errors import EXIT_CHECK_FAILED, EXIT_OK, UsageError
from wtorch.facts import Facts, gather
from wtorch.git import trial
from wtorch.manifest import Effort, Manifest
from wtorch.names import branch_name_problem
from wtorch.process import parallel_map
from wtorch.state import IntegrationRecord, RefMove, StateStore, now
from wtorch.states import View, branch_name, derive_all


class PairVia(StrEnum):
    """How a pair was merged."""

    BASE = "base"
    """each branch merged onto the base first, then the two results over the base"""
    BRANCHES = "branches"
    """branch against branch at their own merge base: they share commits beyond the base, or one
    of them does not merge onto the base alone"""


@dataclass(frozen=True)
class Member:
    """A branch that is merged: an effort of the wave, or the unfinished parent one is stacked on."""

    id: str
    branch: str
    tip: str
    wave: int
    brought_in_by: str | None = None
    stacked_on: str | None = None
    """The unfinished parent it builds on (SPEC §3), when it is stacked."""
    alone: tuple[str, ...] = ()
    """The files that conflict when this branch alone is merged onto the base (none: it merges)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "branch": self.branch,
            "tip": self.tip,
            "wave": self.wave,
            "brought_in_by": self.brought_in_by,
            "stacked_on": self.stacked_on,
            "alone": {"merges": not self.alone, "files": list(self.alone)},
        }


@dataclass(frozen=True)
class Skipped:
    id: str
    branch: str
    why: str


@dataclass(frozen=True)
class PairConflict:
    efforts: tuple[str, str]
    files: tuple[str, ...]
    via: PairVia

    def to_json(self) -> dict[str, Any]:
        return {"efforts": list(self.efforts), "files": list(self.files), "via": self.via}


@dataclass(frozen=True)
class InOrder:
    """The whole wave merged in dependency order: the merge commit of every step that merged."""

    commits: tuple[str, ...]
    failed_at: str | None = None
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """What the trial merges found."""

    members: tuple[Member, ...]
    """In dependency order: the order of the in-order merge and of the matrix."""
    pairs: tuple[PairConflict, ...]
    """The conflicting pairs only."""
    pairs_merged: int
    pairs_disjoint: int
    """Pairs found clean without a merge: their changes cannot meet (see `TreeChange.may_meet`)."""
    in_order: InOrder


@dataclass(frozen=True)
class IntegrateReport:
    wave: int
    base: str
    base_commit: str
    skipped: tuple[Skipped, ...]
    verdict: Verdict
    branch: str | None = None
    """--branch as asked for."""
    commit: str | None = None
    """The commit the branch was written at; None when it was not written."""

    @property
    def clean(self) -> bool:
        return not self.verdict.pairs and self.verdict.in_order.failed_at is None

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.clean else EXIT_CHECK_FAILED

    def to_json(self) -> dict[str, Any]:
        v = self.verdict
        return {
            "schema": 1,
            "wave": self.wave,
            "base": self.base,
            "base_commit": self.base_commit,
            "efforts": [m.to_json() for m in v.members],
            "skipped": [asdict(s) for s in self.skipped],
            "pairs": [p.to_json() for p in v.pairs],
            "pairs_merged": v.pairs_merged,
            "pairs_disjoint": v.pairs_disjoint,
            "merges_in_order": v.in_order.failed_at is None,
            "failed_at": v.in_order.failed_at,
            "failed_files": list(v.in_order.files),
            "branch": self.branch,
            "commit": self.commit,
        }


def run_integrate(
    manifest: Manifest,
    repo: git.RepoInfo,
    wave: int,
    *,
    branch: str | None = None,
    argv: Sequence[str] = ("integrate",),
) -> IntegrateReport:
    """Trial-merge wave `wave` onto project.base; with `branch`, write the result when it is clean."""
    targets.check_waves(manifest, [wave])
    if branch is not None and (problem := branch_name_problem(branch)) is not None:
        raise UsageError(f"--branch {branch!r} is not a valid branch name: {problem}")
    cwd = repo.main_worktree
    with StateStore(repo.common_dir).operation(argv) as (state, op):
        if branch is not None:
            _check_free(cwd, branch)
        facts = gather(manifest, repo, state)
        base, base_commit = _base(manifest, facts)
        base_tree = git.refs.tree_of(cwd, base_commit)
        members, trees, skipped = _Cast(manifest, facts, base, base_commit, base_tree).members(manifest.in_wave(wave))
        verdict = _Trial(cwd, base_commit, base_tree, scratch=branch is None).run(members, trees)
        report = IntegrateReport(wave, base, base_commit, tuple(skipped), verdict, branch)
        if branch is not None and report.clean and verdict.in_order.commits:
            commit = verdict.in_order.commits[-1]
            ref = f"refs/heads/{branch}"
            try:
                git.refs.update_ref(cwd, ref, commit, None, message=f"wtorch integrate {wave}")
            finally:  # interrupted just as git made the branch: it is logged all the same, for undo
                if git.refs.resolve(cwd, ref) == commit:
                    op.refs.append(RefMove(ref, None, commit))
            report = replace(report, commit=commit)
        state.integrations[wave] = IntegrationRecord(
            wave=wave,
            at=now(),
            base=base_commit,
            tips={m.id: m.tip for m in verdict.members},
            conflicts=[list(p.efforts) for p in verdict.pairs],
            merges_in_order=verdict.in_order.failed_at is None,
            failed_at=verdict.in_order.failed_at,
        )
    return report


def _check_free(cwd: Path, branch: str) -> None:
    """--branch must name a new branch, and one git can create beside the existing ones."""
    existing = git.refs.branches(cwd)
    if branch in existing:
        raise UsageError(f"branch {branch} already exists: name a new branch, or delete that one first")
    clash = next((b for b in existing if b.startswith(branch + "/") or branch.startswith(b + "/")), None)
    if clash is not None:
        raise UsageError(f"branch {branch} cannot be created beside the existing branch {clash}: name another")


def _base(manifest: Manifest, facts: Facts) -> tuple[str, str]:
    """Where the wave would be merged, as a name and a commit: what the efforts are measured against
    (`facts.base_ref`: `<remote>/<base>` when it is ahead of the local base; integrate does not fetch)."""
    ref = facts.branches.get(facts.base_ref)
    if ref is None:
        raise UsageError(f"project.base {manifest.project.base} does not exist: there is nothing to merge onto")
    return facts.base_ref, ref.sha


Alone = dict[str, tuple[str | None, list[str]]]
"""Effort id -> its branch merged alone onto the base: (tree, []) or (None, conflicting files)."""


@dataclass(frozen=True)
class _Cast:
    """Who is merged: the wave's efforts with changes of their own, and the unfinished parents they
    are stacked on; and why each other effort of the wave is left out.

    States come from `derive_all`, except for one costly part of it spared where the answer is
    already known: an effort with a branch, no mark and no recorded completion, whose merge onto
    the base is clean and changes the base, is not complete (merged, squash- or rebase-merged
    branches change nothing, or conflict), so it is active when it has commits of its own. Every
    other effort of the wave, and everything it builds on, is derived in full; with the base both
    local and on the remote at different commits, every effort is.
    """

    manifest: Manifest
    facts: Facts
    base: str
    base_commit: str
    base_tree: str

    @property
    def cwd(self) -> Path:
        return self.facts.repo.main_worktree

    def members(self, efforts: list[Effort]) -> tuple[list[Member], dict[str, str | None], list[Skipped]]:
        """Members in dependency order, each one's merge onto the base (tree or None) by id, and who is left out."""
        plain = {e.id: tip for e in efforts if (tip := self.tip(e)) is not None and not self.marked(e)}
        alone = self.merge_alone(plain)
        twice = len(self.facts.base_shas) > 1
        sure = {i for i in plain if not twice and alone[i][0] not in (None, self.base_tree)}
        needed = graph.ancestors({e.id: e.depends_on for e in self.manifest.efforts})
        derived = {d for e in efforts for d in needed[e.id]} | {e.id for e in efforts if e.id not in sure}
        narrowed = replace(self.manifest, efforts=tuple(e for e in self.manifest.efforts if e.id in derived))
        views = derive_all(narrowed, self.facts)
        chosen, skipped = self.own(efforts, views, sure)
        for member in list(chosen.values()):
            parent = member.stacked_on
            while parent is not None and parent not in chosen:
                up = views[parent]
                if up.state == EffortState.ACTIVE:  # a parent with no commits of its own adds nothing
                    stacked = up.placement.stacked_on
                    chosen[parent] = Member(parent, up.branch, up.sha or "", up.effort.wave, member.id, stacked)
                parent = up.placement.stacked_on
        alone |= self.merge_alone({i: m.tip for i, m in chosen.items() if i not in alone})
        deps = {e.id: tuple(d for d in e.depends_on if d in chosen) for e in self.manifest.efforts if e.id in chosen}
        ordered = [replace(chosen[i], alone=tuple(alone[i][1])) for i in graph.topological_order(deps)]
        return ordered, {m.id: alone[m.id][0] for m in ordered}, skipped

    def tip(self, effort: Effort) -> str | None:
        ref = self.facts.branches.get(branch_name(effort, self.facts.state.efforts.get(effort.id)))
        return ref.sha if ref else None

    def marked(self, effort: Effort) -> bool:
        """Marked complete or defunct, or its completion recorded: `derive_all` has the last word."""
        record = self.facts.state.efforts.get(effort.id)
        return record is not None and (record.mark is not None or record.completed is not None)

    def own(
        self, efforts: list[Effort], views: dict[str, View], sure: set[str]
    ) -> tuple[dict[str, Member], list[Skipped]]:
        """The wave's own members, and the efforts left out with why (in manifest order)."""
        chosen, skipped = {}, []
        for effort in efforts:
            if effort.id in sure:
                branch = branch_name(effort, self.facts.state.efforts.get(effort.id))
                tip, parent = self.tip(effort) or "", self.stacked_on(effort, views)
                held = parent is not None and git.refs.is_ancestor(self.cwd, tip, views[parent].sha or "")
                why = f"nothing to merge: no change beyond {views[parent].branch} yet" if parent and held else None
            else:
                view = views[effort.id]
                tip, branch, parent, why = view.sha or "", view.branch, view.placement.stacked_on, _left_out(view)
            if why is None:
                chosen[effort.id] = Member(effort.id, branch, tip, effort.wave, stacked_on=parent)
            else:
                skipped.append(Skipped(effort.id, branch, why))
        return chosen, skipped

    def stacked_on(self, effort: Effort, views: dict[str, View]) -> str | None:
        """The unfinished parent an effort builds on (SPEC §3), placed as `derive_all` places it: a
        parent can be stacked on while it has a branch and is neither complete nor defunct."""
        complete = {d: views[d].state == EffortState.COMPLETE for d in effort.depends_on}
        started = {d: views[d].branch if views[d].state in _STARTED else None for d in effort.depends_on}
        return graph.place(effort.depends_on, complete, started, self.facts.base_ref).stacked_on

    def merge_alone(self, tips: dict[str, str]) -> Alone:
        """Each branch merged alone onto the base, by effort id."""
        found = parallel_map(lambda tip: trial.merge(self.cwd, self.base_commit, tip), list(tips.values()))
        return dict(zip(tips, found, strict=True))


_STARTED = (EffortState.CREATED, EffortState.ACTIVE)


def _left_out(view: View) -> str | None:
    """Why an effort of the wave is not merged, or None when it is."""
    if view.state == EffortState.COMPLETE and view.merged_how == MergedHow.MARKED:
        return "complete: marked with `wtorch complete`, not merged"
    if view.state == EffortState.COMPLETE:
        return f"complete: already {view.merged_how or MergedHow.MERGED} into {view.base}"
    if view.state == EffortState.DEFUNCT:
        return "defunct: not merged"
    if view.state == EffortState.MISSING:
        return f"missing: branch {view.branch} was deleted but the effort is not complete: nothing to merge"
    if view.state == EffortState.PLANNED:
        return f"planned: no branch yet (`wtorch create-wave {view.effort.wave}` creates it)"
    if view.state == EffortState.CREATED:
        return f"nothing to merge: no change beyond {view.base} yet"
    return None


@dataclass(frozen=True)
class _Trial:
    cwd: Path
    base: str
    base_tree: str
    scratch: bool
    """True when nothing will be written: the in-order commits are wtorch's, not the user's."""

    def run(self, members: list[Member], trees: dict[str, str | None]) -> Verdict:
        conflicts, merged, disjoint = self.pairs(members, trees)
        return Verdict(tuple(members), tuple(conflicts), merged, disjoint, self.in_order(members, trees))

    def pairs(self, members: list[Member], trees: dict[str, str | None]) -> tuple[list[PairConflict], int, int]:
        """The conflicting pairs, how many pairs were merged, and how many were clean without a merge."""
        history = trial.histories(self.cwd, self.base, [m.tip for m in members])
        landed = [m.id for m in members if trees[m.id] is not None]
        found = trial.changes(self.cwd, self.base_tree, [trees[i] or "" for i in landed])
        changes = dict(zip(landed, found, strict=True))
        jobs: list[tuple[Member, Member, PairVia]] = []
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if history[a.tip].commits & history[b.tip].commits or a.id not in changes or b.id not in changes:
                    jobs.append((a, b, PairVia.BRANCHES))
                elif changes[a.id].may_meet(changes[b.id]):
                    jobs.append((a, b, PairVia.BASE))
        disjoint = len(members) * (len(members) - 1) // 2 - len(jobs)
        needed = list(dict.fromkeys(m.id for a, b, via in jobs if via == PairVia.BASE for m in (a, b)))
        tips = {m.id: m.tip for m in members}
        # A tip that holds the base already is its own merge onto it; the others get a commit on the base.
        behind = [i for i in needed if not history[tips[i]].on_base]
        onto_base = tips | dict(zip(behind, parallel_map(lambda i: self.land(i, trees[i] or ""), behind), strict=True))

        def merge(job: tuple[Member, Member, PairVia]) -> list[str]:
            a, b, via = job
            ours, theirs = (onto_base[a.id], onto_base[b.id]) if via == PairVia.BASE else (a.tip, b.tip)
            return trial.merge(self.cwd, ours, theirs)[1]

        results = parallel_map(merge, jobs)
        conflicts = [
            PairConflict((a.id, b.id), tuple(f), via) for (a, b, via), f in zip(jobs, results, strict=True) if f
        ]
        return conflicts, len(jobs), disjoint

    def land(self, effort: str, tree: str) -> str:
        """The effort as merged onto the base, as a commit whose only parent is the base."""
        return trial.commit_merge(self.cwd, tree, [self.base], f"wtorch trial: {effort} onto the base", scratch=True)

    def in_order(self, members: list[Member], trees: dict[str, str | None]) -> InOrder:
        """base + e1, then + e2, ...: one merge commit per effort (previous result, the effort's tip)."""
        commits: list[str] = []
        previous = self.base
        for n, m in enumerate(members):
            # The first step is the merge of that branch alone onto the base: already done.
            tree, files = (trees[m.id], list(m.alone)) if n == 0 else trial.merge(self.cwd, previous, m.tip)
            if tree is None:
                return InOrder(tuple(commits), m.id, tuple(files))
            message = f"Merge effort {m.id} ({m.branch})"
            previous = trial.commit_merge(self.cwd, tree, [previous, m.tip], message, scratch=self.scratch)
            commits.append(previous)
        return InOrder(tuple(commits))
