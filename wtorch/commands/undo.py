"""`wtorch log` and `wtorch undo`: the operations log, and putting the last operation back (SPEC §4).

Undo checks everything before it changes anything: every ref must still be where the
operation left it, and no worktree it would touch may hold uncommitted changes. It then removes
the worktrees the operation created, moves the refs back (a clean worktree holding a branch
follows with `git reset --keep`), re-adds worktrees the operation removed, and restores the
effort records. It is itself logged, so undoing an undo is a redo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wtorch import git
from wtorch.choices import StepKind
from wtorch.errors import GitError, UndoRefused, UsageError
from wtorch.git import integrate
from wtorch.safety import Hazard, worktree_problem
from wtorch.state import EffortRecord, Operation, Push, RefMove, State, StateStore

HEADS = "refs/heads/"


@dataclass(frozen=True)
class LogReport:
    operations: tuple[Operation, ...]
    """Newest first, as `wtorch log` shows them."""

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": 1,
            "operations": [
                {
                    "number": op.number,
                    "command": op.command,
                    "at": op.at,
                    "refs": [{"ref": m.ref, "before": m.before, "after": m.after} for m in op.refs],
                    "worktrees_created": list(op.worktrees_created),
                    "worktrees_removed": list(op.worktrees_removed),
                    "note": op.note,
                    "interrupted": not op.finished,
                }
                for op in self.operations
            ],
        }


@dataclass
class UndoResult:
    undone: Operation
    steps: list[str] = field(default_factory=list)


def run_log(repo: git.RepoInfo) -> LogReport:
    """Newest first, with the entry a run killed since the state file was written (from its journal)."""
    store = StateStore(repo.common_dir)
    state = store.read()
    store.absorb_journal(state)  # in memory only: the next mutating command resolves it
    return LogReport(tuple(reversed(state.operations)))


def run_undo(repo: git.RepoInfo, *, copies: Sequence[str] = (), argv: Sequence[str] = ("undo",)) -> UndoResult:
    """Put the last operation back; `copies` are worktree.copy files, which are not work to protect.
    An undo that was interrupted is continued by the next one: it finishes the same entry."""
    with StateStore(repo.common_dir).operation(argv) as (state, op):
        last = _target(state, op)
        facts = _Facts(repo, copies)
        _check(facts, last, op)
        op.undoes = last.number
        op.note = f"undid {last.number}: wtorch {last.command}" + (f" ({last.note})" if last.note else "")
        result = UndoResult(last)
        _undo(facts, state, last, op, result)
    return result


def _target(state: State, op: Operation) -> Operation:
    """The entry to take back: the one an interrupted undo was taking back, else the last before this one."""
    if op.undoes is not None:
        found = next((o for o in state.operations if o.number == op.undoes), None)
        if found is not None:
            return found
    earlier = [o for o in state.operations if o is not op]
    if not earlier:
        raise UsageError("nothing to undo: the operations log is empty")
    return earlier[-1]


class _Facts:
    def __init__(self, repo: git.RepoInfo, copies: Sequence[str]) -> None:
        self.repo = repo
        self.copies = copies
        self.cwd = repo.main_worktree
        self.worktrees = git.worktrees.list_worktrees(self.cwd)

    def holder(self, ref: str) -> git.Worktree | None:
        return git.worktrees.holding(self.worktrees, ref.removeprefix(HEADS))


def _renames(moves: list[RefMove]) -> list[tuple[RefMove, RefMove]]:
    """(deleted, created) pairs with the same commit: a branch rename, undone by renaming back."""
    pairs = []
    for gone in (m for m in moves if m.after is None and m.before):
        made = next((m for m in moves if m.before is None and m.after == gone.before), None)
        if made is not None:
            pairs.append((gone, made))
    return pairs


def _check(facts: _Facts, last: Operation, op: Operation) -> None:
    """Refuse, naming the reason, before anything changes (what an interrupted undo did is not redone)."""
    created = {Path(p) for p in last.worktrees_created if p not in op.worktrees_removed}
    problems = []
    for move in last.refs:
        if op.moved(move.ref) is not None:
            continue
        now = git.refs.resolve(facts.cwd, move.ref) if git.refs.ref_exists(facts.cwd, move.ref) else None
        if now != move.after:
            problems.append(
                f"{move.ref} has moved since (it is at {_short(now)}, `{last.command}` left it at {_short(move.after)})"
            )
            continue
        holder = facts.holder(move.ref)
        renamed = any(m.after is None and m.before == move.after for m in last.refs)
        if holder is not None and holder.path not in created and move.before is None and not renamed:
            # Deleting it would leave that worktree on a branch with no commits at all.
            problems.append(f"{move.ref.removeprefix(HEADS)} is checked out in {holder.path}")
        elif holder is not None and holder.path not in created:
            problems += _worktree_problems(facts, holder)
    for path in created:
        wt = next((w for w in facts.worktrees if w.path == path), None)
        if wt is not None and wt.locked != "initializing":  # that lock: a `git worktree add` never finished
            problems += _worktree_problems(facts, wt)
    if problems:
        raise UndoRefused(f"cannot undo `{last.command}`: " + "; ".join(problems) + ". Nothing was changed.")


def _worktree_problems(facts: _Facts, wt: git.Worktree) -> list[str]:
    # A locked worktree is refused as `wtorch remove` refuses it: someone said to keep it.
    allowed = {Hazard.MAIN, Hazard.MISSING, Hazard.PRUNABLE}
    problem = worktree_problem(wt, main=facts.cwd, copies=facts.copies, allow=allowed)
    return [str(problem)] if problem else []


def _short(sha: str | None) -> str:
    return sha[:10] if sha else "nothing"


def _undo(facts: _Facts, state: State, last: Operation, op: Operation, result: UndoResult) -> None:
    for path in reversed(last.worktrees_created):
        wt = next((w for w in facts.worktrees if str(w.path) == path), None)
        if wt is not None and path not in op.worktrees_removed:
            # Checked above to hold no work: what git may still object to (submodules, files wtorch
            # copied in) is safe to let go.
            op.removed(path, wt.branch)
            with op.step(StepKind.WORKTREE_REMOVE, worktree=path):
                git.worktrees.remove_worktree(facts.cwd, wt.path, force=True)
            result.steps.append(f"removed worktree {path}")
    git.worktrees.prune_worktrees(facts.cwd)
    facts.worktrees = git.worktrees.list_worktrees(facts.cwd)
    renames = _renames(last.refs)
    renamed = {id(m) for pair in renames for m in pair}
    for gone, made in renames:
        if op.moved(made.ref) is None:
            op.move(made.ref, made.after, None)
            op.move(gone.ref, None, gone.before)
            with op.step(StepKind.RENAME, ref=made.ref, before=made.after, base=gone.ref):
                git.refs.rename_branch(facts.cwd, made.ref.removeprefix(HEADS), gone.ref.removeprefix(HEADS))
        result.steps.append(f"renamed {made.ref.removeprefix(HEADS)} back to {gone.ref.removeprefix(HEADS)}")
    for move in reversed([m for m in last.refs if id(m) not in renamed]):
        if op.moved(move.ref) is None:
            op.move(move.ref, move.after, move.before)
            _put_back(facts, move, op, result)
    for path in last.worktrees_removed:
        if path not in op.worktrees_created:
            _readd(facts, Path(path), last, op, result)
    for effort_id, before in last.records.items():
        state.touch(op, effort_id)
        state.efforts[effort_id] = EffortRecord.from_dict(before)
    # A worktree added back is a fresh checkout: its copied files and setup are still to do.
    for effort_id, record in state.efforts.items():
        if record.worktree in op.worktrees_created:
            state.touch(op, effort_id).setup = None
            result.steps.append(f"`wtorch create-wave` will copy files and run setup in {record.worktree} again")
    for branch, chunks in last.splits.items():
        state.set_split(op, branch, chunks)
    for push in reversed(last.pushes):
        if not any((p.remote, p.branch) == (push.remote, push.branch) for p in op.pushes):
            _push_back(facts, push, op, result)


def _push_back(facts: _Facts, push: Push, op: Operation, result: UndoResult) -> None:
    """Put a remote branch back where it was before the operation pushed, with a lease on what it pushed:
    if anyone pushed since, their work stays and undo says so."""
    where = f"{push.remote}/{push.branch}"
    try:
        git.refs.push_back(facts.cwd, push.remote, push.branch, push.before, expected=push.after)
    except GitError as exc:
        reason = exc.stderr.strip().splitlines()[-1] if exc.stderr.strip() else "push refused"
        result.steps.append(f"left {where} as it is ({reason}): it moved since wtorch pushed it")
        return
    op.pushes.append(Push(push.remote, push.branch, push.after, push.before))
    result.steps.append(f"put {where} back to {_short(push.before)}" if push.before else f"deleted {where}")


def _put_back(facts: _Facts, move: RefMove, op: Operation, result: UndoResult) -> None:
    holder = facts.holder(move.ref)
    name = move.ref.removeprefix(HEADS)
    if move.before is None:
        with op.step(StepKind.REFS):
            git.refs.delete_ref(facts.cwd, move.ref, move.after or "", message="wtorch: undo")
        result.steps.append(f"deleted {name}")
    elif move.after is None:
        with op.step(StepKind.REFS):
            git.refs.update_ref(facts.cwd, move.ref, move.before, None, message="wtorch: undo")
        result.steps.append(f"restored {name} at {_short(move.before)}")
    elif holder is not None and not holder.missing:
        with op.step(StepKind.RESET, worktree=str(holder.path), ref=move.ref, before=move.after):
            integrate.reset_keep(holder.path, move.before)  # the worktree follows, clean as it was
        result.steps.append(f"moved {name} back to {_short(move.before)} (worktree {holder.path} follows)")
    else:
        with op.step(StepKind.REFS):
            git.refs.update_ref(facts.cwd, move.ref, move.before, move.after, message="wtorch: undo")
        result.steps.append(f"moved {name} back to {_short(move.before)}")


def _readd(facts: _Facts, path: Path, last: Operation, op: Operation, result: UndoResult) -> None:
    """Re-create a worktree the operation removed, for the branch it held (restored by now)."""
    name = last.branches.get(str(path))
    if (
        name
        and git.refs.ref_exists(facts.cwd, HEADS + name)
        and not path.exists()
        and facts.holder(HEADS + name) is None
    ):
        op.created(str(path))
        with op.step(StepKind.WORKTREE_ADD, worktree=str(path), ref=HEADS + name):
            git.worktrees.add_worktree(facts.cwd, path, name)
        result.steps.append(f"re-added worktree {path} for {name}")
        facts.worktrees = git.worktrees.list_worktrees(facts.cwd)
        return
    result.steps.append(f"worktree {path} was removed by `{last.command}` and cannot be re-added here")
