"""Two machines and a shared remote (SPEC §9): a local bare repository and two clones, real git."""

from __future__ import annotations

import json
from typing import Any

from tests.gitutil import efforts, wt
from tests.test_status import by_id, status


def test_sync_takes_a_colleagues_commits_first_and_pushes_both(cli: Any, machines: Any) -> None:
    remote, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--push").exit_code == 0
    a = wt(m1, "a")
    a.commit("mine", {"a.txt": "a\n"})
    a.git("push", "-q", "origin", "feature/demo/a")
    a.commit("mine, not pushed yet", {"a2.txt": "a2\n"})
    m2.git("fetch", "-q")
    m2.git("checkout", "-q", "-b", "feature/demo/a", "origin/feature/demo/a")
    m2.commit("colleague work", {"c.txt": "c\n"})
    m2.git("push", "-q", "origin", "feature/demo/a")
    m2.git("checkout", "-q", "main")
    m2.commit("upstream", {"up.txt": "up\n"})
    m2.git("push", "-q", "origin", "main")
    result = cli("-C", m1.path, "sync", "--push", "--json")
    assert result.exit_code == 0, result.output
    rows = {o["id"]: o for o in json.loads(result.stdout)["efforts"]}
    assert rows["a"]["result"] == "synced"
    assert rows["a"]["notes"] == [
        "took the commits origin/feature/demo/a had that feature/demo/a lacked, ours on top",
        "pushed to origin (force-with-lease)",
    ]
    pushed = remote.git("rev-parse", "refs/heads/feature/demo/a").strip()
    assert pushed == m1.rev("feature/demo/a")
    assert remote.git("log", "--format=%s", "main..feature/demo/a").splitlines() == [
        "mine, not pushed yet",
        "colleague work",
        "mine",
    ]
    assert remote.git("show", f"{pushed}:c.txt") == "c\n"  # the colleague's work, rebased with ours
    remote.git("merge-base", "--is-ancestor", "main", pushed)
    assert rows["b"]["result"] == "synced" and rows["b"]["notes"] == ["pushed to origin (force-with-lease)"]


def test_a_merge_on_the_remote_counts_as_complete_and_sync_leaves_it_alone(cli: Any, machines: Any) -> None:
    _, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--push").exit_code == 0
    a = wt(m1, "a")
    tip = a.commit("mine", {"a.txt": "a\n"})
    a.git("push", "-q", "origin", "feature/demo/a")
    m2.git("fetch", "-q")
    m2.git("merge", "-q", "--no-ff", "-m", "merge a", "origin/feature/demo/a")
    m2.git("push", "-q", "origin", "main")
    m1.git("fetch", "-q")
    assert m1.rev("main") != m1.rev("origin/main")  # the local base has not caught up
    assert by_id(status(cli, m1))["a"]["state"] == "complete"
    rows = {o["id"]: o for o in json.loads(cli("-C", m1.path, "sync", "--json").stdout)["efforts"]}
    assert rows["a"]["result"] == "skipped" and rows["a"]["why"] == "complete: nothing to sync"
    assert m1.rev("feature/demo/a") == tip


def test_create_wave_push_failure_is_reported_per_effort_and_a_rerun_pushes(cli: Any, machines: Any) -> None:
    remote, m1, _ = machines
    m1.git("remote", "set-url", "origin", str(remote.path) + "-missing")
    failed = cli("-C", m1.path, "create-wave", "1", "--push", "--json")
    assert failed.exit_code == 1
    outcomes = {o["id"]: o for o in json.loads(failed.stdout)["efforts"]}
    assert set(outcomes) == {"a", "b"}
    assert all(o["result"] == "push failed" for o in outcomes.values())
    assert "feature/demo/a" in m1.branches() and (wt(m1, "a").path / "README.md").exists()
    m1.git("remote", "set-url", "origin", str(remote.path))
    again = cli("-C", m1.path, "create-wave", "1", "--push", "--json")
    assert again.exit_code == 0, again.output
    assert {o["result"] for o in json.loads(again.stdout)["efforts"]} == {"pushed"}
    assert remote.git("rev-parse", "refs/heads/feature/demo/b").strip() == m1.rev("feature/demo/b")


def test_merged_effort_stays_complete_when_the_state_file_is_gone(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("a", {"a.txt": "a\n"})
    repo.git("merge", "-q", "--ff-only", "feature/demo/a")
    (repo.path / ".git" / "wtorch" / "state.toml").unlink()
    rows = by_id(status(cli, repo))
    assert (rows["a"]["state"], rows["a"]["merged_how"]) == ("complete", "merged")
    assert rows["b"]["state"] == "created"


def test_status_remote_shows_efforts_living_on_the_other_machine(cli: Any, machines: Any) -> None:
    _, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--only", "a", "--push").exit_code == 0
    wt(m1, "a").commit("work", {"a.txt": "a\n" * 3})
    wt(m1, "a").git("push", "-q", "origin", "feature/demo/a")
    local = by_id(status(cli, m2))
    assert local["a"]["state"] == "planned"
    remote_view = by_id(status(cli, m2, "--remote"))
    a = remote_view["a"]
    assert (a["state"], a["worktree_state"], a["worktree"]) == ("active", "on another machine", None)
    assert (a["ahead"], a["lines"]) == (1, 3)
    assert remote_view["b"]["state"] == "planned"


def test_status_remote_needs_a_remote(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    result = cli("-C", repo.path, "status", "--remote")
    assert result.exit_code == 2 and result.stderr == "wtorch: --remote needs project.remote in the manifest\n"


def test_the_second_machine_continues_from_the_published_branch(cli: Any, machines: Any) -> None:
    remote, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--only", "a", "--push").exit_code == 0
    published = wt(m1, "a").commit("alice", {"a.txt": "a\n"})
    wt(m1, "a").git("push", "-q", "origin", "feature/demo/a")
    m2.git("fetch", "-q")
    result = cli("-C", m2.path, "create-wave", "1", "--json")
    assert result.exit_code == 0, result.output
    outcomes = {o["id"]: o for o in json.loads(result.stdout)["efforts"]}
    assert outcomes["a"]["detail"] == "branch from its published commits, add worktree"
    assert m2.rev("feature/demo/a") == published and (wt(m2, "a").path / "a.txt").exists()
    assert m2.rev("feature/demo/b") == m2.rev("main")
    row = by_id(status(cli, m2))["a"]
    assert (row["state"], row["ahead"]) == ("active", 1)
    assert remote.git("rev-parse", "refs/heads/feature/demo/a").strip() == published


def test_dry_run_and_real_sync_agree_on_a_remote_with_someone_elses_commits(cli: Any, machines: Any) -> None:
    _remote, m1, m2 = machines
    assert cli("-C", m1.path, "create-wave", "1", "--push").exit_code == 0
    m2.git("fetch", "-q")
    m2.git("checkout", "-q", "-b", "feature/demo/a", "origin/feature/demo/a")
    m2.commit("colleague work", {"c.txt": "c\n"})
    m2.git("push", "-q", "origin", "feature/demo/a")
    m2.git("checkout", "-q", "main")
    m2.commit("upstream", {"up.txt": "up\n"})
    m2.git("push", "-q", "origin", "main")
    tips = {b: m1.rev(b) for b in ("feature/demo/a", "feature/demo/b")}
    # m1 has not fetched: the dry run must fetch, as the real sync does, to see either change.
    predicted = cli("-C", m1.path, "sync", "--push", "--dry-run", "--json")
    assert {b: m1.rev(b) for b in tips} == tips
    real = cli("-C", m1.path, "sync", "--push", "--json")
    guess = {o["id"]: o for o in json.loads(predicted.stdout)["efforts"]}
    done = {o["id"]: o for o in json.loads(real.stdout)["efforts"]}
    assert (guess["a"]["result"], done["a"]["result"]) == ("would sync", "synced")
    assert guess["a"]["notes"][0].startswith("would take the commits the remote branch has first")
    taken = "took the commits origin/feature/demo/a had that feature/demo/a lacked, ours on top"
    assert done["a"]["notes"][0] == taken
    assert (guess["b"]["result"], done["b"]["result"]) == ("would sync", "synced")
    assert guess["b"]["base"] == done["b"]["base"] == "origin/main"
