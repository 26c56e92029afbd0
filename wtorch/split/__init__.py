"""Splitting a branch's change into an ordered stack of small chunks (pure: no git, no I/O).

The git side reads the change (SPEC §6 counting) and the file texts at both ends, calls
``analyse`` for the order that what the change does imposes, then ``plan_split`` for the chunks.
"""

from wtorch.split.edges import Analysis, analyse, find_edges
from wtorch.split.model import ChangedFile, Chunk, Edge, Need, Oversized, SplitPlan, Why
from wtorch.split.planner import plan_split

__all__ = [
    "Analysis",
    "ChangedFile",
    "Chunk",
    "Edge",
    "Need",
    "Oversized",
    "SplitPlan",
    "Why",
    "analyse",
    "find_edges",
    "plan_split",
]
