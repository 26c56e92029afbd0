"""Batched facts give the answers per-effort git calls give (issue 14).

status, gate and sync read how branches relate in batches (one `rev-list` walk per base, one
`diff-tree --stdin` for many diffs) and skip the squash-merge checks where the batch proves them
needless. Here every answer is checked against git asked one effort at a time, the way wtorch
asked before: on merges, squash-merges, rebase-merges, renames, stacks, a branch that merged its
base in, a branch with no commits, and a squash-merge later reverted.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from tests.gitutil import Repo, efforts, lines, wt
from wtorch import git
from wtorch.git.ancestry import Ancestry

NAMES = ["active", "merged", "squashed", "rebased", "renamed", "child", "mergedin", "empty", "reverted"]
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
MANIFEST = efforts(*(f'id = "{n}"' for n in NAMES if n != "child"), 'id = "child"\ndepends_on = ["active"]')


def _per_effort_merged(cwd: Path, base: str, tip: str, created_on: str | None) -> str | None:
    """How the effort is merged into `base`, decided the way wtorch did before batching: each
    question its own git call, for every branch."""
    if git.refs.is_ancestor(cwd, tip, base):
        return "merged" if created_on is not None and tip != created_on else None
    fork = git.refs.merge_base(cwd, base, tip)
    if fork is None or git.refs.tree_of(cwd, tip) == git.refs.tree_of(cwd, fork):
        return None
    tree, _ = git.refs.merge_tree(cwd, base, tip)
    if tree is not None:
        return "squash-merged" if tree == git.refs.tree_of(cwd, base) else None
    change = git.refs.patch_id(cwd, fork, tip)
    if change and change in git.refs.patch_ids_of_commits(cwd, fork, base):
        return "squash-merged"
    return "rebase-merged" if git.refs.all_commits_applied(cwd, base, tip) else None


def _numstat_lines(cwd: Path, base: str, tip: str) -> int:
    fork = git.refs.merge_base(cwd, base, tip)
    out = git.run(["diff", "--numstat", "-M", fork or base, tip], cwd=cwd).stdout
    return sum(int(a) + int(d) for a, d, *_ in (line.split("\t") for line in out.splitlines()))


def _history(cli: Any, project: Any) -> Repo:
    repo = project(MANIFEST)
    repo.commit("shared", {"shared.txt": lines(20, "s"), "old/name.txt": lines(30, "n")})
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    branch = {n: f"feature/demo/{n}" for n in NAMES}
    wt(repo, "active").commit("active", {"active.txt": lines(5)})
    wt(repo, "merged").commit("merged", {"merged.txt": lines(3)})
    wt(repo, "squashed").commit("squashed 1", {"squashed.txt": lines(4)})
    wt(repo, "squashed").commit("squashed 2", {"squashed.txt": lines(6)})
    wt(repo, "rebased").commit("rebased 1", {"shared.txt": lines(20, "s") + "r1\n"})
    wt(repo, "rebased").commit("rebased 2", {"rebased.txt": "r2\n"})
    renamed = wt(repo, "renamed")
    (renamed.path / "new").mkdir()
    renamed.git("mv", "old/name.txt", "new/name.txt")
    renamed.commit("rename", {"new/name.txt": lines(30, "n") + "one more\n"})
    wt(repo, "mergedin").commit("mergedin", {"mergedin.txt": lines(2)})
    wt(repo, "reverted").commit("reverted", {"reverted.txt": lines(7)})
    # main: a true merge, a squash, a rebase-merge then an edit of the same lines, a squash reverted.
    repo.git("merge", "-q", "--no-ff", "--no-edit", branch["merged"])
    repo.git("merge", "-q", "--squash", branch["squashed"])
    repo.commit("squash squashed")
    for sha in repo.git("rev-list", "--reverse", f"main..{branch['rebased']}").split():
        repo.git("cherry-pick", sha)
    repo.commit("edit what rebased changed", {"shared.txt": lines(20, "s") + "r1 edited\n"})
    repo.git("merge", "-q", "--squash", branch["reverted"])
    repo.commit("squash reverted")
    repo.git("revert", "--no-edit", "HEAD")
    repo.commit("main moves on", {"main.txt": lines(9)})
    wt(repo, "mergedin").git("merge", "-q", "--no-edit", "main")
    wt(repo, "mergedin").commit("after merging main in", {"mergedin.txt": lines(4)})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    wt(repo, "child").commit("child", {"child.txt": lines(8)})
    return repo


def test_status_and_gate_agree_with_git_asked_per_effort(cli: Any, project: Any) -> None:
    repo = _history(cli, project)
    cwd = repo.path
    state = json.loads(cli("-C", cwd, "status", "--json").stdout)
    rows = {row["id"]: row for row in state["efforts"]}
    records = _records(cwd)
    expected_how = {}
    for name in NAMES:
        tip = repo.rev(f"feature/demo/{name}")
        expected_how[name] = _per_effort_merged(cwd, repo.rev("main"), tip, records.get(name))
    assert {n: rows[n]["merged_how"] for n in NAMES} == expected_how
    assert expected_how == {
        "active": None,
        "merged": "merged",
        "squashed": "squash-merged",
        "rebased": "rebase-merged",
        "renamed": None,
        "child": None,
        "mergedin": None,
        "empty": None,
        "reverted": None,
    }
    for name in NAMES:
        row = rows[name]
        if row["ahead"] is None:
            continue
        base_sha, tip = repo.rev(row["base"]), repo.rev(f"feature/demo/{name}")
        assert (row["ahead"], row["behind"]) == git.refs.ahead_behind(cwd, base_sha, tip), name
        if row["lines"] is not None:  # not measured once complete
            assert row["lines"] == _numstat_lines(cwd, base_sha, tip), name
    assert rows["child"]["base"] == "feature/demo/active"
    gate = json.loads(cli("-C", cwd, "gate", "--json").stdout)
    for entry in gate["branches"]:
        assert entry["merge_base"] == git.refs.merge_base(cwd, repo.rev(entry["base"]), entry["tip"])
        assert entry["lines"] == _numstat_lines(cwd, repo.rev(entry["base"]), entry["tip"]), entry["branch"]


def test_sync_finds_the_same_branches_up_to_date_as_git_does(cli: Any, project: Any) -> None:
    repo = _history(cli, project)
    plan = json.loads(cli("-C", repo.path, "sync", "--dry-run", "--json").stdout)
    for outcome in plan["efforts"]:
        if outcome["result"] in ("up to date", "would sync", "would conflict"):
            contained = git.refs.is_ancestor(repo.path, repo.rev(outcome["base"]), outcome["before"])
            assert (outcome["result"] == "up to date") == contained, outcome
    results = {o["id"]: o["result"] for o in plan["efforts"]}
    assert results["mergedin"] == "up to date" and results["active"] == "would sync"


def _records(cwd: Path) -> dict[str, str | None]:
    """Each effort's recorded creation commit (what tells "merged" from "no commits yet")."""
    from wtorch.state import StateStore

    common = Path(git.run(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=cwd).stdout.strip())
    return {k: r.base_commit for k, r in StateStore(common).read().efforts.items()}


def test_ancestry_matches_merge_base_and_rev_list_on_random_histories(repo: Repo) -> None:
    """Random branching and merging; every (base, tip) pair's relation equals git's own answers."""
    rng = random.Random(14)
    commits = [repo.rev("HEAD")]
    for n in range(60):
        parent = rng.choice(commits[-12:])
        repo.git("checkout", "-q", "--detach", parent)
        if rng.random() < 0.25 and len(commits) > 3:
            other = rng.choice(commits)
            repo.git("merge", "-q", "--no-edit", "-s", "ours", "--allow-unrelated-histories", other, check=False)
        commits.append(repo.commit(f"c{n}", {f"f{n % 7}.txt": f"{n}\n"}))
    commits.append(repo.git("commit-tree", "-m", "island", EMPTY_TREE).strip())  # no history in common
    pairs = [(rng.choice(commits), rng.choice(commits)) for _ in range(150)]
    ancestry = Ancestry(repo.path)
    ancestry.prefetch(pairs)
    for base, tip in pairs:
        relation = ancestry.relation(base, tip)
        fork = git.refs.merge_base(repo.path, base, tip)
        assert relation.merge_base == fork, (base, tip)
        assert (relation.ahead, relation.behind) == git.refs.ahead_behind(repo.path, base, tip), (base, tip)
        assert relation.contained == git.refs.is_ancestor(repo.path, tip, base)


def test_a_state_read_without_its_log_has_everything_else_and_the_last_entry(cli: Any, project: Any) -> None:
    """Read-only commands read the state without the operations log's older entries (issue 14)."""
    import pytest

    from wtorch.state import StateStore

    repo = _history(cli, project)
    assert cli("-C", repo.path, "complete", "active", "--reason", "shipped by hand").exit_code == 0
    assert cli("-C", repo.path, "split", "child", "--max-lines", "5", "--apply").exit_code == 0
    store = StateStore(repo.path / ".git")
    whole, cut = store.read(), store.read(log=False)
    assert len(whole.operations) >= 4 and cut.operations == whole.operations[-1:]
    assert (cut.efforts, cut.splits, cut.integrations) == (whole.efforts, whole.splits, whole.integrations)
    assert store.settled(cut) == store.settled(whole)
    with pytest.raises(AssertionError):
        store.write(cut)  # the older entries would be lost
    assert store.read() == whole


def test_the_kept_parse_of_the_state_answers_only_for_the_very_text_it_was_made_from(cli: Any, project: Any) -> None:
    """A read-only read keeps its parse beside the state file; an edit of the same size in the
    same instant, a damaged kept parse, or one that cannot be written never changes an answer."""
    import marshal
    import os
    import zlib

    from wtorch.state import StateStore

    repo = _history(cli, project)
    assert cli("-C", repo.path, "complete", "active", "--reason", "shipped by hand").exit_code == 0
    store = StateStore(repo.path / ".git")
    kept = store.dir / "state.parsed"
    first = store.read(log=False)
    assert kept.is_file()
    assert store.read(log=False) == first
    # The kept parse is what answers: a forged one, kept for this very text, is believed.
    head = kept.read_bytes()[: kept.read_bytes().index(b"\n") - 8]
    text, data = marshal.loads(kept.read_bytes()[len(head) + 9 :])
    data["efforts"]["active"]["mark_reason"] = "forged"
    body = marshal.dumps((text, data))
    kept.write_bytes(head + b"%08x\n" % zlib.crc32(body) + body)
    assert store.read(log=False).efforts["active"].mark_reason == "forged"
    kept.unlink()
    assert store.read(log=False) == first
    # Rewrite one letter of the reason: same size, and the same modification time.
    stat = store.path.stat()
    text = store.path.read_text()
    store.path.write_text(text.replace("shipped by hand", "shipped by band"))
    os.utime(store.path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    edited = store.read(log=False)
    assert edited.efforts["active"].mark_reason == "shipped by band"
    assert edited == StateStore(repo.path / ".git").read(log=False) == _parsed_afresh(store)
    kept.write_bytes(kept.read_bytes()[:-7])  # damaged: cut short
    assert store.read(log=False) == edited
    blob = bytearray(kept.read_bytes())
    blob[-20] ^= 0xFF  # damaged inside, the length unchanged: the checksum tells
    kept.write_bytes(bytes(blob))
    assert store.read(log=False) == edited
    kept.unlink()
    kept.mkdir()  # cannot be replaced by a file: the read still answers, from the text
    assert store.read(log=False) == edited
    kept.rmdir()
    # The status a user sees is the same with and without the kept parse.
    shown = cli("-C", repo.path, "status", "--json")
    kept.unlink()
    assert cli("-C", repo.path, "status", "--json").stdout == shown.stdout


def _parsed_afresh(store: Any) -> Any:
    """The state read with no kept parse there to answer."""
    kept = store.dir / "state.parsed"
    saved = kept.read_bytes() if kept.is_file() else None
    kept.unlink(missing_ok=True)
    try:
        return store.read(log=False)
    finally:
        if saved is not None:
            kept.write_bytes(saved)
