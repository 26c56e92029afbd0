"""Stacks you can trust (issue 11): facts that outlive branches, and the cases stacked-branch tools test.

Each scenario was reproduced on the code before the fix; docs/sync.md lists them in a table.
"""

from __future__ import annotations

import json
from typing import Any

from tests.gitutil import Repo, efforts, lines, wt
from tests.test_status import by_id, status
from tests.test_sync import no_operation_in_progress, sync

STACK = efforts('id = "p"', 'id = "c"\ndepends_on = ["p"]')


def stacked(cli: Any, project: Any) -> Repo:
    """p with one commit (p1), c stacked on it with one commit (c1)."""
    repo = project(STACK)
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "p").commit("p1", {"p.txt": "p1\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    wt(repo, "c").commit("c1", {"c.txt": "c1\n"})
    return repo


# 1. A completed effort stays complete after its branch is gone ----------------------------------


def test_an_effort_merged_then_removed_by_wtorch_stays_complete(cli: Any, project: Any) -> None:
    repo = project(STACK)
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "p").commit("p1", {"p.txt": "p1\n"})
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature/demo/p")
    removed = cli("-C", repo.path, "remove", "p")
    assert removed.exit_code == 0 and "feature/demo/p" not in repo.branches()
    data = status(cli, repo)
    assert (by_id(data)["p"]["state"], by_id(data)["p"]["merged_how"]) == ("complete", "merged")
    assert data["waves"][1]["blocked_by"] == []
    again = json.loads(cli("-C", repo.path, "create-wave", "1", "--json").stdout)
    assert [(o["id"], o["result"]) for o in again["efforts"]] == [("p", "skipped")]
    assert "feature/demo/p" not in repo.branches()
    made = json.loads(cli("-C", repo.path, "create-wave", "2", "--json").stdout)
    assert [(o["id"], o["result"], o["base"]) for o in made["efforts"]] == [("c", "created", "main")]


def test_an_effort_merged_then_deleted_by_hand_stays_complete(cli: Any, project: Any) -> None:
    repo = project(STACK)
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "p").commit("p1", {"p.txt": "p1\n"})
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature/demo/p")
    repo.git("worktree", "remove", str(wt(repo, "p").path))
    repo.git("branch", "-D", "feature/demo/p")
    rows = by_id(status(cli, repo))
    assert (rows["p"]["state"], rows["p"]["merged_how"]) == ("complete", "merged")


def test_a_squash_merged_effort_whose_branch_wtorch_deleted_stays_complete(cli: Any, project: Any) -> None:
    repo = project(STACK)
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "p").commit("p1", {"p.txt": "p1\n"})
    repo.git("merge", "-q", "--squash", "feature/demo/p")
    repo.git("commit", "-q", "-m", "p (#1)")
    assert cli("-C", repo.path, "prune", "--merged").exit_code == 0
    assert "feature/demo/p" not in repo.branches()
    rows = by_id(status(cli, repo))
    assert (rows["p"]["state"], rows["p"]["merged_how"]) == ("complete", "squash-merged")


# 3. A parent branch renamed or deleted outside wtorch ------------------------------------------


def test_a_child_keeps_its_parents_commits_when_the_parent_branch_is_deleted(cli: Any, project: Any) -> None:
    repo = stacked(cli, project)
    child = repo.rev("feature/demo/c")
    repo.git("worktree", "remove", str(wt(repo, "p").path))
    repo.git("branch", "-D", "feature/demo/p")
    repo.commit("upstream", {"up.txt": "up\n"})
    code, rows = sync(cli, repo)
    assert code == 0 and rows["c"]["result"] == "skipped"
    assert rows["c"]["why"] == (
        "its parent p's branch feature/demo/p is gone and p is not complete; its commits are still in "
        "feature/demo/c: restore the branch (`git branch feature/demo/p <commit>`), or mark p complete or defunct"
    )
    assert repo.rev("feature/demo/c") == child
    assert repo.git("log", "--format=%s", "main..feature/demo/c").split() == ["c1", "p1"]
    rows = by_id(status(cli, repo))
    assert rows["p"]["state"] == "missing"


def test_a_renamed_parent_is_not_planned_and_its_child_keeps_the_work(cli: Any, project: Any) -> None:
    repo = stacked(cli, project)
    repo.git("branch", "-m", "feature/demo/p", "feature/demo/p-renamed")
    repo.commit("upstream", {"up.txt": "up\n"})
    _, rows = sync(cli, repo)
    assert rows["c"]["result"] == "skipped"
    assert repo.git("log", "--format=%s", "main..feature/demo/c").split() == ["c1", "p1"]
    assert by_id(status(cli, repo))["p"]["state"] == "missing"
    refused = json.loads(cli("-C", repo.path, "create-wave", "1", "--json").stdout)
    assert [(o["id"], o["result"]) for o in refused["efforts"]] == [("p", "refused")]
    assert "feature/demo/p" not in repo.branches()


# 4. A stale recorded base -----------------------------------------------------------------------


def test_a_child_rebased_by_hand_onto_its_grown_parent_syncs_after_the_parent_is_squashed(
    cli: Any, project: Any
) -> None:
    repo = stacked(cli, project)
    wt(repo, "p").commit("p2", {"p.txt": "p2\n"})
    wt(repo, "c").git("rebase", "-q", "feature/demo/p")
    repo.git("merge", "-q", "--squash", "feature/demo/p")
    repo.git("commit", "-q", "-m", "p (#1)")
    repo.commit("later", {"p.txt": "p3\n"})  # main moves on over the same lines
    code, rows = sync(cli, repo, "c")
    assert code == 0 and rows["c"]["result"] == "synced", rows["c"]
    assert repo.git("log", "--format=%s", "main..feature/demo/c").split() == ["c1"]
    no_operation_in_progress(repo)


# 5. Rebase-merged, then edited ----------------------------------------------------------------


def test_an_effort_cherry_picked_onto_main_then_edited_there_is_complete(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    a.commit("a1", {"a.txt": "one\n"})
    a.commit("a2", {"b.txt": "two\n"})
    repo.commit("other", {"o.txt": "o\n"})  # so the picks are new commits, not the branch's own
    repo.git("cherry-pick", "feature/demo/a~1", "feature/demo/a")
    repo.commit("edit", {"a.txt": "one, edited\n", "b.txt": "two, edited\n"})
    rows = by_id(status(cli, repo))
    assert (rows["a"]["state"], rows["a"]["merged_how"]) == ("complete", "rebase-merged")
    _, synced = sync(cli, repo)
    assert synced["a"]["result"] == "skipped" and synced["a"]["why"] == "complete: nothing to sync"


# 6. Merge strategy with a squash-merged parent -----------------------------------------------


def test_merge_strategy_moves_past_a_squash_merged_parent(cli: Any, project: Any) -> None:
    header = 'version = 1\n[project]\nname = "demo"\n[sync]\nstrategy = "merge"\n'
    repo = project(STACK, header=header)
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "p").commit("p1", {"p.txt": "one\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    wt(repo, "c").commit("c1", {"p.txt": "one, and the child's line\n"})
    repo.git("merge", "-q", "--squash", "feature/demo/p")
    repo.git("commit", "-q", "-m", "p (#1)")
    code, rows = sync(cli, repo, "c")
    assert code == 0 and rows["c"]["result"] == "synced", rows["c"]
    repo.git("merge-base", "--is-ancestor", "main", "feature/demo/c")
    assert (wt(repo, "c").path / "p.txt").read_text() == "one, and the child's line\n"
    no_operation_in_progress(repo)


# 10. Stacks after split -----------------------------------------------------------------------


def test_gate_measures_a_split_chunk_against_the_chunk_below(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "big"'), header='version = 1\n[project]\nname = "demo"\n[gate]\nmax_lines = 50\n')
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "big").commit("big", {"one/a.txt": lines(40, "a"), "two/b.txt": lines(40, "b")})
    assert cli("-C", repo.path, "split", "big", "--apply").exit_code == 0
    gated = cli("-C", repo.path, "gate", "feature/demo/big-1-split", "feature/demo/big-2-split", "--json")
    rows = json.loads(gated.stdout)["branches"]
    assert [(r["branch"], r["base"], r["lines"]) for r in rows] == [
        ("feature/demo/big-1-split", "main", 40),
        ("feature/demo/big-2-split", "feature/demo/big-1-split", 40),
    ]
    assert gated.exit_code == 0
    table = cli("-C", repo.path, "gate", "big", "--format", "github").stdout
    assert "wtorch split" not in table and "already split into 2" in table


# 7. With a remote, counting uses what the pull request shows -------------------------------------


def test_counting_uses_the_remote_base_when_it_is_ahead(cli: Any, machines: Any) -> None:
    _, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1").exit_code == 0
    m2.commit("upstream", {"up.txt": "one\ntwo\n"})
    m2.git("push", "-q", "origin", "main")
    a = wt(m1, "a")
    a.git("fetch", "-q")
    a.git("merge", "-q", "--no-edit", "origin/main")
    a.commit("mine", {"a.txt": "mine\n"})
    assert m1.rev("main") != m1.rev("origin/main")  # the local base is behind
    (row,) = json.loads(cli("-C", m1.path, "gate", "a", "--json").stdout)["branches"]
    assert (row["base"], row["lines"]) == ("origin/main", 1)
    rows = by_id(status(cli, m1))
    assert (rows["a"]["base"], rows["a"]["lines"], rows["a"]["ahead"]) == ("origin/main", 1, 1)
    planned = json.loads(cli("-C", m1.path, "split", "a", "--json").stdout)
    assert (planned["base"], planned["total_lines"]) == ("origin/main", 1)


# 8. A colleague on the same branch -------------------------------------------------------------


def test_status_remote_shows_ahead_and_behind_of_the_remote_branch(cli: Any, machines: Any) -> None:
    _, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--push").exit_code == 0
    m2.git("fetch", "-q")
    m2.git("checkout", "-q", "-b", "feature/demo/a", "origin/feature/demo/a")
    m2.commit("colleague", {"c.txt": "c\n"})
    m2.git("push", "-q", "origin", "feature/demo/a")
    wt(m1, "a").commit("mine", {"a.txt": "a\n"})
    rows = by_id(status(cli, m1, "--remote"))
    assert (rows["a"]["remote_ahead"], rows["a"]["remote_behind"]) == (1, 1)
    assert (rows["b"]["remote_ahead"], rows["b"]["remote_behind"]) == (0, 0)
    assert by_id(status(cli, m1))["a"]["remote_ahead"] is None


# 9. Undo reverts its own pushes, and a second undo says what it redid ------------------------------


def test_undo_puts_the_remote_branch_back_and_redo_pushes_again(cli: Any, machines: Any) -> None:
    remote, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--push").exit_code == 0
    a = wt(m1, "a")
    a.commit("mine", {"a.txt": "a\n"})
    a.git("push", "-q", "origin", "feature/demo/a")
    published = remote.git("rev-parse", "refs/heads/feature/demo/a").strip()
    m2.commit("upstream", {"up.txt": "up\n"})
    m2.git("push", "-q", "origin", "main")
    synced = cli("-C", m1.path, "sync", "a", "--push")
    assert synced.exit_code == 0, synced.output
    pushed = remote.git("rev-parse", "refs/heads/feature/demo/a").strip()
    assert pushed != published and pushed == m1.rev("feature/demo/a")
    undone = cli("-C", m1.path, "undo")
    assert undone.exit_code == 0, undone.output
    assert undone.stdout.splitlines()[0] == "undid 2: wtorch sync a --push"
    assert f"  put origin/feature/demo/a back to {published[:10]}" in undone.stdout.splitlines()
    assert remote.git("rev-parse", "refs/heads/feature/demo/a").strip() == published == m1.rev("feature/demo/a")
    redone = cli("-C", m1.path, "undo")
    assert redone.stdout.splitlines()[0] == "undid 3: wtorch undo (undid 2: wtorch sync a --push)"
    assert remote.git("rev-parse", "refs/heads/feature/demo/a").strip() == pushed == m1.rev("feature/demo/a")
    third = cli("-C", m1.path, "undo")
    assert third.stdout.splitlines()[0] == "undid 4: wtorch undo (undid 3: wtorch undo (undid 2: wtorch sync a --push))"
    assert remote.git("rev-parse", "refs/heads/feature/demo/a").strip() == published


def test_undo_leaves_a_remote_branch_someone_pushed_to_since(cli: Any, machines: Any) -> None:
    remote, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--push").exit_code == 0
    m2.git("fetch", "-q")
    m2.git("checkout", "-q", "-b", "feature/demo/a", "origin/feature/demo/a")
    theirs = m2.commit("colleague", {"c.txt": "c\n"})
    m2.git("push", "-q", "origin", "feature/demo/a")
    undone = cli("-C", m1.path, "undo")
    assert undone.exit_code == 0, undone.output
    assert any(line.startswith("  left origin/feature/demo/a as it is (") for line in undone.stdout.splitlines())
    assert remote.git("rev-parse", "refs/heads/feature/demo/a").strip() == theirs
    assert "  deleted origin/feature/demo/b" in undone.stdout.splitlines()
    assert remote.git("for-each-ref", "refs/heads/feature/demo/b") == ""


# 2. Marks and lineage travel with the repository ---------------------------------------------------


def test_a_mark_made_on_one_machine_is_seen_on_the_other(cli: Any, machines: Any) -> None:
    remote, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--push").exit_code == 0
    marked = cli("-C", m1.path, "complete", "a", "--reason", "merged upstream as #7", "--push")
    assert marked.exit_code == 0, marked.output
    assert remote.git("for-each-ref", "--format=%(refname)", "refs/wtorch/") == "refs/wtorch/state\n"
    rows = by_id(status(cli, m2, "--remote"))
    assert (rows["a"]["state"], rows["a"]["mark_reason"]) == ("complete", "merged upstream as #7")
    assert rows["b"]["state"] == "created"  # from the remote branch m1 pushed
    # m2 defunct-marks b and publishes; m1 sees both marks, the later one too.
    assert cli("-C", m2.path, "create-wave", "1").exit_code == 0
    assert cli("-C", m2.path, "defunct", "b", "--reason", "dropped", "--push").exit_code == 0
    rows = by_id(status(cli, m1, "--remote"))
    assert (rows["a"]["state"], rows["b"]["state"], rows["b"]["mark_reason"]) == ("complete", "defunct", "dropped")
    # A reopen travels by time as well.
    assert cli("-C", m1.path, "reopen", "a", "--push").exit_code == 0
    assert by_id(status(cli, m2, "--remote"))["a"]["state"] == "created"


def test_completion_and_lineage_travel_through_sync_push(cli: Any, machines: Any) -> None:
    _, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--push").exit_code == 0
    wt(m1, "a").commit("a", {"one/a.txt": lines(40, "a"), "two/b.txt": lines(40, "b")})
    assert cli("-C", m1.path, "split", "a", "--max-lines", "50", "--apply").exit_code == 0
    wt(m1, "b").commit("b", {"b.txt": "b\n"})
    m1.git("merge", "-q", "--no-ff", "--no-edit", "feature/demo/b")
    m1.git("push", "-q", "origin", "main")
    assert cli("-C", m1.path, "remove", "b").exit_code == 0  # its branch goes; its completion is recorded
    assert cli("-C", m1.path, "sync", "--push").exit_code == 0
    rows = by_id(status(cli, m2, "--remote"))
    assert (rows["b"]["state"], rows["b"]["merged_how"]) == ("complete", "merged")
    assert rows["a"]["split_into"] == ["feature/demo/a-1-split", "feature/demo/a-2-split"]
