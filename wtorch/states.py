"""Where every effort stands, derived from the batched facts each time (SPEC §3).

The state file only adds what git cannot tell: explicit marks and the base each branch was made on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from wtorch import git, graph
from wtorch.choices import EffortState, Mark, MergedHow
from wtorch.facts import Facts
from wtorch.manifest import Effort, Manifest
from wtorch.process import parallel_map, together
from wtorch.state import EffortRecord


@dataclass(frozen=True)
class Derived:
    """What git says of one effort's branch, before dependencies are taken into account."""

    state: EffortState
    branch: str
    sha: str | None
    merged_how: MergedHow | None = None


def branch_name(effort: Effort, record: EffortRecord | None) -> str:
    """The effort's branch: its template name, or the name `defunct` gave it."""
    if record and record.mark == Mark.DEFUNCT and record.defunct_branch:
        return record.defunct_branch
    return effort.branch


class Evidence:
    """What the batched facts already settle about each branch tip against each base, before any
    per-branch git call: how they relate (ancestry), and whether the tip's change could be in the
    base at all. A squash-, rebase- or cherry-pick merge puts every path the branch changed into
    the base's history after the merge-base; a tip whose change has a path no commit of the base
    touched since is not merged by any of them, so its costly checks are skipped."""

    def __init__(self, facts: Facts, tips: Sequence[str]) -> None:
        cwd, ancestry = facts.repo.main_worktree, facts.ancestry
        pairs = [(base, tip) for base in facts.base_shas for tip in dict.fromkeys(tips)]
        ancestry.prefetch(pairs)
        relations = {pair: ancestry.relation(*pair) for pair in pairs}
        open_ = [(b, t, r.merge_base) for (b, t), r in relations.items() if not r.contained and r.merge_base]
        # A base still at the merge-base (the tip holds it: up to date) has no commit since that
        # could hold the change: no look at the tip's paths is needed to say so.
        self._possible = {(base, tip): False for base, tip, fork in open_ if fork == base}
        open_ = [(base, tip, fork) for base, tip, fork in open_ if fork != base]
        if not open_:
            return
        forks = list(dict.fromkeys((fork, base) for base, _, fork in open_))
        # The tips' changed paths, and beside them what each base touched since its merge-base.
        changed, touching = together(
            lambda: git.diff.changed_paths_many(cwd, [(fork, tip) for _, tip, fork in open_]),
            lambda: parallel_map(lambda fb: git.diff.touched_paths(cwd, *fb), forks),
        )
        touched = dict(zip(forks, touching, strict=True))
        self._possible |= {
            (base, tip): bool(paths) and paths <= touched[fork, base]
            for (base, tip, fork), paths in zip(open_, changed, strict=True)
        }

    def may_be_merged(self, base: str, tip: str) -> bool:
        """False when the batched facts prove `tip`'s change is not in `base` (True when they cannot tell)."""
        return self._possible.get((base, tip), True)


def _derive_one(effort: Effort, facts: Facts, evidence: Evidence) -> Derived:
    """planned / created / complete / defunct for one effort, against `project.base`."""
    record = facts.state.efforts.get(effort.id)
    name = branch_name(effort, record)
    ref = facts.branches.get(name)
    sha = ref.sha if ref else None
    if record and record.mark is not None:
        return Derived(EffortState(record.mark), name, sha, MergedHow.MARKED)
    if sha is None:
        return _without_branch(facts, name, record, evidence)
    if record and record.completed and record.tip and git.refs.is_ancestor(facts.repo.main_worktree, sha, record.tip):
        # Completion recorded (here, or on another machine that deleted its copy of the branch), and the
        # branch has no work beyond what was completed (an older copy, say on the remote, counts too).
        return Derived(EffortState.COMPLETE, name, sha, MergedHow(record.completed))
    merged = merged_into_base(facts, sha, record, name, evidence)
    if merged:
        return Derived(EffortState.COMPLETE, name, sha, merged)
    return Derived(EffortState.CREATED, name, sha)  # created vs active is settled against the effective base later


def _without_branch(facts: Facts, name: str, record: EffortRecord | None, evidence: Evidence) -> Derived:
    """No branch: planned, unless wtorch made one. Then it was merged (recorded when wtorch deleted
    it, or still derivable: its last known tip is in the base, or a merge commit names it), or it is
    missing — gone without being complete."""
    if record is not None and record.completed:
        return Derived(EffortState.COMPLETE, name, None, MergedHow(record.completed))
    if record is None or record.branch is None:
        return Derived(EffortState.PLANNED, name, None)
    cwd = facts.repo.main_worktree
    tip = record.tip
    if tip and tip != record.base_commit and git.refs.commit_exists(cwd, tip):
        merged = merged_into_base(facts, tip, record, name, evidence)
        if merged:
            return Derived(EffortState.COMPLETE, name, None, merged)
    named = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w./-])")
    for base in facts.base_shas:
        if any(named.search(subject) for subject in git.refs.merge_subjects(cwd, base)):
            return Derived(EffortState.COMPLETE, name, None, MergedHow.MERGED)
    return Derived(EffortState.MISSING, name, None)


def merged_into_base(
    facts: Facts, tip: str, record: EffortRecord | None, branch: str, evidence: Evidence
) -> MergedHow | None:
    """Merged (an ancestor of the base), squash-merged (its change is in the base), or None."""
    for base in facts.base_shas:
        if not evidence.may_be_merged(base, tip):
            continue
        how = _merged_into(facts, tip, record, branch, base)
        if how:
            return how
    return None


def _merged_into(facts: Facts, tip: str, record: EffortRecord | None, branch: str, base: str) -> MergedHow | None:
    cwd = facts.repo.main_worktree
    relation = facts.ancestry.relation(base, tip)
    if relation.contained:
        # A branch with no commits of its own is an ancestor too: only call it merged once it has
        # moved from where it was created (recorded, else the oldest entry of its reflog).
        created_on = record.base_commit if record and record.base_commit else git.refs.first_reflog_sha(cwd, branch)
        return MergedHow.MERGED if created_on is not None and tip != created_on else None
    fork = relation.merge_base
    if fork is None or git.refs.tree_of(cwd, tip) == git.refs.tree_of(cwd, fork):
        return None
    tree, _ = git.refs.merge_tree(cwd, base, tip)
    if tree is not None:
        return MergedHow.SQUASH_MERGED if tree == git.refs.tree_of(cwd, base) else None
    # The base changed the same lines again after the squash: compare the whole change by patch-id,
    # then commit by commit (rebase-merged or cherry-picked, then edited).
    change = git.refs.patch_id(cwd, fork, tip)
    if change and change in git.refs.patch_ids_of_commits(cwd, fork, base):
        return MergedHow.SQUASH_MERGED
    return MergedHow.REBASE_MERGED if git.refs.all_commits_applied(cwd, base, tip) else None


@dataclass(frozen=True)
class View:
    """One effort as git shows it now: final state, where it builds from, how far it is from there."""

    effort: Effort
    state: EffortState
    branch: str
    sha: str | None
    placement: graph.Placement
    base: str
    """The ref it is measured against: the placement's base, else the one recorded at creation."""
    ahead: int | None = None
    behind: int | None = None
    merged_how: MergedHow | None = None


def _placements(
    manifest: Manifest, facts: Facts, *, only: set[str] | None = None
) -> tuple[dict[str, Derived], dict[str, graph.Placement]]:
    """States (the merge checks only for the efforts in `only`, when given) and placements."""

    checked = [e for e in manifest.efforts if only is None or e.id in only]
    tips = [ref.sha for e in checked if (ref := facts.branches.get(branch_name(e, facts.state.efforts.get(e.id))))]
    evidence = Evidence(facts, tips)

    def derive(effort: Effort) -> Derived:
        if only is None or effort.id in only:
            return _derive_one(effort, facts, evidence)
        name = branch_name(effort, facts.state.efforts.get(effort.id))
        ref = facts.branches.get(name)
        return Derived(EffortState.CREATED if ref else EffortState.PLANNED, name, ref.sha if ref else None)

    found = parallel_map(derive, list(manifest.efforts), jobs=8)
    states = {e.id: d for e, d in zip(manifest.efforts, found, strict=True)}
    complete = {i: d.state == EffortState.COMPLETE for i, d in states.items()}
    # A parent can be stacked on once it has a branch that is neither complete nor defunct.
    started = {i: d.branch if d.state == EffortState.CREATED else None for i, d in states.items()}
    placements = {e.id: graph.place(e.depends_on, complete, started, facts.base_ref) for e in manifest.efforts}
    return states, placements


def recorded_base(facts: Facts, record: EffortRecord | None) -> str:
    """The base an effort was created or last synced onto, while that branch still exists; else the base."""
    if record and record.base_ref and record.base_ref in facts.branches:
        return record.base_ref
    return facts.base_ref


def derive_all(manifest: Manifest, facts: Facts) -> dict[str, View]:
    """Every effort's state and placement, in manifest order; per-branch git work in parallel."""
    states, placements = _placements(manifest, facts)
    bases = _bases(manifest, facts, placements)
    facts.ancestry.prefetch(
        (facts.branches[bases[i]].sha, d.sha) for i, d in states.items() if d.sha and bases[i] in facts.branches
    )

    def measure(effort: Effort) -> View:
        derived = states[effort.id]
        placement = placements[effort.id]
        base = bases[effort.id]
        if derived.sha is None or base not in facts.branches:
            return View(
                effort, derived.state, derived.branch, derived.sha, placement, base, merged_how=derived.merged_how
            )
        # By commit, not by name: in a remote view a name may stand for a remote-tracking ref.
        relation = facts.ancestry.relation(facts.branches[base].sha, derived.sha)
        ahead, behind = relation.ahead, relation.behind
        final = EffortState.ACTIVE if derived.state == EffortState.CREATED and ahead > 0 else derived.state
        return View(effort, final, derived.branch, derived.sha, placement, base, ahead, behind, derived.merged_how)

    # No git call is left per effort (the prefetch above answered them all): a plain loop.
    return {e.id: measure(e) for e in manifest.efforts}


def _bases(manifest: Manifest, facts: Facts, placements: dict[str, graph.Placement]) -> dict[str, str]:
    """Effort id -> what its branch is measured against: its placement's base, else the base recorded
    at creation or the last sync."""
    return {
        e.id: placements[e.id].base or recorded_base(facts, facts.state.efforts.get(e.id)) for e in manifest.efforts
    }


def effort_bases(manifest: Manifest, facts: Facts) -> dict[str, str]:
    """Effort id -> the ref its branch is measured against (a stacked effort: its parent's branch).

    Only the dependencies' completeness matters here, so only they get the (costly) merge checks.
    """
    parents = {d for e in manifest.efforts for d in e.depends_on}
    states, placements = _placements(manifest, facts, only=parents)
    return {i: base for i, base in _bases(manifest, facts, placements).items() if states[i].sha is not None}
