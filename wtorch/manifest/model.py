"""The typed, frozen model of a validated wtorch.toml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from wtorch.choices import CountMode, Strategy

DEFAULT_BRANCH_TEMPLATE = "feature/{project}/{id}"
DEFAULT_WORKTREE_TEMPLATE = "../{repo}-worktrees/{id}"
DEFAULT_SPLIT_TEMPLATE = "{branch}-{n}-split"
DEFAULT_DEFUNCT_TEMPLATE = "feature/defunct-{project}/{id}"
DEFAULT_MAX_LINES = 800


@dataclass(frozen=True)
class Project:
    name: str
    base: str = "main"
    remote: str | None = None
    branch_template: str = DEFAULT_BRANCH_TEMPLATE
    worktree_template: str = DEFAULT_WORKTREE_TEMPLATE
    split_template: str = DEFAULT_SPLIT_TEMPLATE
    defunct_template: str = DEFAULT_DEFUNCT_TEMPLATE
    max_parallel: int | None = None


@dataclass(frozen=True)
class GateConfig:
    max_lines: int = DEFAULT_MAX_LINES
    count: CountMode = CountMode.CHANGED
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncConfig:
    strategy: Strategy = Strategy.REBASE


@dataclass(frozen=True)
class WorktreeConfig:
    copy: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()


@dataclass(frozen=True)
class Effort:
    id: str
    title: str
    wave: int
    """The effective wave: declared, or derived from `depends_on`."""
    declared_wave: int | None
    depends_on: tuple[str, ...]
    estimate: int | None
    paths: tuple[str, ...]
    owner: str | None
    branch: str
    """The rendered `branch_template`."""
    worktree: Path
    """The rendered `worktree_template`, absolute."""
    line: int | None = None


@dataclass(frozen=True)
class Manifest:
    path: Path
    root: Path
    """The main worktree (or, with no repository, the manifest's directory): templates resolve here."""
    repo_name: str
    project: Project
    gate: GateConfig = field(default_factory=GateConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    worktree: WorktreeConfig = field(default_factory=WorktreeConfig)
    validate_command: str | None = None
    efforts: tuple[Effort, ...] = ()

    def effort(self, effort_id: str) -> Effort | None:
        return next((e for e in self.efforts if e.id == effort_id), None)

    def wave_numbers(self) -> list[int]:
        return sorted({e.wave for e in self.efforts})

    def in_wave(self, number: int) -> list[Effort]:
        return [e for e in self.efforts if e.wave == number]
