"""Value types of the split planner: the changed files, the edges between them, the chunks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Why(StrEnum):
    """Why one changed file must land no earlier than another (an edge's reason)."""

    IMPORTS = "imports"
    USES_ADDED = "uses what it adds"
    USES_CHANGED = "uses what it changes"
    REMOVES = "removes what it stopped using"
    SIGNATURE = "changes the signature it stopped using"
    TESTS_NEW = "tests the new behaviour of"
    TESTED_OLD = "changes the behaviour the old test asserted"
    DELETED_AFTER_USER = "deleted after last user"
    MOVED_AFTER_USER = "moved after last user"
    CONTINUES = "continues the change of"


@dataclass(frozen=True)
class ChangedFile:
    """One file of the branch's change, as counted by the gate (SPEC §6)."""

    path: str
    status: str
    lines: int
    old_path: str | None = None
    excluded: bool = False


@dataclass(frozen=True)
class Edge:
    """``src`` must land in the same chunk as ``dst`` or a later one, for the ``names`` given."""

    src: str
    dst: str
    why: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Need:
    """What a chunk needs from an earlier one: ``path``'s change there, for ``names``."""

    n: int
    path: str
    names: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Chunk:
    """One branch of the split stack."""

    n: int
    files: tuple[str, ...]
    lines: int
    needs: tuple[int, ...]
    directories: tuple[str, ...]
    requires: tuple[Need, ...] = ()
    """The needs by name: which file of which earlier chunk, for which names."""
    partial: tuple[tuple[str, str], ...] = ()
    """Files this chunk writes only part of the change of: (path, the file's text after this chunk)."""


@dataclass(frozen=True)
class Oversized:
    """A unit that is over the budget on its own, and why it could not be cut."""

    files: tuple[str, ...]
    lines: int
    why: str


@dataclass(frozen=True)
class SplitPlan:
    """The ordered chunks, with the floor that any plan needs at least."""

    max_lines: int
    total_lines: int
    floor: int
    chunks: tuple[Chunk, ...]
    oversized: tuple[Oversized, ...]
