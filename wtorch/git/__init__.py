"""The git gateway: the only package that imports GitPython or runs git."""

from wtorch.git import refs, worktrees
from wtorch.git.core import Result, run, scrub_environment
from wtorch.git.refs import BranchRef
from wtorch.git.repo import RepoInfo, current_branch, discover
from wtorch.git.worktrees import Worktree

__all__ = [
    "BranchRef",
    "RepoInfo",
    "Result",
    "Worktree",
    "current_branch",
    "discover",
    "refs",
    "run",
    "scrub_environment",
    "worktrees",
]
