"""The git gateway: the only package that runs git."""

from wtorch.git import diff, refs, worktrees
from wtorch.git.core import run
from wtorch.git.refs import BranchRef
from wtorch.git.repo import RepoInfo, current_branch, discover
from wtorch.git.worktrees import Worktree

__all__ = [
    "BranchRef",
    "RepoInfo",
    "Worktree",
    "current_branch",
    "diff",
    "discover",
    "refs",
    "run",
    "worktrees",
]
