"""Splitting a branch's change into an ordered stack of small chunks (pure: no git, no I/O).

The git side reads the change (SPEC §6 counting) and the file texts, calls ``find_edges`` for
the order the imports impose, then ``plan_split`` for the chunks.
"""

from wtorch.split.edges import find_edges
from wtorch.split.model import ChangedFile, Chunk, Edge, Oversized, SplitPlan
from wtorch.split.planner import plan_split

__all__ = ["ChangedFile", "Chunk", "Edge", "Oversized", "SplitPlan", "find_edges", "plan_split"]
