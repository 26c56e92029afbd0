"""`wtorch status`: state derived from git each time, worktree facts, ahead/behind, lines, wave blocking."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.gitutil import Repo, efforts, stop_in_a_rebase, wt


def status(cli: Any, repo: Repo, *args: str) -> dict[str, Any]:
    result = cli("-C", repo.path, "status", "--json", *args)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["schema"] == 1
    return data


def by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in data["efforts"]}


def test_planned_created_active_and_the_row_fields(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"', 'id = "c"\nwave = 2'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    a.commit("one", {"pkg/x.py": "1\n2\n3\n"})
    a.commit("two", {"pkg/y.py": "1\n"})
    a.write("scratch.txt", "uncommitted")
    repo.commit("main moves on", {"other.txt": "x\n"})
    rows = by_id(status(cli, repo))
    assert rows["a"]["state"] == "active" and rows["b"]["state"] == "created" and rows["c"]["state"] == "planned"
    assert (rows["a"]["ahead"], rows["a"]["behind"]) == (2, 1)
    assert rows["a"]["lines"] == 4 and rows["a"]["over"] is False
    assert rows["a"]["dirty"] == 1 and rows["a"]["worktree_state"] == "ok"
    assert rows["a"]["worktree"] == str(a.path) and rows["a"]["base"] == "main"
    assert rows["a"]["last_commit"] == "2026-01-15T12:00:00+00:00"
    assert rows["c"]["worktree"] is None and rows["c"]["worktree_state"] == "none" and rows["c"]["lines"] is None
    assert a.path.joinpath("scratch.txt").read_text() == "uncommitted"
    # --no-worktrees: the same rows without looking inside the worktrees (dirty unknown), for status and report.
    unlooked = by_id(status(cli, repo, "--no-worktrees"))
    assert unlooked["a"]["dirty"] is None and {**unlooked["a"], "dirty": 1} == rows["a"]
    reported = json.loads(cli("-C", repo.path, "report", "--json", "--no-worktrees").stdout)
    assert {e["id"]: e["dirty"] for e in reported["efforts"]} == {"a": None, "b": None, "c": None}


def test_merged_and_squash_merged_efforts_are_complete(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "merged"', 'id = "squashed"', 'id = "open"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "merged").commit("m", {"m.txt": "m\n"})
    wt(repo, "squashed").commit("s1", {"s.txt": "s\n"})
    wt(repo, "squashed").commit("s2", {"s2.txt": "s2\n"})
    wt(repo, "open").commit("o", {"o.txt": "o\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "feature/demo/merged")
    repo.git("merge", "-q", "--squash", "feature/demo/squashed")
    repo.git("commit", "-q", "-m", "squash")
    rows = by_id(status(cli, repo))
    assert (rows["merged"]["state"], rows["merged"]["merged_how"]) == ("complete", "merged")
    assert (rows["squashed"]["state"], rows["squashed"]["merged_how"]) == ("complete", "squash-merged")
    assert rows["open"]["state"] == "active"


def test_squash_merge_detected_even_after_main_changed_the_same_lines(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("a", {"conf.txt": "value = 1\n"})
    repo.git("merge", "-q", "--squash", "feature/demo/a")
    repo.git("commit", "-q", "-m", "squash a")
    repo.commit("retune", {"conf.txt": "value = 2\n"})
    assert by_id(status(cli, repo))["a"]["state"] == "complete"


def test_stacked_child_hands_over_to_main_once_its_parent_is_squash_merged(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "p"', 'id = "c"\ndepends_on = ["p"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "p").commit("p", {"p.txt": "p\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    wt(repo, "c").commit("c", {"c.txt": "c\n"})
    data = status(cli, repo)
    rows = by_id(data)
    assert rows["c"]["base"] == "feature/demo/p" and rows["c"]["stacked_on"] == "p" and rows["c"]["ahead"] == 1
    assert data["waves"] == [
        {"number": 1, "efforts": ["p"], "done": 0, "startable": True, "blocked_by": []},
        {"number": 2, "efforts": ["c"], "done": 0, "startable": True, "blocked_by": ["p"]},
    ]
    repo.git("merge", "-q", "--squash", "feature/demo/p")
    repo.git("commit", "-q", "-m", "squash p")
    rows = by_id(status(cli, repo))
    assert rows["p"]["state"] == "complete"
    assert rows["c"]["base"] == "main" and rows["c"]["stacked_on"] is None and rows["c"]["state"] == "active"


def test_worktree_facts_missing_locked_and_in_progress(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "gone"', 'id = "locked"', 'id = "rebasing"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    shutil.rmtree(wt(repo, "gone").path)
    repo.git("worktree", "lock", "--reason", "on a USB disk", str(wt(repo, "locked").path))
    r = wt(repo, "rebasing")
    stop_in_a_rebase(repo, r)
    rows = by_id(status(cli, repo))
    assert rows["gone"]["worktree_state"] == "prunable" and rows["gone"]["dirty"] is None
    assert rows["locked"]["worktree_state"] == "locked"
    assert rows["rebasing"]["worktree_state"] == "rebase in progress"
    r.git("rebase", "--abort")
    repo.git("worktree", "unlock", str(wt(repo, "locked").path))


def test_table_output_and_wave_filter(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"\ndepends_on = ["a"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    table = cli("-C", repo.path, "status")
    assert table.exit_code == 0
    assert "feature/demo/a" in table.stdout and "created" in table.stdout and "planned" in table.stdout
    assert "wave 2: 0/1 complete; waits for a (can start stacked on it)" in table.stdout
    only = status(cli, repo, "--wave", "2")
    assert [e["id"] for e in only["efforts"]] == ["b"] and [w["number"] for w in only["waves"]] == [2]
    assert cli("-C", repo.path, "status", "--wave", "9").exit_code == 2


def test_status_lines_use_the_gate_budget(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'), header='version = 1\n[project]\nname = "demo"\n[gate]\nmax_lines = 3\n')
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("big", {"big.py": "1\n2\n3\n4\n", "package-lock.json": "{}\n" * 50})
    row = by_id(status(cli, repo))["a"]
    assert (row["lines"], row["over"]) == (4, True)


def test_state_file_can_be_deleted_and_is_rebuilt(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("x", {"x.txt": "x\n"})
    (repo.path / ".git" / "wtorch" / "state.toml").unlink()
    row = by_id(status(cli, repo))["a"]
    assert row["state"] == "active" and row["worktree_state"] == "ok"
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    assert Path(row["worktree"]).is_dir()


def test_worktrees_read_side_by_side_find_every_kind_of_change(cli: Any, project: Any) -> None:
    """Many worktrees are read at once without git's own look-ahead threads (issue 14): the same
    changes are found either way, staged, modified, deleted, renamed and untracked alike."""
    from wtorch import git

    repo = project(efforts(*(f'id = "e{n}"' for n in range(4))))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "e0")
    a.commit("files", {"pkg/x.py": "1\n", "pkg/y.py": "2\n", "pkg/z.py": "3\n"})
    a.write("pkg/x.py", "changed\n")
    a.write("new/deep/untracked.txt", "u\n")
    a.path.joinpath("pkg/y.py").unlink()
    a.git("mv", "pkg/z.py", "pkg/moved.py")
    a.write("staged.txt", "s\n")
    a.git("add", "staged.txt")
    alone = git.worktrees.changes(a.path)
    assert sorted(alone) == sorted(git.worktrees.changes(a.path, crowded=True))
    assert {path for _, path in alone} == {
        "pkg/x.py",
        "pkg/y.py",
        "pkg/moved.py",
        "staged.txt",
        "new/deep/untracked.txt",
    }
    rows = by_id(status(cli, repo))
    assert [rows[f"e{n}"]["dirty"] for n in range(4)] == [5, 0, 0, 0]
