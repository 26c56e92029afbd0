"""One target resolver: efforts by id or by branch name, repeated --wave, the same words everywhere."""

from __future__ import annotations

import json
from typing import Any

from tests.gitutil import Repo, efforts, lines, wt

THREE_WAVES = efforts('id = "a"', 'id = "b"\ndepends_on = ["a"]', 'id = "c"\ndepends_on = ["b"]')


def test_every_effort_command_takes_a_branch_name_as_well_as_an_id(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("a", {"a.txt": lines(3)})
    repo.commit("upstream", {"up.txt": "up\n"})

    synced = json.loads(cli("-C", repo.path, "sync", "feature/demo/a", "--json").stdout)
    assert [(o["id"], o["result"]) for o in synced["efforts"]] == [("a", "synced")]
    gated = json.loads(cli("-C", repo.path, "gate", "feature/demo/a", "--json").stdout)
    assert [(b["effort"], b["lines"]) for b in gated["branches"]] == [("a", 3)]
    planned = json.loads(cli("-C", repo.path, "split", "feature/demo/a", "--json").stdout)
    assert (planned["effort"], planned["total_lines"]) == ("a", 3)

    marked = cli("-C", repo.path, "complete", "feature/demo/b", "--reason", "done elsewhere")
    assert (marked.exit_code, marked.stdout) == (0, "b marked complete\n")
    reopened = cli("-C", repo.path, "reopen", "feature/demo/b")
    assert (reopened.exit_code, reopened.stdout) == (0, "b reopened (was complete)\n")
    gone = cli("-C", repo.path, "defunct", "feature/demo/b", "--reason", "dropped")
    assert gone.stdout == "b marked defunct; branch kept as feature/defunct-demo/b\n"

    repo.git("merge", "-q", "--no-edit", "feature/demo/a")
    removed = cli("-C", repo.path, "remove", "feature/demo/a")
    assert removed.exit_code == 0, removed.output
    assert "feature/demo/a" not in repo.branches() and not wt(repo, "a").path.exists()


def test_an_unknown_name_lists_the_ids_in_the_same_words_everywhere(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"'))
    for command in (["remove"], ["complete"], ["defunct", "--reason", "r"], ["reopen"], ["sync"]):
        result = cli("-C", repo.path, *command, "feature/demo/zz")
        assert (result.exit_code, result.stderr) == (2, "wtorch: unknown effort 'feature/demo/zz' (efforts: a, b)\n")


def test_a_repeated_wave_means_each_of_them(cli: Any, project: Any) -> None:
    repo: Repo = project(THREE_WAVES)
    for wave in ("1", "2", "3"):
        assert cli("-C", repo.path, "create-wave", wave).exit_code == 0
    status = json.loads(cli("-C", repo.path, "status", "--wave", "1", "--wave", "3", "--json").stdout)
    assert [e["id"] for e in status["efforts"]] == ["a", "c"]
    assert [w["number"] for w in status["waves"]] == [1, 3]
    gated = json.loads(cli("-C", repo.path, "gate", "--wave", "3", "--wave", "1", "--json").stdout)
    assert [b["effort"] for b in gated["branches"]] == ["a", "c"]
    synced = json.loads(cli("-C", repo.path, "sync", "--wave", "2", "--wave", "3", "--dry-run", "--json").stdout)
    assert [o["id"] for o in synced["efforts"]] == ["b", "c"]
    outside = cli("-C", repo.path, "gate", "b", "--wave", "1", "--wave", "3")
    assert outside.stderr == "wtorch: 'b' not in waves 1, 3; drop --wave or the name\n"
    unknown = cli("-C", repo.path, "status", "--wave", "1", "--wave", "7", "--wave", "9")
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        "wtorch: there is no wave 7, 9 in the manifest (waves: 1, 2, 3)\n",
    )


def test_the_log_records_the_command_as_typed_newest_first_in_both_forms(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"\nowner = "carol"', 'id = "b"\nowner = "dan"'))
    assert cli("-C", repo.path, "--no-color", "create-wave", "1", "--owner", "carol").exit_code == 0
    assert cli("-C", repo.path, "complete", "a", "--reason", "merged as #12").exit_code == 0
    data = json.loads(cli("-C", repo.path, "log", "--json").stdout)
    assert [(op["number"], op["command"]) for op in data["operations"]] == [
        (2, "complete a --reason 'merged as #12'"),
        (1, "create-wave 1 --owner carol"),
    ]
    text = cli("-C", repo.path, "log").stdout
    assert text.index("wtorch complete a --reason 'merged as #12'") < text.index("wtorch create-wave 1 --owner carol")
    undone = cli("-C", repo.path, "undo")
    assert undone.stdout == "undid 2: wtorch complete a --reason 'merged as #12' (marked a complete: merged as #12)\n"


def test_a_damaged_state_file_is_a_clear_message(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    state = repo.path / ".git" / "wtorch" / "state.toml"
    state.parent.mkdir(parents=True)
    state.write_text('version = 1\n[efforts.a]\nmark = "finished"\n')
    result = cli("-C", repo.path, "status")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"wtorch: {state} is damaged (")
    assert result.stderr.endswith("); delete it to rebuild (explicit marks are lost)\n")
