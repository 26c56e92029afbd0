"""wtorch: git worktree and branch orchestration for waves of parallel efforts."""

__version__ = "0.1.0"
