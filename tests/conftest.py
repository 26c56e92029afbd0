"""Hermetic git for every test, and factories for real repositories (pytest-git underneath)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_git import GitRepo
from typer.testing import CliRunner

from tests.gitutil import Repo, efforts, git, worktree_root

FIXED_DATE = "2026-01-15T12:00:00+00:00"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every git the test (or wtorch) runs ignores the machine's config and writes nothing to $HOME."""
    home = tmp_path_factory.mktemp("home")
    config = home / "gitconfig"
    config.write_text(
        "[init]\n\tdefaultBranch = main\n"
        "[user]\n\tname = Test User\n\temail = test@example.com\n"
        '[protocol "file"]\n\tallow = always\n'
        "[advice]\n\tdetachedHead = false\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test User")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.com")
        monkeypatch.setenv(f"GIT_{role}_DATE", FIXED_DATE)
    for leaked in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "WTORCH_MANIFEST", "WTORCH_DEBUG", "NO_COLOR"):
        monkeypatch.delenv(leaked, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def repo(git_repo: GitRepo) -> Iterator[Repo]:
    """pytest-git's repository with one commit on main; its default worktree root is cleaned up too."""
    built = Repo(Path(git_repo.workspace))
    built.git("checkout", "-q", "-B", "main")
    built.commit("initial", {"README.md": "hello\n"})
    yield built
    shutil.rmtree(built.path.parent / f"{built.path.name}-worktrees", ignore_errors=True)


@pytest.fixture
def project(repo: Repo) -> Callable[[str], Repo]:
    """The repository with a wtorch.toml (version and [project] added) committed on main."""

    def write(body: str, *, header: str = 'version = 1\n[project]\nname = "demo"\n') -> Repo:
        repo.commit("manifest", {"wtorch.toml": header + body})
        return repo

    return write


@pytest.fixture
def make_repo() -> Iterator[Callable[..., Repo]]:
    """More repositories for one test (a remote, a second clone), cleaned up afterwards."""
    made: list[GitRepo] = []

    def factory(*, bare: bool = False) -> Repo:
        workspace = GitRepo()
        made.append(workspace)
        built = Repo(Path(workspace.workspace))
        if bare:
            built.git("config", "core.bare", "true")
        return built

    yield factory
    for workspace in made:
        workspace.teardown()


@pytest.fixture
def cli() -> Callable[..., object]:
    """Run wtorch in-process through typer's CliRunner; returns the Result."""
    from wtorch.cli import app

    runner = CliRunner()

    def invoke(*args: str | Path, cwd: Path | None = None) -> object:
        import os

        old = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        finally:
            os.chdir(old)

    return invoke


REMOTE_MANIFEST = 'version = 1\n[project]\nname = "demo"\nremote = "origin"\n' + efforts('id = "a"', 'id = "b"')


@pytest.fixture
def machines(make_repo: Callable[..., Repo], tmp_path: Path) -> Iterator[tuple[Repo, Repo, Repo]]:
    """(remote, m1, m2): m1 made the project and wave 1 with --push; m2 is a fresh clone."""
    remote = make_repo(bare=True)
    seed = make_repo()
    seed.git("checkout", "-q", "-B", "main")
    seed.commit("initial", {"README.md": "hello\n", "wtorch.toml": REMOTE_MANIFEST})
    seed.git("push", "-q", str(remote.path), "main")
    clones = []
    for name in ("m1", "m2"):
        git(tmp_path, "clone", "-q", str(remote.path), name)
        clones.append(Repo(tmp_path / name))
    yield remote, clones[0], clones[1]
    for clone in clones:
        shutil.rmtree(worktree_root(clone), ignore_errors=True)
