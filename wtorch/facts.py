"""Repository facts read in batches (one for-each-ref, one worktree list), the ground every state stands on."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from wtorch import git
from wtorch.git.ancestry import Ancestry
from wtorch.manifest import Manifest
from wtorch.process import together
from wtorch.state import State


@dataclass(frozen=True)
class Facts:
    """What git says of the repository now, with the state file's copy the command holds."""

    repo: git.RepoInfo
    branches: dict[str, git.BranchRef]
    worktrees: tuple[git.Worktree, ...]
    base_shas: tuple[str, ...]
    """project.base, locally and on the remote (when they differ): merged into either counts."""
    state: State
    base_ref: str
    """What efforts on project.base are measured against: `<remote>/<base>` when it is ahead of the
    local base (what a pull request shows), else project.base."""
    ancestry: Ancestry = field(compare=False)
    """How commits relate (merge-base, ahead, behind): asked of git in batches, remembered by commit."""
    remote_only: frozenset[str] = frozenset()
    """Branches seen only as remote-tracking refs (status --remote): they live on another machine."""

    @property
    def base_sha(self) -> str | None:
        return self.base_shas[0] if self.base_shas else None

    def worktree_of(self, branch: str) -> git.Worktree | None:
        """The worktree holding `branch`: checked out, or in the middle of rebasing it."""
        return self._holders.get(branch)

    @cached_property
    def _holders(self) -> dict[str, git.Worktree]:
        """`git.worktrees.holding` for every branch at once (asked per effort, it made hundreds of
        efforts cost hundreds times hundreds of looks): the first worktree that holds it."""
        found: dict[str, git.Worktree] = {}
        for worktree in self.worktrees:
            for branch in (worktree.branch, worktree.rebasing):
                if branch is not None:
                    found.setdefault(branch, worktree)
        return found

    def worktree_at(self, path: Path) -> git.Worktree | None:
        return self._by_path.get(path)

    @cached_property
    def _by_path(self) -> dict[Path, git.Worktree]:
        """The worktrees by path (the first listed at each), indexed once like `_holders`."""
        found: dict[Path, git.Worktree] = {}
        for worktree in self.worktrees:
            found.setdefault(worktree.path, worktree)
        return found

    def with_tip(self, branch: str, sha: str) -> Facts:
        """These facts after `branch` moved to `sha` (sync, so what is stacked on it syncs onto the new tip)."""
        moved = dict(self.branches)
        moved[branch] = replace(moved[branch], sha=sha)
        after = replace(self, branches=moved)
        for index in ("_holders", "_by_path"):  # the same worktrees
            if index in self.__dict__:
                after.__dict__[index] = self.__dict__[index]
        return after


def gather(
    manifest: Manifest, repo: git.RepoInfo, state: State, *, remotes: bool = False, remote_view: bool = False
) -> Facts:
    """Facts for deriving states, with the state the command already holds. With `remote_view`, an effort
    branch that exists only on the remote (someone else's machine) is read from its remote-tracking ref."""
    cwd = repo.main_worktree
    remote = manifest.project.remote
    branches, worktrees = together(
        lambda: git.refs.branches(cwd, remotes=remotes or remote is not None),
        lambda: tuple(git.worktrees.list_worktrees(cwd)),
    )
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
    local, upstream = candidates
    ancestry = Ancestry(cwd)
    base_ref = manifest.project.base
    if upstream is not None and (local is None or ancestry.relation(upstream.sha, local.sha).contained):
        base_ref = upstream.name if local is None or local.sha != upstream.sha else base_ref
    return Facts(
        repo=repo,
        branches=branches,
        worktrees=worktrees,
        base_shas=shas,
        state=state,
        base_ref=base_ref,
        ancestry=ancestry,
        remote_only=frozenset(remote_only),
    )
