"""The git gateway: the only package that imports GitPython or runs git."""

from wtorch.git.core import Result, run, scrub_environment
from wtorch.git.repo import RepoInfo, current_branch, discover

__all__ = ["RepoInfo", "Result", "current_branch", "discover", "run", "scrub_environment"]
