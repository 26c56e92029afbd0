"""What every command starts from: the repository (if any) and the manifest, found once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wtorch.errors import UsageError

if TYPE_CHECKING:  # loaded when used: every start makes Options, few need git or the manifest loader
    from wtorch import git
    from wtorch.manifest import Manifest

from wtorch.names import MANIFEST_NAME


@dataclass(frozen=True)
class Options:
    """The global command-line options (SPEC §5)."""

    manifest: Path | None = None
    repo: Path | None = None
    verbose: bool = False
    color: bool = True
    argv: tuple[str, ...] = ()
    """The command line as typed (after `wtorch`): what the operations log records."""

    @property
    def start(self) -> Path:
        return (self.repo or Path.cwd()).resolve()


def find_repo(options: Options) -> git.RepoInfo | None:
    if options.repo is not None and not options.repo.is_dir():
        raise UsageError(f"-C {options.repo}: no such directory")
    from wtorch.git.repo import discover

    return discover(options.start)


def require_repo(options: Options) -> git.RepoInfo:
    repo = find_repo(options)
    if repo is None:
        raise UsageError(f"{options.start} is not inside a git repository (use -C DIR to point at one)")
    return repo


def manifest_path(options: Options, repo: git.RepoInfo | None) -> Path:
    """--manifest, else $WTORCH_MANIFEST, else wtorch.toml at the root of the main worktree."""
    if options.manifest is not None:
        return options.manifest
    from_env = os.environ.get("WTORCH_MANIFEST")
    if from_env:
        return Path(from_env)
    if repo is None:
        raise UsageError(
            f"{options.start} is not inside a git repository, so there is no {MANIFEST_NAME} to find; "
            "pass --manifest PATH"
        )
    return repo.main_worktree / MANIFEST_NAME


def _is_file(path: Path) -> bool:
    """Whether `path` is a file; a path no file system takes (too long, a NUL in it) is a usage error."""
    try:
        return path.is_file()
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"cannot use the manifest path {str(path)[:80]}...: {why}") from None


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load(options: Options, *, repo: git.RepoInfo | None = None) -> Manifest:
    """The validated manifest; templates resolve against the main worktree (or the manifest's folder)."""
    repo = repo if repo is not None else find_repo(options)
    path = manifest_path(options, repo)
    if not _is_file(path):
        raise UsageError(f"no manifest at {_display(path)}: run `wtorch init` to write one, or pass --manifest PATH")
    root = repo.main_worktree if repo else path.resolve().parent
    from wtorch.manifest import load_manifest

    return load_manifest(path, root=root, repo_name=root.name, display=_display(path))


def load_optional(options: Options, repo: git.RepoInfo) -> Manifest | None:
    """The manifest, or None when there is none to find (gate, split and undo work without one);
    a manifest named by --manifest or $WTORCH_MANIFEST must exist."""
    path = manifest_path(options, repo)
    if not _is_file(path) and options.manifest is None and not os.environ.get("WTORCH_MANIFEST"):
        return None
    return load(options, repo=repo)
