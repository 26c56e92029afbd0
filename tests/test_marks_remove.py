"""complete / defunct / reopen marks, and remove / prune never losing work."""

from __future__ import annotations

import json
import shutil
from typing import Any

from tests.gitutil import Repo, efforts, stop_in_a_rebase, wt
from tests.test_status import by_id, status


def test_complete_mark_unlocks_the_next_wave(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"', 'id = "c"\ndepends_on = ["a", "b"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    marked = cli("-C", repo.path, "complete", "a", "--reason", "merged upstream")
    assert marked.exit_code == 0 and marked.stdout == "a marked complete\n"
    rows = by_id(status(cli, repo))
    assert rows["a"]["state"] == "complete" and rows["a"]["mark_reason"] == "merged upstream"
    created = json.loads(cli("-C", repo.path, "create-wave", "2", "--json").stdout)
    assert created["efforts"][0]["base"] == "feature/demo/b"  # a is complete, b is the single stacked parent
    assert cli("-C", repo.path, "reopen", "a").stdout == "a reopened (was complete)\n"
    assert by_id(status(cli, repo))["a"]["state"] == "created"


def test_defunct_renames_the_branch_and_keeps_work(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "canary"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    w = wt(repo, "canary")
    tip = w.commit("premature", {"canary.go": "package canary\n"})
    w.write("wip.txt", "uncommitted")
    result = cli("-C", repo.path, "defunct", "canary", "--reason", "built without metrics")
    assert result.exit_code == 0
    assert result.stdout == "canary marked defunct; branch kept as feature/defunct-demo/canary\n"
    assert "feature/demo/canary" not in repo.branches()
    assert repo.rev("feature/defunct-demo/canary") == tip
    assert w.git("symbolic-ref", "--short", "HEAD").strip() == "feature/defunct-demo/canary"
    assert (w.path / "wip.txt").read_text() == "uncommitted"
    row = by_id(status(cli, repo))["canary"]
    assert (row["state"], row["branch"], row["mark_reason"]) == (
        "defunct",
        "feature/defunct-demo/canary",
        "built without metrics",
    )
    assert row["worktree_state"] == "ok" and row["dirty"] == 1
    removed = cli("-C", repo.path, "remove", "canary", "--force")
    assert "kept branch feature/defunct-demo/canary (defunct branches are kept)" in removed.stdout
    assert repo.rev("feature/defunct-demo/canary") == tip
    reopened = cli("-C", repo.path, "reopen", "canary")
    assert reopened.stdout == "canary reopened (was defunct)\n"
    assert repo.rev("feature/demo/canary") == tip and "feature/defunct-demo/canary" not in repo.branches()
    repo.fsck()


def test_defunct_needs_a_reason_and_a_known_effort(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    missing = cli("-C", repo.path, "defunct", "a")
    assert missing.exit_code == 2
    blank = cli("-C", repo.path, "defunct", "a", "--reason", " ")
    assert blank.exit_code == 2 and "defunct needs --reason" in blank.stderr
    unknown = cli("-C", repo.path, "complete", "zz")
    assert unknown.exit_code == 2 and unknown.stderr == "wtorch: unknown effort 'zz' (efforts: a)\n"


def test_remove_refuses_a_dirty_worktree_and_the_file_survives(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    w = wt(repo, "a")
    w.write("precious.txt", "do not lose me")
    result = cli("-C", repo.path, "remove", "a")
    assert result.exit_code == 1
    assert (
        f"refused worktree {w.path} (1 uncommitted change(s) in {w.path}: commit or stash them "
        "(or --force, which discards them))"
    ) in result.stdout
    assert (w.path / "precious.txt").read_text() == "do not lose me"
    assert "feature/demo/a" in repo.branches()
    repo.fsck()


def test_remove_clean_worktree_keeps_an_unmerged_branch(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    tip = wt(repo, "a").commit("work", {"a.txt": "a\n"})
    result = cli("-C", repo.path, "remove", "a")
    assert result.exit_code == 0
    assert not wt(repo, "a").path.exists()
    assert "kept branch feature/demo/a (not merged; --force deletes it)" in result.stdout
    assert repo.rev("feature/demo/a") == tip
    forced = cli("-C", repo.path, "remove", "a", "--force")
    assert "removed branch feature/demo/a (forced)" in forced.stdout
    assert "feature/demo/a" not in repo.branches()


def test_remove_refuses_a_locked_worktree(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    repo.git("worktree", "lock", "--reason", "agent busy", str(wt(repo, "a").path))
    result = cli("-C", repo.path, "remove", "a")
    assert result.exit_code == 1 and "is locked (agent busy): `git worktree unlock " in result.stdout
    assert wt(repo, "a").path.is_dir()
    assert cli("-C", repo.path, "remove", "a", "--force").exit_code == 0
    assert not wt(repo, "a").path.exists()


def test_prune_stale_entries_and_merged_efforts(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "gone"', 'id = "merged"', 'id = "open"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    shutil.rmtree(wt(repo, "gone").path)
    wt(repo, "merged").commit("m", {"m.txt": "m\n"})
    repo.git("merge", "-q", "--squash", "feature/demo/merged")
    repo.git("commit", "-q", "-m", "squash merged")
    wt(repo, "open").commit("o", {"o.txt": "o\n"})
    before = repo.git("worktree", "list", "--porcelain")
    dry = cli("-C", repo.path, "prune", "--merged", "--dry-run")
    assert dry.exit_code == 0
    assert f"would remove entry {wt(repo, 'gone').path} (directory is gone)" in dry.stdout
    assert f"would remove worktree {wt(repo, 'merged').path}" in dry.stdout
    assert "would remove branch feature/demo/merged (was squash-merged)" in dry.stdout
    assert repo.git("worktree", "list", "--porcelain") == before
    done = cli("-C", repo.path, "prune", "--merged")
    assert done.exit_code == 0
    listing = repo.git("worktree", "list", "--porcelain")
    assert str(wt(repo, "gone").path) not in listing and str(wt(repo, "merged").path) not in listing
    assert str(wt(repo, "open").path) in listing
    assert repo.branches() == ["feature/demo/gone", "feature/demo/open", "main"]
    repo.fsck()


def test_marks_and_removals_are_logged(cli: Any, project: Any) -> None:
    from wtorch.state import StateStore

    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    Repo(wt(repo, "a").path).commit("x", {"x": "x\n"})
    cli("-C", repo.path, "defunct", "a", "--reason", "r")
    ops = StateStore(repo.path / ".git").read().operations
    assert [op.command for op in ops] == ["create-wave 1", "defunct a --reason r"]
    moves = [(m.ref, m.before is None, m.after is None) for m in ops[1].refs]
    assert moves == [("refs/heads/feature/demo/a", False, True), ("refs/heads/feature/defunct-demo/a", True, False)]


def test_remove_never_takes_the_main_worktree(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    repo.git("checkout", "-q", "-b", "feature/demo/a")
    result = cli("-C", repo.path, "remove", "a", "--force")
    assert result.exit_code == 1
    assert f"refused worktree {repo.path} ({repo.path} is the main worktree: wtorch never removes it)" in result.stdout
    assert repo.path.joinpath("wtorch.toml").exists() and "feature/demo/a" in repo.branches()


def test_status_shows_a_worktree_elsewhere_or_detached(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "moved"', 'id = "detached"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    elsewhere = repo.path.parent / f"{repo.path.name}-elsewhere"
    repo.git("worktree", "move", str(wt(repo, "moved").path), str(elsewhere))
    wt(repo, "detached").git("checkout", "-q", "--detach")
    rows = by_id(status(cli, repo))
    assert (rows["moved"]["worktree_state"], rows["moved"]["worktree"]) == ("elsewhere", str(elsewhere))
    assert rows["detached"]["worktree_state"] == "detached"
    repo.git("worktree", "remove", str(elsewhere))


def test_prune_keeps_a_locked_entry_whose_directory_is_gone(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    path = wt(repo, "a").path
    repo.git("worktree", "lock", "--reason", "removable disk", str(path))
    shutil.rmtree(path)
    result = cli("-C", repo.path, "prune")
    assert f"kept entry {path} (missing but locked (removable disk))" in result.stdout
    assert str(path) in repo.git("worktree", "list", "--porcelain")
    repo.git("worktree", "unlock", str(path))


def test_defunct_refuses_a_branch_in_the_middle_of_a_rebase(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    tip = stop_in_a_rebase(repo, a)
    result = cli("-C", repo.path, "defunct", "a", "--reason", "stop")
    assert result.exit_code == 2
    assert result.stderr == (
        f"wtorch: cannot rename feature/demo/a: a rebase is in progress in {a.path}: "
        "finish it, or `git rebase --abort`, first\n"
    )
    a.git("rebase", "--abort")
    assert repo.rev("feature/demo/a") == tip


def test_remove_and_prune_report_as_json(cli: Any, project: Any) -> None:
    import json

    repo = project(efforts('id = "a"', 'id = "b"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("a", {"a.txt": "a\n"})
    repo.git("merge", "-q", "--no-ff", "--no-edit", "feature/demo/a")
    predicted = json.loads(cli("-C", repo.path, "prune", "--merged", "--dry-run", "--json").stdout)
    assert predicted["schema"] == 1 and predicted["dry_run"] is True
    assert [(a["kind"], a["result"]) for a in predicted["actions"]] == [
        ("worktree", "would remove"),
        ("branch", "would remove"),
    ]
    removed = json.loads(cli("-C", repo.path, "remove", "b", "--json").stdout)
    assert [(a["kind"], a["result"], a["reason"]) for a in removed["actions"]] == [
        ("worktree", "removed", ""),
        ("branch", "kept", "not merged; --force deletes it"),
    ]
