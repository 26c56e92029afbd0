"""Test-side helpers for building real repositories (tests may run git; the package may not, outside wtorch.git)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path


def git(cwd: Path, *args: str, check: bool = True, env: Mapping[str, str] | None = None) -> str:
    import os

    full_env = {**os.environ, **(env or {})}
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=full_env)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


class Repo:
    """A real repository in a temporary directory, with small helpers to write and commit."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str, check: bool = True) -> str:
        return git(self.path, *args, check=check)

    def write(self, relpath: str, text: str) -> Path:
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return target

    def commit(self, message: str, files: Mapping[str, str] | None = None) -> str:
        for relpath, text in (files or {}).items():
            self.write(relpath, text)
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.rev("HEAD")

    def rev(self, ref: str) -> str:
        return self.git("rev-parse", ref).strip()

    def branches(self) -> list[str]:
        return self.git("for-each-ref", "--format=%(refname:short)", "refs/heads/").split()

    def fsck(self) -> None:
        self.git("fsck", "--no-progress", "--strict")


def efforts(*specs: str) -> str:
    """[[effort]] tables for a manifest body."""
    return "".join(f"[[effort]]\n{spec}\n" for spec in specs)


def worktree_root(repo: Repo) -> Path:
    """Where the default worktree_template puts a repository's worktrees."""
    return repo.path.parent / f"{repo.path.name}-worktrees"


def wt(repo: Repo, effort_id: str) -> Repo:
    """The worktree of an effort under the default template."""
    return Repo(worktree_root(repo) / effort_id)


def wait_for(path: Path, seconds: float = 60) -> bool:
    """Poll until `path` exists (a marker a child process writes), or time runs out."""
    import time

    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.exists()


def wtorch_process(repo: Repo, *args: str, **popen: object) -> subprocess.Popen[str]:
    """wtorch as a real separate process (for kills, signals and concurrency)."""
    import os
    import sys

    root = Path(__file__).resolve().parent.parent
    defaults: dict[str, object] = {
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "text": True,
        "env": {**os.environ, "PYTHONPATH": str(root)},
    }
    return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
        [sys.executable, "-m", "wtorch", "-C", str(repo.path), *args], **{**defaults, **popen}
    )


def killed_when(repo: Repo, marker: Path, *args: str, **popen: object) -> None:
    """Run wtorch ARGS as a process group of its own and SIGKILL the whole group (git with it, as a
    terminal's kill would) once `marker` exists: a hook or filter writes it while git is mid-way."""
    import os
    import signal

    proc = wtorch_process(repo, *args, start_new_session=True, **popen)
    try:
        assert wait_for(marker)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def lines(n: int, word: str = "line") -> str:
    """n distinct lines of text."""
    return "".join(f"{word} {i}\n" for i in range(n))


def work(repo: Repo, branch: str, files: dict[str, str], *, start: str = "main") -> None:
    """A branch from `start` with one commit of `files`; the checkout goes back to main."""
    repo.git("checkout", "-q", "-b", branch, start)
    repo.commit(f"work on {branch}", files)
    repo.git("checkout", "-q", "main")


def stop_in_a_rebase(repo: Repo, worktree: Repo) -> str:
    """Leave `worktree` in the middle of a conflicting rebase onto main, as a user might; its old tip."""
    tip = worktree.commit("mine", {"f.txt": "mine\n"})
    repo.commit("theirs", {"f.txt": "theirs\n"})
    worktree.git("rebase", "main", check=False)
    return tip


def subprocess_git(cwd: Path, *args: str) -> tuple[int, str]:
    """git's exit code and its output (stdout and stderr together), whatever it was."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr
