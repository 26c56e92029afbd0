"""Value types shared by the import scanners and the split planner."""

from __future__ import annotations

from dataclasses import dataclass


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
    """``src`` must land in the same chunk as ``dst`` or a later one."""

    src: str
    dst: str
    why: str


@dataclass(frozen=True)
class Chunk:
    """One branch of the split stack."""

    n: int
    files: tuple[str, ...]
    lines: int
    needs: tuple[int, ...]
    directories: tuple[str, ...]


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
