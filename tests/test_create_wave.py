"""`wtorch create-wave` against real repositories: branches, worktrees, stacking, refusals, idempotence."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

from tests.gitutil import Repo, efforts, wait_for, worktree_root, wtorch_process

ROOT = Path(__file__).resolve().parent.parent


def registered(repo: Repo) -> dict[str, str]:
    """worktree path -> branch, from git itself."""
    out = repo.git("worktree", "list", "--porcelain")
    found: dict[str, str] = {}
    path = ""
    for line in out.splitlines():
        if line.startswith("worktree "):
            path = line.removeprefix("worktree ")
        elif line.startswith("branch "):
            found[path] = line.removeprefix("branch refs/heads/")
    return found


def test_nine_efforts_in_one_go_then_nothing_to_do(cli: Any, project: Any) -> None:
    repo = project(efforts(*(f'id = "e{i}"\nwave = 1' for i in range(9))))
    main = repo.rev("main")
    first = cli("-C", repo.path, "create-wave", "1")
    assert first.exit_code == 0, first.output
    for i in range(9):
        assert repo.rev(f"feature/demo/e{i}") == main
        wt = worktree_root(repo) / f"e{i}"
        assert registered(repo)[str(wt)] == f"feature/demo/e{i}"
        assert (wt / "README.md").read_text() == "hello\n"
    # no auto-tracking: .git/config gained no branch sections (so parallel creation cannot race on it)
    assert "[branch" not in (repo.path / ".git" / "config").read_text()
    state = (repo.path / ".git" / "wtorch" / "state.toml").read_text()
    assert f'base_commit = "{main}"' in state
    before = repo.git("for-each-ref")
    second = cli("-C", repo.path, "create-wave", "1")
    assert second.exit_code == 0
    assert "Nothing to do: every effort of wave 1 already has its branch and worktree." in second.stdout
    assert repo.git("for-each-ref") == before
    repo.fsck()


def test_stacked_effort_branches_from_its_unfinished_parent(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "api"', 'id = "ctrl"\ndepends_on = ["api"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    api_wt = worktree_root(repo) / "api"
    Repo(api_wt).commit("api types", {"api.py": "x = 1\n"})
    result = cli("-C", repo.path, "create-wave", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["efforts"][0]["base"] == "feature/demo/api" and data["efforts"][0]["result"] == "created"
    assert repo.rev("feature/demo/ctrl") == repo.rev("feature/demo/api") != repo.rev("main")
    status = json.loads(cli("-C", repo.path, "status", "--json").stdout)
    ctrl = next(e for e in status["efforts"] if e["id"] == "ctrl")
    assert ctrl["stacked_on"] == "api" and ctrl["base"] == "feature/demo/api" and ctrl["state"] == "created"
    repo.fsck()


def test_several_unfinished_dependencies_are_refused_unless_forced(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"', 'id = "c"\ndepends_on = ["a", "b"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    refused = cli("-C", repo.path, "create-wave", "2", "--json")
    assert refused.exit_code == 1
    (c,) = json.loads(refused.stdout)["efforts"]
    assert c["result"] == "refused"
    assert c["detail"] == (
        "depends on a, b, which are not complete; it can stack on one parent only (--force bases it on main)"
    )
    assert "feature/demo/c" not in repo.branches()
    forced = cli("-C", repo.path, "create-wave", "2", "--force", "--json")
    assert forced.exit_code == 0
    (c,) = json.loads(forced.stdout)["efforts"]
    assert c["base"] == "main" and c["notes"] == ["forced onto main although a, b not complete"]


def test_dependency_without_a_branch_blocks(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"\ndepends_on = ["a"]'))
    result = cli("-C", repo.path, "create-wave", "2", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["efforts"][0]["detail"] == (
        "depends on a, which has no branch yet: create its wave first"
    )


def test_occupied_path_is_refused_and_nothing_is_made(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"'))
    occupied = worktree_root(repo) / "b"
    occupied.mkdir(parents=True)
    (occupied / "notes.txt").write_text("mine")
    result = cli("-C", repo.path, "create-wave", "1", "--json")
    assert result.exit_code == 1
    outcomes = {o["id"]: o for o in json.loads(result.stdout)["efforts"]}
    assert outcomes["a"]["result"] == "created"
    assert outcomes["b"]["result"] == "refused"
    assert outcomes["b"]["detail"] == (
        f"{occupied} already exists and is not a worktree of this repository; move it away or change worktree_template"
    )
    assert "feature/demo/b" not in repo.branches()
    assert (occupied / "notes.txt").read_text() == "mine"


def test_branch_checked_out_elsewhere_is_refused(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    elsewhere = repo.path.parent / f"{repo.path.name}-elsewhere"
    repo.git("worktree", "add", "-q", "-b", "feature/demo/a", str(elsewhere))
    try:
        result = cli("-C", repo.path, "create-wave", "1", "--json")
        assert result.exit_code == 1
        assert json.loads(result.stdout)["efforts"][0]["detail"] == (
            f"branch feature/demo/a is checked out in {elsewhere}; switch that worktree to another branch"
        )
    finally:
        repo.git("worktree", "remove", "--force", str(elsewhere))


def test_existing_branch_is_adopted_never_reset(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    repo.git("branch", "feature/demo/a")
    repo.git("checkout", "-q", "feature/demo/a")
    tip = repo.commit("work already done", {"a.txt": "a\n"})
    repo.git("checkout", "-q", "main")
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    assert repo.rev("feature/demo/a") == tip
    assert (worktree_root(repo) / "a" / "a.txt").read_text() == "a\n"


def test_worktree_deleted_by_hand_is_recreated(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt = worktree_root(repo) / "a"
    shutil.rmtree(wt)
    again = cli("-C", repo.path, "create-wave", "1", "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["efforts"][0]["result"] == "created"
    assert (wt / "README.md").exists() and registered(repo)[str(wt)] == "feature/demo/a"
    repo.fsck()


def test_copy_and_setup_then_a_failing_setup_is_reported(cli: Any, project: Any) -> None:
    repo = project(
        efforts('id = "a"'),
        header='version = 1\n[project]\nname = "demo"\n[worktree]\ncopy = [".env", "absent.txt"]\n'
        'setup = ["echo ready > setup.out", "echo boom; exit 3"]\n',
    )
    (repo.path / ".env").write_text("SECRET=1\n")
    result = cli("-C", repo.path, "create-wave", "1")
    assert result.exit_code == 1
    wt = worktree_root(repo) / "a"
    assert (wt / ".env").read_text() == "SECRET=1\n"
    assert (wt / "setup.out").read_text() == "ready\n"
    assert "setup failed: setup `echo boom; exit 3` exited 3" in result.stdout
    assert "boom" in result.stdout and "a: copy: absent.txt is not in the main worktree" in result.stdout
    status = json.loads(cli("-C", repo.path, "status", "--json").stdout)
    assert status["efforts"][0]["setup"] == "setup `echo boom; exit 3` exited 3"
    assert status["efforts"][0]["worktree_state"] == "ok"


def test_submodules_are_initialised(cli: Any, project: Any, make_repo: Any) -> None:
    sub = make_repo()
    sub.git("checkout", "-q", "-B", "main")
    sub.commit("lib", {"lib.txt": "library\n"})
    repo = project(efforts('id = "a"'))
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "lib")
    repo.commit("add submodule")
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    assert (worktree_root(repo) / "a" / "lib" / "lib.txt").read_text() == "library\n"


def test_unknown_wave_and_effort_list_the_valid_ones(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"\ndepends_on = ["a"]'))
    wave = cli("-C", repo.path, "create-wave", "7")
    assert wave.exit_code == 2 and wave.stderr == "wtorch: there is no wave 7 in the manifest (waves: 1, 2)\n"
    only = cli("-C", repo.path, "create-wave", "1", "--only", "zz")
    assert only.exit_code == 2 and only.stderr == "wtorch: unknown effort 'zz' (efforts: a, b)\n"
    other = cli("-C", repo.path, "create-wave", "1", "--only", "b")
    assert other.exit_code == 2 and other.stderr == "wtorch: --only b: not in wave 1 (a)\n"


def test_only_owner_and_dry_run(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"\nowner = "ann"', 'id = "b"\nowner = "bob"', 'id = "c"\nowner = "bob"'))
    dry = cli("-C", repo.path, "create-wave", "1", "--owner", "bob", "--dry-run", "--json")
    assert [o["result"] for o in json.loads(dry.stdout)["efforts"]] == ["would create", "would create"]
    assert repo.branches() == ["main"]
    assert cli("-C", repo.path, "create-wave", "1", "--owner", "bob").exit_code == 0
    assert repo.branches() == ["feature/demo/b", "feature/demo/c", "main"]
    assert cli("-C", repo.path, "create-wave", "1", "--only", "a").exit_code == 0
    assert "feature/demo/a" in repo.branches()


def test_a_held_lock_names_its_holder(cli: Any, project: Any, monkeypatch: Any) -> None:
    from wtorch.state import StateStore

    repo = project(efforts('id = "a"'))
    monkeypatch.setenv("WTORCH_LOCK_TIMEOUT", "0.2")
    with StateStore(repo.path / ".git").locked("sync --wave 1"):
        result = cli("-C", repo.path, "create-wave", "1")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"wtorch: another wtorch holds the lock {repo.path / '.git' / 'wtorch' / 'lock'}: ")
    assert f"pid {os.getpid()}" in result.stderr and "(`wtorch sync --wave 1`, since " in result.stderr
    assert "feature/demo/a" not in repo.branches()


def test_leaked_git_dir_from_a_hook_is_ignored(cli: Any, project: Any, make_repo: Any, monkeypatch: Any) -> None:
    repo = project(efforts('id = "a"'))
    other = make_repo()
    monkeypatch.setenv("GIT_DIR", str(other.path / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(other.path))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    assert "feature/demo/a" in repo.branches()
    assert other.branches() == []


def test_two_create_waves_at_once_do_not_collide(project: Any) -> None:
    repo = project(efforts(*(f'id = "e{i}"' for i in range(6))))
    first = wtorch_process(repo, "create-wave", "1")
    second = wtorch_process(repo, "create-wave", "1")
    outs = [p.communicate(timeout=120) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outs
    assert not any("index.lock" in err or "config.lock" in err for _, err in outs)
    assert len(repo.branches()) == 7 and len(registered(repo)) == 7
    repo.fsck()


def test_killed_half_way_a_rerun_converges(project: Any, make_repo: Any) -> None:
    """Kill create-wave during the setup of the third effort, re-run, compare with an uninterrupted run."""
    header = (
        'version = 1\n[project]\nname = "demo"\n[worktree]\n'
        'setup = ["touch started; case \\"$WTORCH_TEST_SLOW$PWD\\" in 1*/e2) sleep 60;; esac"]\n'
    )
    body = efforts(*(f'id = "e{i}"' for i in range(4)))
    repo = project(body, header=header)
    slow = {**os.environ, "PYTHONPATH": str(ROOT), "WTORCH_TEST_SLOW": "1"}
    proc = wtorch_process(repo, "create-wave", "1", env=slow, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(worktree_root(repo) / "e2" / "started")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert not (worktree_root(repo) / "e3").exists()
    rerun = wtorch_process(repo, "create-wave", "1")
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, out + err
    # the twin: the same manifest, never interrupted
    twin = make_repo()
    twin.git("checkout", "-q", "-B", "main")
    twin.commit("initial", {"README.md": "hello\n"})
    twin.commit("manifest", {"wtorch.toml": header + body})
    done = wtorch_process(twin, "create-wave", "1")
    done.communicate(timeout=120)
    assert done.returncode == 0
    strip = lambda r: sorted(line.split()[1] for line in r.git("for-each-ref").splitlines())  # noqa: E731
    assert strip(repo) == strip(twin)
    linked = lambda r: sorted(Path(p).name for p in registered(r) if Path(p) != r.path)  # noqa: E731
    assert linked(repo) == linked(twin) == ["e0", "e1", "e2", "e3"]
    for i in range(4):
        assert (worktree_root(repo) / f"e{i}" / "started").exists()
    state = (repo.path / ".git" / "wtorch" / "state.toml").read_text()
    assert state.count('setup = "ok"') == 4
    repo.fsck()
    shutil.rmtree(worktree_root(twin), ignore_errors=True)


def test_push_publishes_new_branches_with_upstream(cli: Any, project: Any, make_repo: Any) -> None:
    remote = make_repo(bare=True)
    repo = project(efforts('id = "a"'), header='version = 1\n[project]\nname = "demo"\nremote = "origin"\n')
    repo.git("remote", "add", "origin", str(remote.path))
    repo.git("push", "-q", "origin", "main")
    assert cli("-C", repo.path, "create-wave", "1", "--push").exit_code == 0
    assert remote.git("rev-parse", "refs/heads/feature/demo/a").strip() == repo.rev("main")
    assert repo.git("rev-parse", "--abbrev-ref", "feature/demo/a@{upstream}").strip() == "origin/feature/demo/a"


def test_push_without_a_remote_is_a_usage_error(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    result = cli("-C", repo.path, "create-wave", "1", "--push")
    assert result.exit_code == 2 and result.stderr == "wtorch: --push needs project.remote in the manifest\n"


def test_ctrl_c_exits_130_without_a_traceback_and_a_rerun_finishes(
    project: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    done = tmp_path / "done"
    monkeypatch.setenv("WTORCH_TEST_DONE", str(done))
    header = (
        'version = 1\n[project]\nname = "demo"\n[worktree]\n'
        'setup = ["touch started; if [ ! -e \\"$WTORCH_TEST_DONE\\" ]; then sleep 60; fi"]\n'
    )
    repo = project(efforts('id = "a"', 'id = "b"'), header=header)
    proc = wtorch_process(repo, "create-wave", "1")
    try:
        assert wait_for(worktree_root(repo) / "a" / "started")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert err.strip() == "wtorch: interrupted" and "Traceback" not in err
    done.write_text("")
    rerun = wtorch_process(repo, "create-wave", "1", "--json")
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err
    results = {o["id"]: o["result"] for o in json.loads(out)["efforts"]}
    assert results == {"a": "created", "b": "created"}  # a: its setup finished now; b: made
    repo.fsck()


def test_a_lock_left_by_a_dead_process_is_taken_over(cli: Any, project: Any, monkeypatch: Any) -> None:
    repo = project(efforts('id = "a"'))
    lock = repo.path / ".git" / "wtorch" / "lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(json.dumps({"pid": 999999, "host": "gone", "command": "sync", "since": "2026-01-01T00:00:00Z"}))
    monkeypatch.setenv("WTORCH_LOCK_TIMEOUT", "0")
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    assert "feature/demo/a" in repo.branches()


def test_copied_files_are_not_uncommitted_work_until_edited(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'), header='version = 1\n[project]\nname = "demo"\n[worktree]\ncopy = [".env"]\n')
    (repo.path / ".env").write_text("TOKEN=1\n")
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = Repo(worktree_root(repo) / "a")
    status = json.loads(cli("-C", repo.path, "status", "--json").stdout)
    assert status["efforts"][0]["dirty"] == 0
    (a.path / ".env").write_text("TOKEN=mine\n")
    status = json.loads(cli("-C", repo.path, "status", "--json").stdout)
    assert status["efforts"][0]["dirty"] == 1
    (a.path / ".env").write_text("TOKEN=1\n")
    undone = cli("-C", repo.path, "undo")
    assert undone.exit_code == 0, undone.output
    assert not a.path.exists() and repo.branches() == ["main"]
