"""Trial merges for `wtorch integrate`: what each branch changes as it lands on the base, which
branches share history beyond it, and merge commits made from trees.

Nothing here touches a worktree, an index or a ref: the merges are `git merge-tree --write-tree`
(objects only) and the commits are unreferenced (git gc takes them) until a caller points a ref
at one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wtorch.errors import GitError
from wtorch.git.ancestry import commits_outside
from wtorch.git.core import run
from wtorch.git.refs import _SCRATCH_IDENTITY, merge_tree
from wtorch.process import ProcessResult

TREE_MODE = "040000"
NO_MODE = "000000"


@dataclass(frozen=True)
class TreeChange:
    """Where one tree differs from the base tree (`diff-tree -r -t --no-renames`): every changed file
    (blob, symlink or submodule), every directory with a change under it, and the directories that
    are gone altogether."""

    files: frozenset[str]
    dirs: frozenset[str]
    removed_dirs: frozenset[str]

    def may_meet(self, other: TreeChange) -> bool:
        """Whether a three-way merge of the two trees over the base could conflict.

        Both trees are read against the same base, and that base is the merge base (the caller
        builds both as children of it), so merge-ort compares exactly these two diffs. Each of its
        conflicts needs one of the following, all seen in the path sets:

        - both sides change the same path: content, add/add, modify/delete, mode, and every
          rename conflict, because without rename detection a rename is the deletion of its
          source plus the addition of its target, so a rename meets whatever touches either end;
        - a file on one side where the other has a directory (`x` against `x/y`);
        - a directory rename: merge-ort only takes a directory to be renamed when it is gone
          from that side, and it then moves (and, with the default merge.directoryRenames,
          reports) what the other side added inside it.

        None of these: the merge is clean, so no merge-tree needs to run. The claim rests on the
        one merge base; it does not hold for branches that share commits beyond the base (their
        merge base is another commit), which the caller merges branch against branch instead.
        """
        return bool(
            self.files & other.files
            or self.files & other.dirs
            or self.dirs & other.files
            or self.removed_dirs & other.dirs
            or self.dirs & other.removed_dirs
        )


def _bad(out: ProcessResult, detail: str) -> GitError:
    return GitError(list(out.argv), 0, f"unexpected diff-tree output: {detail}")


def changes(cwd: Path, base_tree: str, trees: Sequence[str]) -> list[TreeChange]:
    """How each tree differs from `base_tree`: one `diff-tree --stdin` for all of them."""
    if not trees:
        return []
    # With --stdin, git echoes each input line ("<tree> <tree>\n"), then its NUL-terminated records.
    lines = [f"{base_tree} {tree}" for tree in trees]
    out = run(
        ["diff-tree", "--stdin", "-r", "-t", "-z", "--no-renames", "--no-ext-diff", "--raw", "--no-abbrev"],
        cwd=cwd,
        stdin="".join(line + "\n" for line in lines),
    )
    pos, found = 0, []
    for line in lines:
        if not out.stdout.startswith(line + "\n", pos):
            raise _bad(out, f"expected {line!r} at offset {pos}")
        change, pos = _read_change(out, pos + len(line) + 1)
        found.append(change)
    if pos != len(out.stdout):
        raise _bad(out, f"trailing {out.stdout[pos : pos + 200]!r}")
    return found


def _read_change(out: ProcessResult, pos: int) -> tuple[TreeChange, int]:
    """The `:<old mode> <new mode> <old> <new> <status>\0<path>\0` records from `pos` on, and where they end."""
    text = out.stdout
    files, dirs, removed = set(), set(), set()
    while pos < len(text) and text[pos] == ":":
        meta_end = text.find("\0", pos)
        path_end = text.find("\0", meta_end + 1) if meta_end >= 0 else -1
        meta = text[pos + 1 : meta_end].split(" ") if meta_end >= 0 else []
        if path_end < 0 or len(meta) != 5 or path_end == meta_end + 1:
            raise _bad(out, repr(text[pos : pos + 200]))
        old_mode, new_mode, status = meta[0], meta[1], meta[4]
        path = text[meta_end + 1 : path_end]
        pos = path_end + 1
        is_tree = TREE_MODE in (old_mode, new_mode)
        if is_tree:
            dirs.add(path)
            if status == "D":
                removed.add(path)
        if not is_tree or {old_mode, new_mode} - {TREE_MODE, NO_MODE}:  # a file turned directory, or back
            files.add(path)
    return TreeChange(frozenset(files), frozenset(dirs), frozenset(removed)), pos


@dataclass(frozen=True)
class History:
    """A tip's commits that the base does not reach, and whether the tip holds the base itself."""

    commits: frozenset[str]
    on_base: bool


def histories(cwd: Path, base: str, tips: Sequence[str]) -> dict[str, History]:
    """Each tip's history beyond `base`: one `rev-list` for all tips, walked here per tip."""
    parents = commits_outside(cwd, base, tips) if tips else {}
    found = {}
    for tip in dict.fromkeys(tips):
        seen: set[str] = set()
        on_base = tip == base
        todo = [tip] if tip in parents else []
        while todo:
            commit = todo.pop()
            if commit not in seen:
                seen.add(commit)
                todo += [p for p in parents[commit] if p in parents]
                on_base = on_base or base in parents[commit]
        found[tip] = History(frozenset(seen), on_base)
    return found


def commit_merge(cwd: Path, tree: str, parents: Sequence[str], message: str, *, scratch: bool = False) -> str:
    """An unreferenced commit of `tree` with `parents` (in order), by the user's configured identity;
    a `scratch` commit nobody will see is wtorch's, so it never fails for want of a configured name."""
    flags = [flag for parent in parents for flag in ("-p", parent)]
    env = _SCRATCH_IDENTITY if scratch else None
    out = run(["commit-tree", *flags, "-m", message, "--end-of-options", tree], cwd=cwd, env=env)
    sha = out.stdout.strip()
    if len(sha) < 40:
        raise GitError(list(out.argv), 0, f"unexpected commit-tree output {out.stdout!r}")
    return sha


def merge(cwd: Path, ours: str, theirs: str) -> tuple[str | None, list[str]]:
    """`refs.merge_tree`, with the conflicting files named as the branches name them: where a file
    meets a directory, merge-ort moves the file aside to `<path>~<side>`, and `<side>` is one of
    the two commits given (for a trial commit, an id nobody knows)."""
    tree, files = merge_tree(cwd, ours, theirs)
    suffixes = (f"~{ours}", f"~{theirs}")
    named = [next((f.removesuffix(s) for s in suffixes if f.endswith(s)), f) for f in files]
    return tree, list(dict.fromkeys(named))
