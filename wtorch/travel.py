"""The state that travels (SPEC §4, §9): what git cannot derive, kept in `refs/wtorch/state` on the remote.

The local state file stays the working copy. What another machine needs — explicit marks, the
completion of efforts whose branch wtorch deleted, split lineage, and the operations log — is
written as `state.toml` in a commit on `refs/wtorch/state`; `--push` publishes it, and commands
that fetch read the remote's copy and merge it: marks by time (the newer change wins), completion
and lineage by union, logs by union. Undo acts on this machine's own log only.
"""

from __future__ import annotations

import tomllib
from typing import Any

import tomli_w

from wtorch import git, tomlfile
from wtorch.errors import GitError, UsageError
from wtorch.state import State

REF = "refs/wtorch/state"
FILE = "state.toml"
_MARK_FIELDS = ("mark", "mark_reason", "mark_at", "defunct_branch")
_DONE_FIELDS = ("completed", "tip")


def remote_ref(remote: str) -> str:
    return f"refs/wtorch/remotes/{remote}/state"


def shared(state: State, log: list[dict[str, Any]]) -> dict[str, Any]:
    """The part of `state` that travels, with `log` (the union of the logs published so far)."""
    efforts = {}
    for effort_id, record in sorted(state.efforts.items()):
        fields = {k: getattr(record, k) for k in (*_MARK_FIELDS, *_DONE_FIELDS) if getattr(record, k) is not None}
        if fields.get("mark") or fields.get("mark_at") or fields.get("completed"):
            efforts[effort_id] = fields
    return {"version": 1, "efforts": efforts, "splits": dict(sorted(state.splits.items())), "log": log}


def _log_of(state: State) -> list[dict[str, Any]]:
    return [{"command": op.command, "at": op.at, "note": op.note} for op in state.operations]


def _union(*logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen = {(e["at"], e["command"], e.get("note", "")): e for log in logs for e in log}
    return [seen[k] for k in sorted(seen)]


def read_remote(repo: git.RepoInfo, remote: str) -> tuple[dict[str, Any] | None, str | None]:
    """The remote's shared state as last fetched, and the commit it came from (None, None without one)."""
    cwd = repo.main_worktree
    commit = git.refs.resolve(cwd, remote_ref(remote))
    if commit is None:
        return None, None
    text = git.refs.read_file_at(cwd, commit, FILE)
    try:
        return (tomlfile.loads(text) if text else None), commit
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{remote_ref(remote)}:{FILE} is damaged ({exc})") from None


def absorb(state: State, data: dict[str, Any] | None) -> list[str]:
    """Merge another machine's shared state into `state`; what changed, one line each."""
    if not data:
        return []
    notes = []
    for effort_id, theirs in data.get("efforts", {}).items():
        record = state.effort(effort_id)
        newer = str(theirs.get("mark_at") or "") > str(record.mark_at or "")
        if newer and (theirs.get("mark") != record.mark or theirs.get("mark_reason") != record.mark_reason):
            for name in _MARK_FIELDS:
                setattr(record, name, theirs.get(name))
            record.__post_init__()  # the mark, as read back, becomes the enum again
            notes.append(f"{effort_id}: {record.mark or 'mark cleared'} (from another machine)")
        if theirs.get("completed") and not record.completed:
            record.completed, record.tip = theirs["completed"], record.tip or theirs.get("tip")
            notes.append(f"{effort_id}: completed (from another machine)")
    for branch, chunks in data.get("splits", {}).items():
        if branch not in state.splits:
            state.splits[branch] = list(chunks)
            notes.append(f"{branch}: split into {len(chunks)} (from another machine)")
    return notes


def publish(repo: git.RepoInfo, remote: str, state: State) -> str:
    """Write the shared state on top of the remote's (merged first) and push it with a lease."""
    cwd = repo.main_worktree
    theirs, parent = read_remote(repo, remote)
    absorb(state, theirs)
    log = _union((theirs or {}).get("log", []), _log_of(state))
    text = tomli_w.dumps(shared(state, log))
    if theirs is not None and text == tomli_w.dumps(theirs):
        return parent or ""
    commit = git.refs.commit_file(cwd, FILE, text, [parent] if parent else [], "wtorch: shared state")
    try:
        git.refs.push_ref(cwd, remote, commit, REF, expected=parent)
    except GitError as exc:
        raise UsageError(
            f"could not publish wtorch's shared state to {remote} ({exc.stderr.strip() or 'push refused'}): "
            "another machine published at the same moment; run the command again"
        ) from None
    git.refs.update_ref(cwd, remote_ref(remote), commit, parent, message="wtorch: published")
    return commit
