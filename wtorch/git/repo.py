"""Finding the repository: its top level, common dir and main worktree, from any worktree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wtorch.git.core import run
from wtorch.git.worktrees import listing


@dataclass(frozen=True)
class RepoInfo:
    toplevel: Path | None
    """The worktree we were started in; None in a bare repository."""
    common_dir: Path
    main_worktree: Path
    """The main worktree (for a bare repository: the repository directory itself)."""

    @property
    def name(self) -> str:
        """`{repo}` in templates: the main worktree's directory name."""
        return self.main_worktree.name


def discover(start: Path) -> RepoInfo | None:
    """The repository containing `start`, or None when `start` is not inside one."""
    asked = ["rev-parse", "--path-format=absolute", "--git-common-dir", "--is-bare-repository", "--git-dir"]
    # Inside a worktree, one call tells everything; `--show-toplevel` fails where there is no work
    # tree (a bare repository, inside .git), and the question is then asked without it.
    probe = run([*asked, "--show-toplevel"], cwd=start, check=False)
    if not probe.ok:
        probe = run(asked, cwd=start, check=False)
    if not probe.ok:
        return None
    lines = probe.stdout.split("\n")  # one path a line; a path may hold any other line break
    common_dir_text, bare, git_dir = lines[:3]
    common_dir = Path(common_dir_text)
    toplevel = Path(lines[3]) if bare != "true" and len(lines) > 4 and lines[3] else None
    if toplevel is not None and git_dir == common_dir_text:
        # Started in the main worktree (its git directory is the common one): it is the top level.
        return RepoInfo(toplevel=toplevel, common_dir=common_dir, main_worktree=toplevel)
    first = listing(start).split("\0", 1)[0]
    main = Path(first.removeprefix("worktree ")) if first.startswith("worktree ") else common_dir.parent
    return RepoInfo(toplevel=toplevel, common_dir=common_dir, main_worktree=main)


def current_branch(cwd: Path) -> str | None:
    """The branch checked out at `cwd` (also on an unborn branch), or None when detached."""
    result = run(["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=cwd, check=False)
    return result.stdout.strip() or None if result.ok else None


def init(path: Path, *, branch: str, env: Mapping[str, str] | None = None) -> None:
    """A new repository at `path` whose first branch is `branch`."""
    run(["init", "--quiet", f"--initial-branch={branch}", "--end-of-options", str(path)], cwd=path.parent, env=env)


def commit_all(cwd: Path, message: str, *, env: Mapping[str, str] | None = None) -> str:
    """Stage everything in the worktree at `cwd` (deletions too) and commit it; the new commit."""
    run(["add", "--all"], cwd=cwd, env=env)
    run(["commit", "--quiet", "--no-verify", "--allow-empty", "-m", message], cwd=cwd, env=env)
    return run(["rev-parse", "HEAD"], cwd=cwd, env=env).stdout.strip()


def merge_branch(cwd: Path, branch: str, message: str, *, env: Mapping[str, str] | None = None) -> None:
    """`git merge --no-ff` of `branch` into what is checked out at `cwd` (as a pull request would)."""
    run(["merge", "--quiet", "--no-ff", "-m", message, "--end-of-options", branch], cwd=cwd, env=env)
