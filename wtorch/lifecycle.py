"""Where every effort stands, derived from git each time (SPEC §3); state only adds what git cannot tell."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from wtorch import git, graph
from wtorch.manifest import Effort, Manifest
from wtorch.state import EffortRecord, State, StateStore

T = TypeVar("T")
R = TypeVar("R")

PLANNED, CREATED, ACTIVE, COMPLETE, DEFUNCT = "planned", "created", "active", "complete", "defunct"


def parallel_map(func: Callable[[T], R], items: Sequence[T], *, jobs: int = 8) -> list[R]:
    """Per-branch git work in a small thread pool (git runs as separate processes), order kept."""
    if len(items) <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(jobs, len(items))) as pool:
        return list(pool.map(func, items))


@dataclass(frozen=True)
class Facts:
    """Repository facts read in batches: one for-each-ref, one worktree list."""

    repo: git.RepoInfo
    branches: dict[str, git.BranchRef]
    worktrees: tuple[git.Worktree, ...]
    base_shas: tuple[str, ...]
    """project.base, locally and on the remote (when they differ): merged into either counts."""
    state: State
    remote_only: frozenset[str] = frozenset()
    """Branches seen only as remote-tracking refs (status --remote): they live on another machine."""

    @property
    def base_sha(self) -> str | None:
        return self.base_shas[0] if self.base_shas else None

    def worktree_of(self, branch: str) -> git.Worktree | None:
        """The worktree holding `branch`: checked out, or in the middle of rebasing it."""
        return next((w for w in self.worktrees if branch in (w.branch, w.rebasing)), None)

    def worktree_at(self, path: Path) -> git.Worktree | None:
        return next((w for w in self.worktrees if w.path == path), None)


def gather(manifest: Manifest, repo: git.RepoInfo, *, remotes: bool = False, remote_view: bool = False) -> Facts:
    """Facts for deriving states. With `remote_view`, an effort branch that exists only on the remote
    (someone else's machine) is read from its remote-tracking ref."""
    cwd = repo.main_worktree
    remote = manifest.project.remote
    branches = git.refs.branches(cwd, remotes=remotes or remote is not None)
    remote_only: set[str] = set()
    if remote_view and remote:
        for effort in manifest.efforts:
            tracking = branches.get(f"{remote}/{effort.branch}")
            if effort.branch not in branches and tracking is not None:
                branches[effort.branch] = tracking
                remote_only.add(effort.branch)
    # With a remote, completion is judged against the remote base too (SPEC §9): a merge done on
    # the shared remote counts even before the local base has caught up.
    candidates = [
        branches.get(manifest.project.base),
        branches.get(f"{remote}/{manifest.project.base}") if remote else None,
    ]
    shas = tuple(dict.fromkeys(ref.sha for ref in candidates if ref is not None))
    return Facts(
        repo=repo,
        branches=branches,
        worktrees=tuple(git.worktrees.list_worktrees(cwd)),
        base_shas=shas,
        state=StateStore(repo.common_dir).read(),
        remote_only=frozenset(remote_only),
    )


@dataclass(frozen=True)
class Derived:
    """What git says of one effort's branch, before dependencies are taken into account."""

    state: str
    branch: str
    sha: str | None
    merged_how: str | None = None


def branch_name(effort: Effort, record: EffortRecord | None) -> str:
    if record and record.mark == DEFUNCT and record.defunct_branch:
        return record.defunct_branch
    return effort.branch


def _derive_one(effort: Effort, facts: Facts) -> Derived:
    """planned / created / active / complete for one effort, against `project.base`."""
    record = facts.state.efforts.get(effort.id)
    name = branch_name(effort, record)
    ref = facts.branches.get(name)
    if record and record.mark == DEFUNCT:
        return Derived(DEFUNCT, name, ref.sha if ref else None, "marked")
    if record and record.mark == COMPLETE:
        return Derived(COMPLETE, name, ref.sha if ref else None, "marked")
    if ref is None:
        return Derived(PLANNED, name, None)
    merged = merged_into_base(facts, ref.sha, record, name)
    if merged:
        return Derived(COMPLETE, name, ref.sha, merged)
    return Derived(CREATED, name, ref.sha)  # created vs active is settled against the effective base later


def merged_into_base(facts: Facts, tip: str, record: EffortRecord | None, branch: str) -> str | None:
    """ "merged" (an ancestor of the base), "squash-merged" (its change is in the base), or None."""
    for base in facts.base_shas:
        how = _merged_into(facts.repo.main_worktree, tip, record, branch, base)
        if how:
            return how
    return None


def _merged_into(cwd: Path, tip: str, record: EffortRecord | None, branch: str, base: str) -> str | None:
    if git.refs.is_ancestor(cwd, tip, base):
        # A branch with no commits of its own is an ancestor too: only call it merged once it has
        # moved from where it was created (recorded, else the oldest entry of its reflog).
        created_on = record.base_commit if record and record.base_commit else git.refs.first_reflog_sha(cwd, branch)
        return "merged" if created_on is not None and tip != created_on else None
    fork = git.refs.merge_base(cwd, base, tip)
    if fork is None or git.refs.tree_of(cwd, tip) == git.refs.tree_of(cwd, fork):
        return None
    tree, _ = git.refs.merge_tree(cwd, base, tip)
    if tree is not None:
        return "squash-merged" if tree == git.refs.tree_of(cwd, base) else None
    # The base changed the same lines again after the squash: compare the whole change by patch-id.
    change = git.refs.patch_id(cwd, fork, tip)
    return "squash-merged" if change and change in git.refs.patch_ids_of_commits(cwd, fork, base) else None


@dataclass(frozen=True)
class Placement:
    """Where an effort builds from (SPEC §3): the base ref, or why it cannot start."""

    base: str | None
    blocked_by: tuple[str, ...]
    stacked_on: str | None = None


def place(effort: Effort, states: dict[str, Derived], project_base: str) -> Placement:
    incomplete = [d for d in effort.depends_on if states[d].state != COMPLETE]
    if not incomplete:
        return Placement(project_base, ())
    if len(incomplete) == 1:
        parent = states[incomplete[0]]
        if parent.state in (CREATED, ACTIVE):
            return Placement(parent.branch, (), stacked_on=incomplete[0])
    return Placement(None, tuple(incomplete))


@dataclass(frozen=True)
class View:
    """One effort as git shows it now: final state, where it builds from, how far it is from there."""

    effort: Effort
    state: str
    branch: str
    sha: str | None
    placement: Placement
    base: str
    """The ref it is measured against: the placement's base, else the one recorded at creation."""
    ahead: int | None = None
    behind: int | None = None
    merged_how: str | None = None


def _placements(
    manifest: Manifest, facts: Facts, *, only: set[str] | None = None, jobs: int = 8
) -> tuple[dict[str, Derived], dict[str, Placement]]:
    """States (the merge checks only for the efforts in `only`, when given) and placements."""
    base_ref = manifest.project.base

    def derive(effort: Effort) -> Derived:
        if only is None or effort.id in only:
            return _derive_one(effort, facts)
        name = branch_name(effort, facts.state.efforts.get(effort.id))
        ref = facts.branches.get(name)
        return Derived(CREATED if ref else PLANNED, name, ref.sha if ref else None)

    found = parallel_map(derive, list(manifest.efforts), jobs=jobs)
    states = {e.id: d for e, d in zip(manifest.efforts, found, strict=True)}
    by_id = {e.id: e for e in manifest.efforts}
    placements = {
        effort_id: place(by_id[effort_id], states, base_ref)
        for effort_id in graph.topological_order({e.id: e.depends_on for e in manifest.efforts})
    }
    return states, placements


def recorded_base(facts: Facts, record: EffortRecord | None, project_base: str) -> str:
    """The base an effort was created or last synced onto, while that branch still exists; else project.base."""
    if record and record.base_ref and record.base_ref in facts.branches:
        return record.base_ref
    return project_base


def derive_all(manifest: Manifest, facts: Facts, *, jobs: int = 8) -> dict[str, View]:
    """Every effort's state and placement, in manifest order; per-branch git work in parallel."""
    base_ref = manifest.project.base
    states, placements = _placements(manifest, facts, jobs=jobs)

    def measure(effort: Effort) -> View:
        derived = states[effort.id]
        placement = placements[effort.id]
        record = facts.state.efforts.get(effort.id)
        base = placement.base or recorded_base(facts, record, base_ref)
        if derived.sha is None or base not in facts.branches:
            return View(
                effort, derived.state, derived.branch, derived.sha, placement, base, merged_how=derived.merged_how
            )
        # By commit, not by name: in a remote view a name may stand for a remote-tracking ref.
        ahead, behind = git.refs.ahead_behind(facts.repo.main_worktree, facts.branches[base].sha, derived.sha)
        final = ACTIVE if derived.state == CREATED and ahead > 0 else derived.state
        return View(effort, final, derived.branch, derived.sha, placement, base, ahead, behind, derived.merged_how)

    views = parallel_map(measure, list(manifest.efforts), jobs=jobs)
    return {v.effort.id: v for v in views}


def effort_bases(manifest: Manifest, repo: git.RepoInfo) -> dict[str, str]:
    """Effort id -> the ref its branch is measured against (a stacked effort: its parent's branch).

    Only the dependencies' completeness matters here, so only they get the (costly) merge checks.
    """
    facts = gather(manifest, repo)
    parents = {d for e in manifest.efforts for d in e.depends_on}
    states, placements = _placements(manifest, facts, only=parents)
    bases = {}
    for effort in manifest.efforts:
        if states[effort.id].sha is None:
            continue
        record = facts.state.efforts.get(effort.id)
        bases[effort.id] = placements[effort.id].base or recorded_base(facts, record, manifest.project.base)
    return bases


def select(manifest: Manifest, *, wave: int | None = None, ids: Iterable[str] = ()) -> list[Effort]:
    """Efforts narrowed by wave and ids; unknown ones are a usage error listing the valid choices."""
    from wtorch.errors import UsageError

    chosen = list(manifest.efforts)
    if wave is not None:
        if wave not in manifest.wave_numbers():
            valid = ", ".join(map(str, manifest.wave_numbers())) or "none"
            raise UsageError(f"there is no wave {wave} in the manifest (waves: {valid})")
        chosen = [e for e in chosen if e.wave == wave]
    wanted = list(dict.fromkeys(ids))
    unknown = [i for i in wanted if manifest.effort(i) is None]
    if unknown:
        valid = ", ".join(e.id for e in manifest.efforts) or "none"
        raise UsageError(f"unknown effort {', '.join(repr(u) for u in unknown)} (efforts: {valid})")
    if wanted:
        chosen = [e for e in chosen if e.id in wanted]
    return chosen


def uncommitted(worktree: Path, main: Path, copies: Sequence[str]) -> list[str]:
    """The uncommitted changes of a worktree that are work: an untracked file that wtorch copied in
    (worktree.copy) and that is still identical to the main worktree's does not count."""
    import filecmp

    def copied(path: str) -> bool:
        inside = any(path == c.rstrip("/") or path.startswith(c.rstrip("/") + "/") for c in copies)
        source = main / path
        return inside and source.is_file() and filecmp.cmp(source, worktree / path, shallow=False)

    return [path for untracked, path in git.worktrees.changes(worktree) if not (untracked and copied(path))]
