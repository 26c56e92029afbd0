"""What `create-wave` says it did, per effort (issue 15): the files copied, each setup command's result,
a failing setup's last lines and its log — in 80 columns, through the real CLI on real repositories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.gitutil import Repo, efforts, wt

FAILING = "".join(f"echo line {i}\n" for i in range(1, 31)) + "echo boom >&2\nexit 3\n"
WORKTREE = '[worktree]\ncopy = [".env", "cfg", "absent.txt"]\nsetup = ["echo ready > setup.out", "sh tools/fail.sh"]\n'


def make(project: Any, header: str = 'version = 1\n[project]\nname = "demo"\n', *ids: str) -> Repo:
    repo: Repo = project(efforts(*(f'id = "{i}"' for i in ids or ("a",))), header=header + WORKTREE)
    repo.commit("tools", {"tools/fail.sh": FAILING, ".gitignore": ".env\ncfg/\nsetup.out\n"})
    repo.write(".env", "TOKEN=1\n")
    repo.write("cfg/one.txt", "one\n")
    return repo


def test_copied_files_setup_results_and_a_failing_setups_last_lines(
    cli: Any, project: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make(project)
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("create-wave", "1", cwd=repo.path)
    assert result.exit_code == 1, result.output  # a failed setup fails the run (SPEC §5), the worktree is kept
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, result.stdout
    logs = sorted((repo.path / ".git" / "wtorch" / "logs").glob("create-wave-1-*/a.*.log"))
    assert [log.name for log in logs] == ["a.1.log", "a.2.log"]
    log = logs[1].relative_to(repo.path)
    start = lines.index("a: copied .env, cfg/")
    assert lines[start:] == [
        "a: copied .env, cfg/",
        "a: copy: absent.txt is not in the main worktree",
        "a: setup `echo ready > setup.out`: ok",
        "a: setup `sh tools/fail.sh` failed (exit 3):",
        *(f"    line {i}" for i in range(22, 31)),
        "    boom",
        f"    full log: {log}",
    ]
    assert logs[1].read_text() == "".join(f"line {i}\n" for i in range(1, 31)) + "boom\n"
    a = wt(repo, "a")
    assert (a.path / ".env").read_text() == "TOKEN=1\n" and (a.path / "cfg" / "one.txt").read_text() == "one\n"
    assert (a.path / "setup.out").read_text() == "ready\n"
    assert json.loads(cli("-C", repo.path, "status", "--json").stdout)["efforts"][0]["setup"] == (
        "setup `sh tools/fail.sh` exited 3"
    )


def test_the_rerun_retries_the_setup_and_says_so(cli: Any, project: Any) -> None:
    repo = make(project)
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 1
    a = wt(repo, "a")
    (a.path / "tools" / "fail.sh").write_text("echo fixed\n")
    again = cli("-C", repo.path, "create-wave", "1")
    assert again.exit_code == 0, again.output
    lines = again.stdout.splitlines()
    # The files are there already (left as they are): nothing is copied twice.
    assert not any(line.startswith("a: copied") for line in lines)
    assert "a: setup `echo ready > setup.out`: ok" in lines and "a: setup `sh tools/fail.sh`: ok" in lines
    assert "created: adopt existing branch, finish setup" in again.stdout
    third = cli("-C", repo.path, "create-wave", "1")
    assert third.exit_code == 0 and "a: setup" not in third.stdout
    assert "Nothing to do: every effort of wave 1 already has its branch and worktree." in third.stdout


def test_json_names_the_copied_files_and_each_setups_log(cli: Any, project: Any) -> None:
    repo = make(project, 'version = 1\n[project]\nname = "demo"\n', "a", "b")
    result = cli("-C", repo.path, "create-wave", "1", "--json")
    assert result.exit_code == 1
    outcomes = {o["id"]: o for o in json.loads(result.stdout)["efforts"]}
    for effort in ("a", "b"):
        o = outcomes[effort]
        assert o["result"] == "setup failed" and o["copied"] == [".env", "cfg/"]
        assert o["notes"] == ["copy: absent.txt is not in the main worktree"]
        ok, failed = o["setup"]
        assert ok == {"command": "echo ready > setup.out", "returncode": 0, "output": "", "log": ok["log"]}
        assert failed["command"] == "sh tools/fail.sh" and failed["returncode"] == 3
        assert failed["output"].endswith("line 30\nboom\n")
        assert Path(failed["log"]).read_text() == failed["output"]
        assert Path(failed["log"]).parent == Path(ok["log"]).parent  # one directory per run
        assert Path(failed["log"]).name == f"{effort}.2.log"


def test_a_dry_run_copies_nothing_runs_nothing_and_keeps_no_log(cli: Any, project: Any) -> None:
    repo = make(project)
    dry = cli("-C", repo.path, "create-wave", "1", "--dry-run", "--json")
    assert dry.exit_code == 0
    (o,) = json.loads(dry.stdout)["efforts"]
    assert o["result"] == "would create" and o["copied"] == [] and o["setup"] == []
    assert not (repo.path / ".git" / "wtorch" / "logs").exists()


@pytest.mark.parametrize("width", [80, 120])
def test_long_names_fit_and_stay_whole(cli: Any, project: Any, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    header = 'version = 1\n[project]\nname = "payments-platform-rewrite"\n'
    repo = make(project, header, "p6w1-synctarget-controller")
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("create-wave", "1", cwd=repo.path)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width, result.stdout
    assert "p6w1-synctarget-controller: copied .env, cfg/" in lines
    assert "p6w1-synctarget-controller: setup `echo ready > setup.out`: ok" in lines
    assert "p6w1-synctarget-controller: setup `sh tools/fail.sh` failed (exit 3):" in lines
    assert "    boom" in lines
    # The table has no room for the result column at 80: each effort's result is said under it.
    said = "p6w1-synctarget-controller: setup failed: setup `sh tools/fail.sh` exited 3"
    assert (said in lines) == (width == 80)
