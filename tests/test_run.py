"""`wtorch run` on real repositories: per-worktree output and logs, skips, timeouts, Ctrl-C, big and odd output."""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from tests.gitutil import Repo, efforts, wait_for, wt, wtorch_process
from wtorch.runner import run_command

WAVES = efforts('id = "a"', 'id = "b"', 'id = "c"\ndepends_on = ["a"]')
FAIL_IN_A = 'pwd; echo "to stderr" >&2; [ "${PWD##*/}" = a ] && exit 3; exit 0'


def run(cli: Any, repo: Repo, *args: str) -> tuple[int, dict[str, Any], dict[str, dict[str, Any]]]:
    result = cli("-C", repo.path, "run", "--json", *args)
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    return result.exit_code, data, {e["id"]: e for e in data["efforts"]}


def wave_one(cli: Any, project: Any, body: str = WAVES) -> Repo:
    repo: Repo = project(body)
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    return repo


def real(path: Path) -> str:
    return os.path.realpath(path)


def pid_in(path: Path) -> int:
    assert wait_for(path, 10), f"{path} never appeared"
    return int(path.read_text())


def gone(pid: int) -> bool:
    """The process has ended: reaped (ProcessLookupError), or a zombie only its parent can reap —
    an orphan here is reparented to an init that does not reap."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"


def reaped(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def writes_pid(folder: Path, then: str = "exec sleep 30") -> str:
    """A command that names its pid in `folder/<effort>.pid` (written whole, then renamed), then `then`."""
    return (
        f'echo $$ > "{folder}/${{PWD##*/}}.tmp" && mv "{folder}/${{PWD##*/}}.tmp" "{folder}/${{PWD##*/}}.pid"; {then}'
    )


def test_a_command_failing_in_one_worktree_is_named_with_its_output_and_log(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project)
    a, b = wt(repo, "a"), wt(repo, "b")
    result = cli("-C", repo.path, "run", "--", "sh", "-c", FAIL_IN_A)
    assert result.exit_code == 1
    out = result.stdout
    assert "── a: exit 3 after " in out and f"{real(a.path)}\nto stderr\n" in out
    assert real(b.path) not in out.split("Ran: ")[0]  # only the failing one's output is shown
    assert out.rstrip().endswith("failed: a")
    logs = sorted((repo.path / ".git" / "wtorch" / "logs").glob("run-*/*.log"))
    assert [p.name for p in logs] == ["a.log", "b.log"]
    assert logs[0].read_text() == f"{real(a.path)}\nto stderr\n"
    assert logs[1].read_text() == f"{real(b.path)}\nto stderr\n"
    assert f"full log: {logs[0]}" in out
    assert "no branch yet: `wtorch create-wave 2` creates it" in out


def test_json_per_effort_and_the_efforts_without_a_worktree_are_skipped(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project)
    a = wt(repo, "a")
    code, data, rows = run(cli, repo, "--", "sh", "-c", FAIL_IN_A)
    assert code == 1 and data["failed"] == ["a"] and data["skipped"] == ["c"]
    assert data["command"] == ["sh", "-c", FAIL_IN_A] and data["timeout"] is None
    assert rows["a"]["result"] == "failed" and rows["a"]["returncode"] == 3
    assert rows["a"]["worktree"] == str(a.path) and rows["a"]["tail"] == [real(a.path), "to stderr"]
    assert Path(rows["a"]["log"]) == Path(data["log_dir"]) / "a.log"
    assert rows["b"]["result"] == "ok" and rows["b"]["returncode"] == 0 and rows["b"]["why"] == ""
    assert rows["c"] == {
        "id": "c",
        "branch": "feature/demo/c",
        "worktree": None,
        "result": "skipped",
        "why": "no branch yet: `wtorch create-wave 2` creates it",
        "returncode": None,
        "seconds": None,
        "log": None,
        "tail": [],
    }
    code, data, rows = run(cli, repo, "--wave", "1", "--only", "b", "--", "git", "rev-parse", "--abbrev-ref", "HEAD")
    assert code == 0 and list(rows) == ["b"] and rows["b"]["tail"] == ["feature/demo/b"]


def test_verbose_shows_every_output_and_options_after_the_command_are_its_own(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project)
    result = cli("-C", repo.path, "-v", "run", "--wave", "1", "sh", "-c", "echo hi from ${PWD##*/}", "-x")
    assert result.exit_code == 0
    assert "── a: exit 0 after " in result.stdout and "hi from a\n" in result.stdout
    assert "hi from b\n" in result.stdout and "ok: 2 effort(s)" in result.stdout


def test_vanished_worktree_and_deleted_branch_are_skipped_with_the_reason(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project)
    a, b = wt(repo, "a"), wt(repo, "b")
    shutil.rmtree(b.path)
    code, _, rows = run(cli, repo, "--wave", "1", "--", "true")
    assert code == 0 and rows["a"]["result"] == "ok"
    assert rows["b"]["result"] == "skipped"
    assert rows["b"]["why"] == f"worktree {b.path} is missing: `wtorch prune` forgets it"
    repo.git("update-ref", "-d", "refs/heads/feature/demo/a")  # by hand: git branch -D refuses
    code, data, rows = run(cli, repo, "--wave", "1", "--", "true")
    assert rows["a"]["why"] == f"branch feature/demo/a no longer exists (its worktree {a.path} is still there)"
    assert code == 1 and data["log_dir"] is None and data["skipped"] == ["a", "b"]
    text = cli("-C", repo.path, "run", "--", "true")
    assert text.exit_code == 1
    assert text.stdout.rstrip().endswith("nothing ran: none of the chosen efforts has a worktree to run in")


def test_a_command_that_cannot_start_fails_with_the_reason(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project)
    code, data, rows = run(cli, repo, "--only", "a", "--", "no-such-command-wtorch")
    assert code == 1 and data["failed"] == ["a"]
    assert rows["a"]["result"] == "failed" and rows["a"]["returncode"] is None
    assert rows["a"]["why"] == "cannot start: No such file or directory: no-such-command-wtorch"
    assert Path(rows["a"]["log"]).read_text() == f"wtorch: {rows['a']['why']}\n"


def test_timeout_kills_the_whole_process_group_quickly(cli: Any, project: Any, tmp_path: Path) -> None:
    repo = wave_one(cli, project)
    command = writes_pid(tmp_path, f'sleep 30 & echo $! > "{tmp_path}/${{PWD##*/}}.bg"; wait')
    started = time.monotonic()
    code, data, rows = run(cli, repo, "--timeout", "0.5", "--", "sh", "-c", command)
    assert time.monotonic() - started < 5
    assert code == 1 and data["failed"] == ["a", "b"] and data["timeout"] == 0.5
    for name in ("a", "b"):
        assert rows[name]["result"] == "timed out" and rows[name]["returncode"] is None
        assert rows[name]["why"] == "timed out after 0.5 s; its process group was killed"
        with pytest.raises(ProcessLookupError):
            os.kill(pid_in(tmp_path / f"{name}.pid"), 0)  # the command itself: killed and reaped
        assert gone(pid_in(tmp_path / f"{name}.bg"))  # what it started in the background too
    text = cli("-C", repo.path, "run", "--only", "a", "--timeout", "0.2", "--", "sleep", "30")
    assert text.exit_code == 1 and "── a: timed out after 0.2 s; its process group was killed ──" in text.stdout


def test_megabytes_of_output_and_bytes_that_are_not_utf8(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project)
    command = r"yes 123456789 | head -n 500000; printf '\377\376 not utf-8\n'"
    code, _, rows = run(cli, repo, "--only", "a", "--", "sh", "-c", command)
    assert code == 0
    log = Path(rows["a"]["log"])
    assert log.stat().st_size == 5_000_000 + len(b"\xff\xfe not utf-8\n")
    assert rows["a"]["tail"] == ["123456789"] * 19 + ["\ufffd\ufffd not utf-8"]
    shown = cli("-C", repo.path, "-v", "run", "--only", "a", "--", "sh", "-c", command)
    assert shown.exit_code == 0 and "\ufffd\ufffd not utf-8" in shown.stdout
    assert shown.stdout.count("123456789\n") == 19  # the tail, never the megabytes


def test_output_that_an_ascii_terminal_cannot_show_is_replaced(project: Any, cli: Any) -> None:
    repo = wave_one(cli, project)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PYTHONIOENCODING": "ascii"}
    command = r"printf '\377 caf\303\251\n'; exit 1"
    proc = wtorch_process(repo, "--no-color", "run", "--only", "a", "--", "sh", "-c", command, env=env)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (1, "")
    assert out.startswith("-- a: exit 1 after ") and "\n? caf?\nfull log: " in out


def test_one_at_a_time_and_in_parallel_give_the_same_results(cli: Any, project: Any, tmp_path: Path) -> None:
    repo = wave_one(cli, project, efforts('id = "a"', 'id = "b"', 'id = "c"'))
    lock = tmp_path / "lock"
    alone = f'mkdir "{lock}" || exit 9; sleep 0.1; pwd; rmdir "{lock}"'
    code, _, serial = run(cli, repo, "--jobs", "1", "--", "sh", "-c", alone)
    assert code == 0 and [r["result"] for r in serial.values()] == ["ok"] * 3
    meet = tmp_path / "meet"
    meet.mkdir()
    together = (
        f'touch "{meet}/${{PWD##*/}}"; pwd; for i in $(seq 100); do '
        f'[ $(ls "{meet}" | wc -l) -ge 3 ] && exit 0; sleep 0.05; done; exit 1'
    )
    code, data, parallel = run(cli, repo, "--jobs", "3", "--", "sh", "-c", together)
    assert code == 0 and data["jobs"] == 3 and [r["result"] for r in parallel.values()] == ["ok"] * 3
    for name in ("a", "b", "c"):
        assert serial[name]["tail"] == parallel[name]["tail"] == [real(wt(repo, name).path)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_stops_every_command_and_exits_130(
    cli: Any, project: Any, tmp_path: Path, signum: signal.Signals
) -> None:
    repo = wave_one(cli, project)
    proc = wtorch_process(repo, "run", "--", "sh", "-c", writes_pid(tmp_path))
    try:
        pids = [pid_in(tmp_path / f"{name}.pid") for name in ("a", "b")]
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, (out, err)
    assert err == "wtorch: interrupted\n"
    for pid in pids:
        assert reaped(pid), f"process {pid} was left behind"


def test_bad_input_is_a_usage_error(cli: Any, project: Any) -> None:
    repo = wave_one(cli, project)
    cases = {
        ("--wave", "7"): "wtorch: there is no wave 7 in the manifest (waves: 1, 2)\n",
        ("--wave", "1", "--only", "c"): "wtorch: --only c: not in wave 1 (a, b)\n",
        ("--only", "zz"): "wtorch: unknown effort 'zz' (efforts: a, b, c)\n",
        ("--jobs", "0"): "wtorch: --jobs must be at least 1, not 0\n",
        ("--timeout", "0"): "wtorch: --timeout must be a positive number of seconds, not 0\n",
    }
    for args, message in cases.items():
        result = cli("-C", repo.path, "run", *args, "--", "true")
        assert (result.exit_code, result.stderr) == (2, message), args
    assert cli("-C", repo.path, "run").exit_code == 2  # no command


def test_an_empty_selection_is_a_usage_error(cli: Any, project: Any) -> None:
    repo = project("")
    result = cli("-C", repo.path, "run", "--", "true")
    assert (result.exit_code, result.stderr) == (2, "wtorch: nothing to run: wtorch.toml has no efforts\n")


def test_run_command_timeout_kills_what_holds_the_output_open(tmp_path: Path) -> None:
    started = time.monotonic()
    result = run_command("sleep 30 & echo started; wait", tmp_path, timeout=0.5)
    assert time.monotonic() - started < 5
    assert (result.returncode, result.output) == (124, "started\n\n(timed out after 0.5 s)")
    ok = run_command("echo out; echo err >&2; exit 4", tmp_path)
    assert (ok.returncode, ok.output, ok.command) == (4, "out\nerr\n", "echo out; echo err >&2; exit 4")
