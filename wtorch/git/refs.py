"""Refs and commits: batch reads with for-each-ref, atomic moves with update-ref."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wtorch.errors import GitError
from wtorch.git.core import run

_FIELDS = ("%(refname)", "%(objectname)", "%(committerdate:iso-strict)", "%(upstream)")


@dataclass(frozen=True)
class BranchRef:
    name: str
    """Short name: `feature/x/a` for refs/heads/feature/x/a, `origin/main` for a remote-tracking ref."""
    sha: str
    committed: str
    """ISO-8601 committer date of the tip."""
    upstream: str


def branches(cwd: Path, *, remotes: bool = False) -> dict[str, BranchRef]:
    """Every local branch (and remote-tracking ref when asked) in one for-each-ref."""
    patterns = ["refs/heads/", *(["refs/remotes/"] if remotes else [])]
    out = run(["for-each-ref", "--format=" + "%00".join(_FIELDS), *patterns], cwd=cwd)
    found: dict[str, BranchRef] = {}
    for line in out.stdout.splitlines():
        fields = line.split("\0")
        if len(fields) != len(_FIELDS):
            raise GitError(list(out.argv), 0, f"unexpected for-each-ref record: {line!r}")
        refname, sha, committed, upstream = fields
        name = refname.removeprefix("refs/heads/").removeprefix("refs/remotes/")
        if refname.endswith("/HEAD") and refname.startswith("refs/remotes/"):
            continue
        found[name] = BranchRef(name, sha, committed, upstream)
    return found


def ref_values(cwd: Path, refs: list[str]) -> dict[str, str]:
    """Where each of these full ref names points (absent ones are left out), in one for-each-ref."""
    if not refs:
        return {}
    out = run(["for-each-ref", "--format=%(refname)%00%(objectname)", "--end-of-options", *set(refs)], cwd=cwd)
    wanted = set(refs)
    found = {}
    for line in out.stdout.splitlines():
        name, _, sha = line.partition("\0")
        if name in wanted:  # a pattern also matches the refs below it: refs/heads/a/b for refs/heads/a
            found[name] = sha
    return found


def resolve(cwd: Path, rev: str) -> str | None:
    """The commit `rev` names, or None. `rev` is passed with --end-of-options: never an option."""
    out = run(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd=cwd, check=False)
    return out.stdout.strip() or None if out.ok else None


def merge_base(cwd: Path, a: str, b: str) -> str | None:
    """The best common ancestor of two commits, None when their histories are unrelated."""
    out = run(["merge-base", "--end-of-options", a, b], cwd=cwd, check=False)
    if out.returncode == 1 and not out.stderr.strip():
        return None
    if not out.ok:
        raise GitError(list(out.argv), out.returncode, out.stderr, out.stdout)
    return out.stdout.strip()


def is_ancestor(cwd: Path, ancestor: str, descendant: str) -> bool:
    out = run(["merge-base", "--is-ancestor", "--end-of-options", ancestor, descendant], cwd=cwd, check=False)
    if out.returncode not in (0, 1):
        raise GitError(list(out.argv), out.returncode, out.stderr)
    return out.returncode == 0


def ahead_behind(cwd: Path, base: str, branch: str) -> tuple[int, int]:
    """Commits on `branch` not on `base`, and on `base` not on `branch`."""
    out = run(["rev-list", "--left-right", "--count", "--end-of-options", f"{branch}...{base}"], cwd=cwd)
    ahead, behind = out.stdout.split()
    return int(ahead), int(behind)


def tree_of(cwd: Path, rev: str) -> str:
    return run(["rev-parse", "--verify", "--end-of-options", f"{rev}^{{tree}}"], cwd=cwd).stdout.strip()


def merge_tree(cwd: Path, ours: str, theirs: str) -> tuple[str | None, list[str]]:
    """Trial merge without touching any worktree: (result tree, []) or (None, conflicting files)."""
    out = run(["merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", ours, theirs], cwd=cwd, check=False)
    if out.returncode not in (0, 1):
        raise GitError(list(out.argv), out.returncode, out.stderr)
    parts = out.stdout.split("\0")
    if out.returncode == 0:
        return parts[0], []
    files = [p for p in parts[1:] if p]
    return None, list(dict.fromkeys(files))


def update_ref(cwd: Path, ref: str, new: str, old: str | None, *, message: str) -> None:
    """Move `ref` to `new` only if it still points at `old` ("" or None: only if it does not exist)."""
    run(["update-ref", "-m", message, "--end-of-options", ref, new, old or ""], cwd=cwd)


def delete_ref(cwd: Path, ref: str, old: str, *, message: str) -> None:
    """Delete `ref` only if it still points at `old`."""
    run(["update-ref", "-m", message, "-d", "--end-of-options", ref, old], cwd=cwd)


def rename_branch(cwd: Path, old: str, new: str) -> None:
    """`git branch -m`: worktrees that have `old` checked out follow it; their files are untouched."""
    run(["branch", "-m", "--end-of-options", old, new], cwd=cwd)


def point_head(worktree: Path, ref: str) -> None:
    """The worktree's HEAD made to name `ref` (as `branch -m` does for a worktree holding the branch)."""
    run(["symbolic-ref", "-m", "wtorch: branch renamed", "HEAD", ref], cwd=worktree)


def rename_config_section(cwd: Path, old: str, new: str) -> None:
    """`git config --rename-section`; nothing when there is no such section."""
    out = run(["config", "--rename-section", old, new], cwd=cwd, check=False)
    if not out.ok and "no such section" not in out.stderr:
        raise GitError(list(out.argv), out.returncode, out.stderr, out.stdout)


def patch_id(cwd: Path, a: str, b: str) -> str | None:
    """The stable patch-id of the whole change a..b (None when empty)."""
    diff = run(["diff", "--no-color", "--no-ext-diff", "--end-of-options", a, b], cwd=cwd)
    if not diff.stdout:
        return None
    out = run(["patch-id", "--stable"], cwd=cwd, stdin=diff.stdout)
    return out.stdout.split()[0] if out.stdout.strip() else None


def patch_ids_of_commits(cwd: Path, base: str, tip: str, *, limit: int = 500) -> set[str]:
    """Stable patch-ids of the commits in base..tip (the last `limit` of them)."""
    log = run(
        [
            "log",
            "--no-color",
            "--no-ext-diff",
            "-p",
            "--first-parent",
            f"--max-count={limit}",
            "--end-of-options",
            tip,
            f"^{base}",
        ],
        cwd=cwd,
    )
    if not log.stdout:
        return set()
    out = run(["patch-id", "--stable"], cwd=cwd, stdin=log.stdout)
    return {line.split()[0] for line in out.stdout.splitlines() if line.strip()}


def ref_exists(cwd: Path, ref: str) -> bool:
    return run(["show-ref", "--verify", "--quiet", ref], cwd=cwd, check=False).ok


def submodule_paths(cwd: Path) -> list[str]:
    """Submodules declared in .gitmodules of the checkout at `cwd`."""
    if not (cwd / ".gitmodules").is_file():
        return []
    out = run(["config", "--file", ".gitmodules", "--get-regexp", r"^submodule\..*\.path$"], cwd=cwd, check=False)
    return [line.split(" ", 1)[1] for line in out.stdout.splitlines() if " " in line]


def init_submodules(cwd: Path) -> None:
    run(["submodule", "update", "--init", "--recursive"], cwd=cwd)


def push(cwd: Path, remote: str, branch: str, *, set_upstream: bool = False, lease: str | None = None) -> None:
    """Push one branch; a forced push is only ever a lease on the commit we expect the remote to have."""
    flags = ["--set-upstream"] if set_upstream else []
    if lease is not None:
        flags.append(f"--force-with-lease=refs/heads/{branch}:{lease}")
    run(["push", "--quiet", *flags, "--end-of-options", remote, f"refs/heads/{branch}:refs/heads/{branch}"], cwd=cwd)


def push_branches(cwd: Path, remote: str, branches: Sequence[str], *, leases: Mapping[str, str] | None = None) -> None:
    """Push several branches in one go, each with upstream tracking. Without `leases` a push never
    overwrites (fast-forwards only); with them (branch -> the commit the remote must still have, "" for
    none) each branch is forced only on its lease."""
    flags = [f"--force-with-lease=refs/heads/{b}:{leases[b]}" for b in branches] if leases is not None else []
    specs = [f"refs/heads/{b}:refs/heads/{b}" for b in branches]
    run(["push", "--quiet", "--set-upstream", *flags, "--end-of-options", remote, *specs], cwd=cwd)


def remote_urls(cwd: Path) -> dict[str, str]:
    """Every remote of the repository and the URL it fetches from, in one `git config`."""
    out = run(["config", "-z", "--get-regexp", r"^remote\..*\.url$"], cwd=cwd, check=False)
    if out.returncode not in (0, 1):  # 1: no remote at all
        raise GitError(list(out.argv), out.returncode, out.stderr, out.stdout)
    found = {}
    for record in out.fields():
        key, _, url = record.partition("\n")
        found[key.removeprefix("remote.").removesuffix(".url")] = url
    return found


def push_back(cwd: Path, remote: str, branch: str, commit: str | None, *, expected: str | None) -> None:
    """Set (or, with None, delete) `remote`'s branch, only if it is still at `expected` (a lease)."""
    lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
    source = f"{commit}:refs/heads/{branch}" if commit else f":refs/heads/{branch}"
    run(["push", "--quiet", lease, "--end-of-options", remote, source], cwd=cwd)


SHARED_REFS = "refs/wtorch/"
"""wtorch's own refs (the state that travels, SPEC §4); a remote's copies land under refs/wtorch/remotes/<remote>/."""


def fetch(cwd: Path, remote: str) -> None:
    """Fetch what the remote's configuration says, plus wtorch's shared state (a glob: absent is fine)."""
    configured = run(["config", "--get-all", f"remote.{remote}.fetch"], cwd=cwd, check=False).stdout.split()
    # A glob, not the ref's own name: a remote that has no shared state yet is no error.
    ours = f"+{SHARED_REFS}state*:{SHARED_REFS}remotes/{remote}/state*"
    run(["fetch", "--quiet", "--prune", "--end-of-options", remote, *configured, ours], cwd=cwd)


def read_file_at(cwd: Path, rev: str, path: str) -> str | None:
    """The text of `path` in commit `rev`, or None when either is missing."""
    out = run(["cat-file", "blob", f"{rev}:{path}"], cwd=cwd, check=False)
    return out.stdout if out.ok else None


def commit_file(cwd: Path, path: str, text: str, parents: list[str], message: str) -> str:
    """An unreferenced commit whose tree holds one file: how wtorch's shared state is stored."""
    blob = run(["hash-object", "-w", "--stdin"], cwd=cwd, stdin=text).stdout.strip()
    tree = run(["mktree"], cwd=cwd, stdin=f"100644 blob {blob}\t{path}\n").stdout.strip()
    flags = [flag for parent in parents for flag in ("-p", parent)]
    identity = {"GIT_AUTHOR_NAME": "wtorch", "GIT_AUTHOR_EMAIL": "wtorch@localhost"}
    identity |= {"GIT_COMMITTER_NAME": "wtorch", "GIT_COMMITTER_EMAIL": "wtorch@localhost"}
    return run(["commit-tree", *flags, "-m", message, "--end-of-options", tree], cwd=cwd, env=identity).stdout.strip()


def push_ref(cwd: Path, remote: str, commit: str, ref: str, *, expected: str | None) -> None:
    """Push `commit` to `ref` on the remote, only if the remote's `ref` is still `expected` (None: absent)."""
    run(
        [
            "push",
            "--quiet",
            f"--force-with-lease={ref}:{expected or ''}",
            "--end-of-options",
            remote,
            f"{commit}:{ref}",
        ],
        cwd=cwd,
    )


def first_reflog_sha(cwd: Path, branch: str) -> str | None:
    """Where a branch's reflog begins (normally where it was created), or None without a reflog."""
    out = run(["reflog", "show", "--format=%H", "--end-of-options", f"refs/heads/{branch}"], cwd=cwd, check=False)
    entries = out.stdout.split() if out.ok else []
    return entries[-1] if entries else None


# Throwaway commits for predictions need an identity, whatever the user's config says.
_SCRATCH_IDENTITY = {
    "GIT_AUTHOR_NAME": "wtorch",
    "GIT_AUTHOR_EMAIL": "wtorch@localhost",
    "GIT_COMMITTER_NAME": "wtorch",
    "GIT_COMMITTER_EMAIL": "wtorch@localhost",
}


def predict_rebase(cwd: Path, new_base: str, upstream: str, tip: str) -> tuple[str | None, list[str]]:
    """What `git rebase --onto new_base upstream tip` would give, as a trial merge whose merge base is
    `upstream`: two unreferenced commits on `upstream` carry the trees of `new_base` and `tip`.
    Nothing else is written (git gc takes the two commits)."""
    made = []
    for rev in (new_base, tip):
        tree = tree_of(cwd, rev)
        out = run(["commit-tree", "-p", upstream, "-m", "wtorch prediction", tree], cwd=cwd, env=_SCRATCH_IDENTITY)
        made.append(out.stdout.strip())
    return merge_tree(cwd, made[0], made[1])


def all_commits_applied(cwd: Path, upstream: str, tip: str) -> bool:
    """Whether every commit of upstream..tip has an equivalent (same patch-id) in upstream: the branch
    was rebase-merged or cherry-picked, even if upstream edited the same lines afterwards."""
    out = run(["cherry", "--end-of-options", upstream, tip], cwd=cwd)
    marks = [line.split(" ", 1)[0] for line in out.stdout.splitlines() if line.strip()]
    return bool(marks) and all(mark == "-" for mark in marks)


def merge_subjects(cwd: Path, base: str, *, limit: int = 1000) -> list[str]:
    """Subjects of the merge commits on `base`'s first-parent history, newest first (the last `limit`)."""
    out = run(
        ["log", "--merges", "--first-parent", f"--max-count={limit}", "--format=%s", "--end-of-options", base],
        cwd=cwd,
    )
    return out.stdout.splitlines()


def commit_exists(cwd: Path, sha: str) -> bool:
    return run(["cat-file", "-e", f"{sha}^{{commit}}"], cwd=cwd, check=False).ok


def reflog_shas(cwd: Path, ref: str, *, limit: int = 30) -> list[str]:
    """Where `ref` has been, newest first (the last `limit` entries); empty without a reflog."""
    out = run(["reflog", "show", f"--max-count={limit}", "--format=%H", "--end-of-options", ref], cwd=cwd, check=False)
    return out.stdout.split() if out.ok else []
