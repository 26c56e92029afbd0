"""The fixed choices wtorch knows, each defined once.

They are `StrEnum`s, so a value prints, compares and serialises as the word the user typed or the
JSON shows; the CLI offers them as choices and passes them through, never converting back.
"""

from __future__ import annotations

from enum import StrEnum


class CountMode(StrEnum):
    """What counts toward a line budget (SPEC §6)."""

    CHANGED = "changed"
    """added + deleted"""
    ADDED = "added"


class Strategy(StrEnum):
    """How sync brings a branch onto its base (SPEC §7)."""

    REBASE = "rebase"
    MERGE = "merge"


class EffortState(StrEnum):
    """Where an effort stands, derived from git every time (SPEC §3)."""

    PLANNED = "planned"
    CREATED = "created"
    ACTIVE = "active"
    COMPLETE = "complete"
    DEFUNCT = "defunct"
    MISSING = "missing"
    """wtorch made its branch, which is gone although the effort is not complete: its work may live
    on in what is stacked on it, so wtorch neither recreates it nor moves its children."""


class Mark(StrEnum):
    """What `wtorch complete` and `wtorch defunct` record: the states git cannot tell."""

    COMPLETE = "complete"
    DEFUNCT = "defunct"


class MergedHow(StrEnum):
    """Why an effort counts as complete."""

    MERGED = "merged"
    """its tip is an ancestor of the base"""
    SQUASH_MERGED = "squash-merged"
    """its change is in the base"""
    REBASE_MERGED = "rebase-merged"
    """each of its commits is in the base, as a commit with the same patch (cherry-picked, rebased)"""
    MARKED = "marked"
    """`wtorch complete` (or `defunct`) said so"""


class SyncResult(StrEnum):
    """What sync did (or, with --dry-run, would do) to one effort."""

    SYNCED = "synced"
    UP_TO_DATE = "up to date"
    CONFLICT = "conflict"
    FAILED = "failed"
    SKIPPED = "skipped"
    WOULD_SYNC = "would sync"
    WOULD_CONFLICT = "would conflict"


class CreateResult(StrEnum):
    """What create-wave did (or, with --dry-run, would do) for one effort."""

    CREATED = "created"
    EXISTS = "exists"
    REFUSED = "refused"
    FAILED = "failed"
    SETUP_FAILED = "setup failed"
    WOULD_CREATE = "would create"
    SKIPPED = "skipped"
    PUSHED = "pushed"
    PUSH_FAILED = "push failed"


class RemoveResult(StrEnum):
    """What remove and prune did with one worktree, branch or stale entry."""

    REMOVED = "removed"
    KEPT = "kept"
    REFUSED = "refused"
    WOULD_REMOVE = "would remove"


class PlanFormat(StrEnum):
    TABLE = "table"
    MARKDOWN = "markdown"
    MERMAID = "mermaid"
    JSON = "json"


class GateFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    GITHUB = "github"


class SplitFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MERMAID = "mermaid"


class RunResult(StrEnum):
    """How a command run in one worktree ended (`wtorch run`, `validate-wave`)."""

    OK = "ok"
    FAILED = "failed"
    TIMED_OUT = "timed out"
    SKIPPED = "skipped"
    """no worktree to run in (or the run was stopped before this one started)"""


class CheckResult(StrEnum):
    """One check of `wtorch validate-wave`."""

    PASS = "pass"
    FAIL = "fail"
    SKIPPED = "skipped"


class ReportFormat(StrEnum):
    MARKDOWN = "markdown"
    JSON = "json"


class StepKind(StrEnum):
    """A git step under way, as the operations log records it before it runs (docs: Interrupt safety)."""

    REFS = "refs"
    """update-ref: the refs it moves are in the entry already."""
    RENAME = "rename"
    """`git branch -m`: `ref` is the branch's ref, `before` its commit, `base` its new name. git
    deletes the ref, makes the new one, points the worktrees that held the old name at the new one,
    then renames the branch's config sections."""
    REBASE = "rebase"
    MERGE = "merge"
    RESET = "reset"
    """`reset --keep` of a worktree that follows its branch back (undo)."""
    WORKTREE_ADD = "worktree-add"
    WORKTREE_REMOVE = "worktree-remove"
    PUSH = "push"
    """`git push --set-upstream` of the branches in the entry's pushes (split --apply --push)."""
