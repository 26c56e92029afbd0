"""`wtorch validate-wave N` on real repositories: clean worktrees, the gate, validate.command — and nothing changed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.gitutil import Repo, efforts, lines, wt
from tests.test_run import pid_in, writes_pid

TWO = efforts('id = "a"', 'id = "b"', 'id = "c"\ndepends_on = ["a"]')


def manifest(command: str | None = "test -f README.md", *, max_lines: int = 800, extra: str = "") -> str:
    validate = f"[validate]\ncommand = {json.dumps(command)}\n" if command is not None else ""
    return f"[gate]\nmax_lines = {max_lines}\n{validate}{extra}{TWO}"


def validate(cli: Any, repo: Repo, *args: str) -> tuple[int, dict[str, Any], dict[str, dict[str, Any]]]:
    result = cli("-C", repo.path, "validate-wave", "--json", *args)
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    return result.exit_code, data, {e["id"]: e for e in data["efforts"]}


def wave_one(cli: Any, project: Any, body: str) -> Repo:
    repo: Repo = project(body)
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    return repo


def whys(row: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {name: (check["result"], check["why"]) for name, check in row["checks"].items()}


def test_a_ready_wave_passes(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project, manifest())
    wt(repo, "a").commit("work", {"a.txt": lines(12)})
    code, data, rows = validate(cli, repo, "1")
    assert code == 0 and data["failed"] == [] and data["command"] == "test -f README.md"
    assert rows["a"]["result"] == "pass" and rows["a"]["worktree"] == str(wt(repo, "a").path)
    checks = whys(rows["a"])
    assert checks["clean"] == ("pass", "clean") and checks["gate"] == ("pass", "12/800 lines")
    assert checks["command"][0] == "pass" and checks["command"][1].startswith("exit 0 (")
    assert rows["a"]["checks"]["gate"]["lines"] == 12 and rows["a"]["checks"]["command"]["returncode"] == 0
    assert Path(rows["a"]["checks"]["command"]["log"]).parent == Path(data["log_dir"])
    assert Path(data["log_dir"]).parent == repo.path / ".git" / "wtorch" / "logs"
    text = cli("-C", repo.path, "validate-wave", "1")
    assert text.exit_code == 0 and text.stdout.rstrip().endswith("wave 1: 2 effort(s) pass")


def test_dirty_worktree_fails_naming_the_files_and_copied_files_do_not_count(cli: Any, project: Any) -> None:
    repo: Repo = project(manifest(extra='[worktree]\ncopy = [".env"]\n'))
    repo.write(".env", "SECRET=1\n")  # untracked in main; copied into each new worktree
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    b = wt(repo, "b")
    b.write("README.md", "changed\n")
    b.write("notes/new.txt", "new\n")
    code, data, rows = validate(cli, repo, "1")
    assert code == 1 and data["failed"] == ["b"]
    assert whys(rows["a"])["clean"] == ("pass", "clean")  # its .env is the copy, untouched
    assert whys(rows["b"])["clean"] == ("fail", "2 uncommitted change(s): README.md, notes/new.txt")
    assert rows["b"]["checks"]["clean"]["changes"] == ["README.md", "notes/new.txt"]
    assert whys(rows["b"])["gate"][0] == "pass" and whys(rows["b"])["command"][0] == "pass"
    (wt(repo, "a").path / ".env").write_text("SECRET=2\n")
    code, _, rows = validate(cli, repo, "1")
    assert whys(rows["a"])["clean"] == ("fail", "1 uncommitted change(s): .env")


def test_over_budget_fails_with_lines_and_budget(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project, manifest(max_lines=10))
    wt(repo, "a").commit("big", {"big.txt": lines(12)})
    code, data, rows = validate(cli, repo, "1")
    assert code == 1 and data["failed"] == ["a"] and data["max_lines"] == 10
    assert whys(rows["a"])["gate"] == ("fail", "12/10 lines: over budget; `wtorch split a` plans a split")
    assert rows["a"]["checks"]["gate"]["lines"] == 12 and rows["a"]["checks"]["gate"]["max_lines"] == 10
    assert whys(rows["b"])["gate"] == ("pass", "0/10 lines")


def test_a_failing_validate_command_shows_its_output_and_log(cli: Any, project: Any) -> None:
    command = 'echo "checking ${PWD##*/}"; test "${PWD##*/}" != b'
    repo = wave_one(cli, project, manifest(command))
    code, data, rows = validate(cli, repo, "1")
    assert code == 1 and data["failed"] == ["b"]
    result, why = whys(rows["b"])["command"]
    assert result == "fail" and why.startswith("exit 1 (")
    assert rows["b"]["checks"]["command"]["tail"] == ["checking b"]
    log = Path(rows["b"]["checks"]["command"]["log"])
    assert log.read_text() == "checking b\n" and log.name == "b.log"
    text = cli("-C", repo.path, "validate-wave", "1")
    assert text.exit_code == 1 and "── b: exit 1 after " in text.stdout and "checking b\n" in text.stdout
    assert "checking a" not in text.stdout and "full log: " in text.stdout
    assert text.stdout.rstrip().endswith("wave 1 failed: b")


def test_no_validate_command_says_so_and_checks_the_rest(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project, manifest(None))
    code, data, rows = validate(cli, repo, "1")
    assert code == 0 and data["command"] is None and data["log_dir"] is None
    assert whys(rows["a"]) == {
        "clean": ("pass", "clean"),
        "gate": ("pass", "0/800 lines"),
        "command": ("skipped", "no validate.command in the manifest"),
    }
    text = cli("-C", repo.path, "validate-wave", "1")
    assert text.exit_code == 0
    assert text.stdout.startswith(
        "wave 1: the manifest has no validate.command; checking clean worktrees and the gate\n"
    )


def test_a_hanging_command_is_killed_at_the_timeout(cli: Any, project: Any, tmp_path: Path) -> None:
    repo = wave_one(cli, project, manifest(writes_pid(tmp_path)))
    code, data, rows = validate(cli, repo, "1", "--timeout", "0.5", "--jobs", "1")
    assert code == 1 and data["failed"] == ["a", "b"]
    for name in ("a", "b"):
        assert whys(rows[name])["command"] == ("fail", "timed out after 0.5 s; its process group was killed")
        with pytest.raises(ProcessLookupError):
            os.kill(pid_in(tmp_path / f"{name}.pid"), 0)


def test_missing_branch_or_worktree_fails_and_complete_efforts_are_skipped(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project, manifest())
    code, _, rows = validate(cli, repo, "2")
    assert code == 1 and rows["c"]["result"] == "fail"
    assert whys(rows["c"]) == {
        "clean": ("fail", "no branch yet: `wtorch create-wave 2` creates it"),
        "gate": ("skipped", "no branch to measure"),
        "command": ("skipped", "no worktree to run it in"),
    }
    b = wt(repo, "b")
    shutil.rmtree(b.path)
    assert cli("-C", repo.path, "complete", "a").exit_code == 0
    code, data, rows = validate(cli, repo, "1")
    assert code == 1 and data["failed"] == ["b"]
    assert whys(rows["b"])["clean"] == ("fail", f"worktree {b.path} is missing: `wtorch prune` forgets it")
    assert whys(rows["b"])["gate"] == ("pass", "0/800 lines")  # the branch is still there to measure
    assert rows["a"]["result"] == "skipped"
    assert set(whys(rows["a"]).values()) == {("skipped", "complete: nothing to validate")}


def test_unknown_wave_is_a_usage_error(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project, manifest())
    result = cli("-C", repo.path, "validate-wave", "7")
    assert (result.exit_code, result.stderr) == (2, "wtorch: there is no wave 7 in the manifest (waves: 1, 2)\n")
    result = cli("-C", repo.path, "validate-wave", "1", "--jobs", "0")
    assert (result.exit_code, result.stderr) == (2, "wtorch: --jobs must be at least 1, not 0\n")


def snapshot(repo: Repo) -> dict[str, Any]:
    """Everything validate-wave must leave alone: refs, each worktree's HEAD, index, status and files."""
    seen: dict[str, Any] = {"refs": repo.git("for-each-ref", "--format=%(refname) %(objectname)")}
    seen["worktrees"] = repo.git("worktree", "list", "--porcelain")
    for line in seen["worktrees"].splitlines():
        if not line.startswith("worktree "):
            continue
        tree = Repo(Path(line.removeprefix("worktree ")))
        files = {}
        for root, dirs, names in os.walk(tree.path):
            dirs[:] = [d for d in dirs if d != ".git"]
            for name in names:
                path = Path(root) / name
                files[str(path.relative_to(tree.path))] = hashlib.sha1(path.read_bytes()).hexdigest()
        seen[str(tree.path)] = (
            tree.git("rev-parse", "HEAD"),
            tree.git("symbolic-ref", "-q", "HEAD", check=False),
            tree.git("ls-files", "--stage"),
            tree.git("status", "--porcelain"),
            files,
        )
    return seen


def test_validate_wave_changes_nothing(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project, manifest('test "${PWD##*/}" != a', max_lines=5))
    wt(repo, "a").commit("big", {"big.txt": lines(8)})
    wt(repo, "a").write("dirty.txt", "uncommitted\n")
    wt(repo, "b").write("README.md", "edited\n")
    logs = repo.path / ".git" / "wtorch" / "logs"
    before = snapshot(repo)
    assert cli("-C", repo.path, "validate-wave", "1").exit_code == 1
    assert validate(cli, repo, "1")[0] == 1
    assert snapshot(repo) == before
    assert sorted(p.name for p in logs.glob("validate-wave-1-*/*")) == ["a.log", "a.log", "b.log", "b.log"]
