"""`wtorch sync`, `log` and `undo` on real repositories: conflicts, dirty trees, squash-merged parents."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from tests.gitutil import Repo, efforts, killed_when, stop_in_a_rebase, wait_for, wt, wtorch_process
from tests.test_status import by_id, status

ROOT = Path(__file__).resolve().parent.parent


def sync(cli: Any, repo: Repo, *args: str) -> tuple[int, dict[str, dict[str, Any]]]:
    result = cli("-C", repo.path, "sync", "--json", *args)
    data = json.loads(result.stdout)
    assert data["schema"] == 1
    return result.exit_code, {o["id"]: o for o in data["efforts"]}


def no_operation_in_progress(repo: Repo) -> None:
    for line in repo.git("worktree", "list", "--porcelain").splitlines():
        if line.startswith("worktree "):
            gitdir = Repo(Path(line.removeprefix("worktree "))).git("rev-parse", "--absolute-git-dir").strip()
            for marker in ("rebase-merge", "rebase-apply", "MERGE_HEAD"):
                assert not (Path(gitdir) / marker).exists(), (line, marker)


def test_a_conflict_in_one_effort_while_others_sync(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "clash"', 'id = "clean"', 'id = "child"\ndepends_on = ["clash"]'))
    repo.commit("shared", {"shared.txt": "original\n"})
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    clash, clean = wt(repo, "clash"), wt(repo, "clean")
    clash_tip = clash.commit("mine", {"shared.txt": "mine\n"})
    clean.commit("other", {"other.txt": "other\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    wt(repo, "child").commit("child", {"child.txt": "c\n"})
    child_tip = repo.rev("feature/demo/child")
    repo.commit("upstream", {"shared.txt": "theirs\n"})
    code, rows = sync(cli, repo)
    assert code == 1
    assert rows["clash"]["result"] == "conflict" and rows["clash"]["conflicts"] == ["shared.txt"]
    assert rows["clash"]["why"] == "conflict in shared.txt; left as it was"
    assert repo.rev("feature/demo/clash") == clash_tip and (clash.path / "shared.txt").read_text() == "mine\n"
    assert clash.git("status", "--porcelain") == ""
    assert rows["child"]["result"] == "skipped" and rows["child"]["why"] == "stacked on clash, which did not sync"
    assert repo.rev("feature/demo/child") == child_tip
    assert rows["clean"]["result"] == "synced"
    repo.git("merge-base", "--is-ancestor", "main", "feature/demo/clean")  # raises unless main is contained
    assert (clean.path / "shared.txt").read_text() == "theirs\n" and (clean.path / "other.txt").exists()
    no_operation_in_progress(repo)
    repo.fsck()


def test_dirty_worktree_is_skipped_or_autostashed(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    a.commit("work", {"a.txt": "a\n"})
    a.write("README.md", "hello\nlocal edit\n")
    repo.commit("upstream", {"up.txt": "up\n"})
    tip = repo.rev("feature/demo/a")
    code, rows = sync(cli, repo)
    assert code == 0 and rows["a"]["result"] == "skipped"
    assert rows["a"]["why"] == f"1 uncommitted change(s) in {a.path}: commit or stash them (or --autostash)"
    assert repo.rev("feature/demo/a") == tip and (a.path / "README.md").read_text() == "hello\nlocal edit\n"
    code, rows = sync(cli, repo, "--autostash")
    assert code == 0 and rows["a"]["result"] == "synced"
    assert (a.path / "README.md").read_text() == "hello\nlocal edit\n" and (a.path / "up.txt").exists()
    assert a.git("stash", "list") == ""
    no_operation_in_progress(repo)


def test_user_rebase_in_progress_is_reported_not_touched(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    tip = stop_in_a_rebase(repo, a)
    code, rows = sync(cli, repo)
    assert code == 0 and rows["a"]["result"] == "skipped"
    assert rows["a"]["why"] == (f"a rebase is in progress in {a.path}: finish it, or `git rebase --abort`")
    assert repo.rev("feature/demo/a") == tip
    assert (Path(a.git("rev-parse", "--absolute-git-dir").strip()) / "rebase-merge").exists()
    a.git("rebase", "--abort")


def test_child_of_a_squash_merged_parent_lands_on_main_with_only_its_commits(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "p"', 'id = "c"\ndepends_on = ["p"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    p = wt(repo, "p")
    p.commit("p1", {"p.txt": "p1\n"})
    p.commit("p2", {"p.txt": "p2\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    c = wt(repo, "c")
    c.commit("c1", {"c.txt": "c1\n"})
    c.commit("c2", {"c.txt": "c2\n"})
    repo.git("merge", "-q", "--squash", "feature/demo/p")
    repo.git("commit", "-q", "-m", "squash p")
    code, rows = sync(cli, repo, "c")
    assert code == 0 and rows["c"]["result"] == "synced" and rows["c"]["base"] == "main"
    assert repo.git("log", "--format=%s", "main..feature/demo/c").split() == ["c2", "c1"]
    assert repo.rev("feature/demo/c^^") == repo.rev("main")
    assert (c.path / "p.txt").read_text() == "p2\n" and (c.path / "c.txt").read_text() == "c2\n"
    row = by_id(status(cli, repo))["c"]
    assert (row["base"], row["ahead"], row["behind"], row["last_sync"] is not None) == ("main", 2, 0, True)
    no_operation_in_progress(repo)
    repo.fsck()


def test_stacked_child_follows_its_moving_parent(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "p"', 'id = "c"\ndepends_on = ["p"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "p").commit("p1", {"p.txt": "p1\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    wt(repo, "c").commit("c1", {"c.txt": "c1\n"})
    wt(repo, "p").commit("p2", {"p2.txt": "p2\n"})
    repo.commit("upstream", {"up.txt": "up\n"})
    code, rows = sync(cli, repo)
    assert code == 0 and [rows["p"]["result"], rows["c"]["result"]] == ["synced", "synced"]
    assert rows["c"]["base"] == "feature/demo/p"
    assert repo.rev("feature/demo/c^") == repo.rev("feature/demo/p")
    assert repo.git("log", "--format=%s", "main..feature/demo/c").split() == ["c1", "p2", "p1"]
    _, again = sync(cli, repo)
    assert [again["p"]["result"], again["c"]["result"]] == ["up to date", "up to date"]


def test_dry_run_predicts_and_changes_nothing(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "clash"', 'id = "clean"'))
    repo.commit("shared", {"shared.txt": "original\n"})
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "clash").commit("mine", {"shared.txt": "mine\n"})
    wt(repo, "clean").commit("other", {"other.txt": "o\n"})
    repo.commit("upstream", {"shared.txt": "theirs\n"})
    refs = repo.git("for-each-ref")
    code, rows = sync(cli, repo, "--dry-run")
    assert code == 1
    assert (rows["clash"]["result"], rows["clash"]["conflicts"]) == ("would conflict", ["shared.txt"])
    assert rows["clean"]["result"] == "would sync"
    assert repo.git("for-each-ref") == refs
    assert cli("-C", repo.path, "log", "--json").stdout.count('"command": "sync') == 0


def test_merge_strategy(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'), header='version = 1\n[project]\nname = "demo"\n[sync]\nstrategy = "merge"\n')
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    tip = wt(repo, "a").commit("a", {"a.txt": "a\n"})
    repo.commit("upstream", {"up.txt": "up\n"})
    code, rows = sync(cli, repo)
    assert code == 0 and rows["a"]["result"] == "synced"
    assert repo.git("rev-list", "--parents", "-1", "feature/demo/a").split()[1:] == [tip, repo.rev("main")]
    # The merge commit names what was merged into what (not "Merge commit '84bf2313…'").
    subject = repo.git("log", "-1", "--format=%s", "feature/demo/a").strip()
    assert subject == "Merge main into feature/demo/a (wtorch sync)"


def test_push_uses_a_lease(cli: Any, project: Any, make_repo: Any) -> None:
    remote = make_repo(bare=True)
    repo = project(efforts('id = "a"'), header='version = 1\n[project]\nname = "demo"\nremote = "origin"\n')
    repo.git("remote", "add", "origin", str(remote.path))
    repo.git("push", "-q", "origin", "main")
    assert cli("-C", repo.path, "create-wave", "1", "--push").exit_code == 0
    wt(repo, "a").commit("a", {"a.txt": "a\n"})
    wt(repo, "a").git("push", "-q", "origin", "feature/demo/a")
    repo.commit("upstream", {"up.txt": "up\n"})
    repo.git("push", "-q", "origin", "main")
    code, rows = sync(cli, repo, "--push")
    assert code == 0 and rows["a"]["notes"] == ["pushed to origin (force-with-lease)"]
    assert remote.git("rev-parse", "refs/heads/feature/demo/a").strip() == repo.rev("feature/demo/a")
    assert rows["a"]["base"] == "origin/main"


def test_undo_after_sync_and_redo(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    tip = a.commit("a", {"a.txt": "a\n"})
    repo.commit("upstream", {"up.txt": "up\n"})
    assert sync(cli, repo)[0] == 0
    synced = repo.rev("feature/demo/a")
    log = cli("-C", repo.path, "log").stdout
    assert "wtorch sync --json" in log and "wtorch create-wave 1" in log
    undone = cli("-C", repo.path, "undo")
    assert undone.exit_code == 0, undone.output
    assert undone.stdout.startswith("undid 2: wtorch sync --json\n")
    assert (
        repo.rev("feature/demo/a") == tip and not (a.path / "up.txt").exists() and a.git("status", "--porcelain") == ""
    )
    redo = cli("-C", repo.path, "undo")
    assert redo.exit_code == 0 and redo.stdout.startswith("undid 3: wtorch undo (undid 2: wtorch sync --json)\n")
    assert repo.rev("feature/demo/a") == synced and (a.path / "up.txt").exists()
    repo.fsck()


def test_undo_refused_while_a_worktree_is_dirty(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    a.commit("a", {"a.txt": "a\n"})
    repo.commit("upstream", {"up.txt": "up\n"})
    assert sync(cli, repo)[0] == 0
    synced = repo.rev("feature/demo/a")
    a.write("notes.txt", "unsaved thoughts")
    refused = cli("-C", repo.path, "undo")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"wtorch: cannot undo `sync --json`: 1 uncommitted change(s) in {a.path}: commit or stash them. "
        "Nothing was changed.\n"
    )
    assert repo.rev("feature/demo/a") == synced and (a.path / "notes.txt").read_text() == "unsaved thoughts"


def test_undo_refused_when_a_ref_moved_since(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    moved = wt(repo, "a").commit("later", {"l.txt": "l\n"})
    refused = cli("-C", repo.path, "undo")
    assert refused.exit_code == 1 and "refs/heads/feature/demo/a has moved since" in refused.stderr
    assert repo.rev("feature/demo/a") == moved


def test_undo_of_create_wave_removes_what_it_made(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    result = cli("-C", repo.path, "undo")
    assert result.exit_code == 0, result.output
    assert repo.branches() == ["main"] and not wt(repo, "a").path.exists()
    assert repo.git("worktree", "list", "--porcelain").count("worktree ") == 1
    assert by_id(status(cli, repo))["a"]["state"] == "planned"
    redo = cli("-C", repo.path, "undo")
    assert redo.exit_code == 0, redo.output
    assert "feature/demo/a" in repo.branches() and (wt(repo, "a").path / "README.md").exists()


def test_undo_of_defunct_renames_back_and_of_remove_readds(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    tip = wt(repo, "a").commit("a", {"a.txt": "a\n"})
    assert cli("-C", repo.path, "defunct", "a", "--reason", "oops").exit_code == 0
    assert cli("-C", repo.path, "undo").exit_code == 0
    assert repo.rev("feature/demo/a") == tip and "feature/defunct-demo/a" not in repo.branches()
    assert by_id(status(cli, repo))["a"]["state"] == "active"
    assert cli("-C", repo.path, "remove", "a").exit_code == 0
    assert not wt(repo, "a").path.exists()
    assert cli("-C", repo.path, "undo").exit_code == 0
    assert (wt(repo, "a").path / "a.txt").read_text() == "a\n"


def test_killed_in_the_middle_of_a_rebase_the_next_run_aborts_it_and_syncs(cli: Any, project: Any) -> None:
    """Issue 12, item 2: wtorch started that rebase (its log entry says so), so the next run aborts
    it, even past the packed-refs.lock the killed git held, and syncs; nothing is lost or left."""
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    tip = a.commit("a", {"a.txt": "a\n"})
    repo.commit("upstream", {"up.txt": "up\n"})
    hooks = repo.path / "hooks"
    hooks.mkdir()
    marker = repo.path / "in-rebase"
    hook = hooks / "post-checkout"
    # What git holds when it is killed mid-way: a lock on the packed refs (stale once it is dead).
    hook.write_text(f"#!/bin/sh\ntouch {repo.path / '.git' / 'packed-refs.lock'}\ntouch {marker}\nsleep 60\n")
    hook.chmod(0o755)
    repo.git("config", "core.hooksPath", str(hooks))
    killed_when(repo, marker, "sync", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    repo.git("config", "--unset", "core.hooksPath")
    assert repo.rev("feature/demo/a") == tip  # the branch ref only moves when a rebase finishes
    assert by_id(status(cli, repo))["a"]["worktree_state"] == "rebase in progress"
    code, rows = sync(cli, repo)
    assert code == 0 and rows["a"]["result"] == "synced", rows
    assert repo.git("log", "--format=%s", "main..feature/demo/a").split() == ["a"]
    assert (a.path / "a.txt").read_text() == "a\n" and (a.path / "up.txt").read_text() == "up\n"
    no_operation_in_progress(repo)
    assert not (repo.path / ".git" / "packed-refs.lock").exists()
    assert not (repo.path / ".git" / "worktrees" / "a" / "CHERRY_PICK_HEAD").exists()
    log = json.loads(cli("-C", repo.path, "log", "--json").stdout)["operations"]
    # The killed run and its re-run are one entry: one undo takes both back.
    assert [(o["command"], o["interrupted"]) for o in log] == [("sync", False), ("create-wave 1", False)]
    repo.fsck()


def test_autostash_that_conflicts_keeps_the_changes_in_the_stash_and_says_so(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    repo.commit("shared", {"f.txt": "base\n"})
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    a.commit("work", {"g.txt": "g\n"})
    repo.commit("upstream", {"f.txt": "upstream\n"})
    a.write("f.txt", "my local edit\n")
    code, rows = sync(cli, repo, "--autostash")
    assert code == 0 and rows["a"]["result"] == "synced"
    assert rows["a"]["notes"] == [
        "your uncommitted changes conflicted with the new base: they are safe in `git stash list`, "
        "and the worktree shows the conflict"
    ]
    assert "autostash" in a.git("stash", "list")
    assert a.git("stash", "show", "-p", "stash@{0}").count("+my local edit") == 1
    no_operation_in_progress(repo)


def test_a_failure_that_is_not_a_conflict_is_reported_and_the_rest_carries_on(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a, b = wt(repo, "a"), wt(repo, "b")
    tip = a.commit("work", {"g.txt": "g\n"})
    b.commit("work", {"h.txt": "h\n"})
    repo.commit("upstream", {"new.txt": "from upstream\n"})
    a.write("new.txt", "untracked, mine\n")  # in the way of the incoming file; --autostash does not stash it
    code, rows = sync(cli, repo, "--autostash")
    assert code == 1
    assert rows["a"]["result"] == "failed"
    assert rows["a"]["why"] == (
        "The following untracked working tree files would be overwritten by checkout: new.txt; left as it was"
    )
    assert repo.rev("feature/demo/a") == tip and (a.path / "new.txt").read_text() == "untracked, mine\n"
    assert rows["b"]["result"] == "synced"
    no_operation_in_progress(repo)
    repo.fsck()


def slow_rebase(cli: Any, project: Any, tmp_path: Path) -> tuple[Repo, Repo, str, Path]:
    """An effort with six commits to replay through a slow checkout filter, so a rebase of it can be
    interrupted half-way; (repo, worktree, tip, marker that appears once the rebase is checking out)."""
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    a = wt(repo, "a")
    for i in range(6):
        a.commit(f"c{i}", {f"f{i}.slow": f"{i}\n"})
    tip = repo.rev("feature/demo/a")
    repo.commit("upstream", {"up.txt": "up\n"})
    marker = tmp_path / "checking-out"
    repo.git("config", "filter.slow.smudge", f"touch {marker}; sleep 1; cat")
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "attributes").write_text("*.slow filter=slow\n")
    return repo, a, tip, marker


def test_ctrl_c_during_a_rebase_aborts_it_and_exits_130(cli: Any, project: Any, tmp_path: Path) -> None:
    repo, a, tip, marker = slow_rebase(cli, project, tmp_path)
    proc = wtorch_process(repo, "sync", start_new_session=True)
    try:
        assert wait_for(marker)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err
    no_operation_in_progress(repo)
    assert repo.rev("feature/demo/a") == tip
    repo.git("config", "--unset", "filter.slow.smudge")
    (repo.path / ".git" / "info" / "attributes").unlink()
    assert a.git("status", "--porcelain") == ""
    code, rows = sync(cli, repo)
    assert code == 0 and rows["a"]["result"] == "synced"
    repo.fsck()


def test_dry_run_agrees_with_sync_on_dirty_trees_and_squash_merged_parents(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "p"', 'id = "c"\ndepends_on = ["p"]', 'id = "dirty"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "p").commit("p1", {"p1.txt": "one\n"})
    wt(repo, "p").commit("p2", {"p1.txt": "two\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    wt(repo, "c").commit("c1", {"c.txt": "c\n"})
    wt(repo, "dirty").commit("d", {"d.txt": "d\n"})
    wt(repo, "dirty").write("d.txt", "edited\n")
    repo.git("merge", "-q", "--squash", "feature/demo/p")
    repo.git("commit", "-q", "-m", "squash p")
    repo.commit("retune", {"p1.txt": "three\n"})  # a whole-branch trial merge would call this a conflict
    code, predicted = sync(cli, repo, "--dry-run")
    assert code == 0
    assert predicted["c"]["result"] == "would sync" and predicted["dirty"]["result"] == "skipped"
    code, done = sync(cli, repo)
    assert code == 0 and done["c"]["result"] == "synced" and done["dirty"]["result"] == "skipped"
    assert repo.git("log", "--format=%s", "main..feature/demo/c").split() == ["c1"]
    assert (wt(repo, "c").path / "p1.txt").read_text() == "three\n"


def test_sigterm_to_wtorch_alone_also_aborts_the_rebase(cli: Any, project: Any, tmp_path: Path) -> None:
    repo, _, tip, marker = slow_rebase(cli, project, tmp_path)
    proc = wtorch_process(repo, "sync", start_new_session=True)
    try:
        assert wait_for(marker)
        proc.send_signal(signal.SIGTERM)  # to wtorch only: git does not get it from us
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and err.strip() == "wtorch: interrupted"
    no_operation_in_progress(repo)
    assert repo.rev("feature/demo/a") == tip


def test_an_effort_forced_onto_main_syncs_onto_main(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"', 'id = "b"', 'id = "c"\ndepends_on = ["a", "b"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    assert cli("-C", repo.path, "create-wave", "2", "--force").exit_code == 0
    wt(repo, "c").commit("c", {"c.txt": "c\n"})
    repo.commit("upstream", {"up.txt": "up\n"})
    code, rows = sync(cli, repo, "c")
    assert code == 0 and (rows["c"]["result"], rows["c"]["base"]) == ("synced", "main")
    assert repo.rev("feature/demo/c^") == repo.rev("main")


def test_redo_of_create_wave_leaves_copies_and_setup_to_the_next_create_wave(cli: Any, project: Any) -> None:
    header = 'version = 1\n[project]\nname = "demo"\n[worktree]\ncopy = [".env"]\nsetup = ["echo done > .setup-ran"]\n'
    repo = project(efforts('id = "a"'), header=header)
    repo.commit("ignore what setup makes", {".gitignore": ".setup-ran\n"})
    (repo.path / ".env").write_text("K=1\n")
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    undone = cli("-C", repo.path, "undo")
    assert undone.exit_code == 0, undone.output
    redo = cli("-C", repo.path, "undo")
    assert redo.exit_code == 0 and "will copy files and run setup" in redo.stdout
    a = wt(repo, "a")
    assert a.path.is_dir() and not (a.path / ".env").exists()
    assert by_id(status(cli, repo))["a"]["setup"] is None
    again = cli("-C", repo.path, "create-wave", "1", "--json")
    assert json.loads(again.stdout)["efforts"][0]["detail"] == "adopt existing branch, finish setup"
    assert (a.path / ".env").read_text() == "K=1\n" and (a.path / ".setup-ran").exists()


def test_undo_refuses_to_delete_a_branch_checked_out_where_it_did_not_create(cli: Any, project: Any) -> None:
    repo = project(efforts('id = "a"'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    repo.git("worktree", "remove", str(wt(repo, "a").path))
    repo.git("switch", "-q", "feature/demo/a")
    refused = cli("-C", repo.path, "undo")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"wtorch: cannot undo `create-wave 1`: feature/demo/a is checked out in {repo.path}. Nothing was changed.\n"
    )
    assert repo.git("symbolic-ref", "--short", "HEAD").strip() == "feature/demo/a"
    assert repo.rev("feature/demo/a") == repo.rev("main")


def test_worktrees_with_submodules_can_be_removed_and_undone(cli: Any, project: Any, make_repo: Any) -> None:
    sub = make_repo()
    sub.commit("lib", {"lib.txt": "lib\n"})
    repo = project(efforts('id = "a"', 'id = "b"'))
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "lib")
    repo.commit("submodule")
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    assert (wt(repo, "a").path / "lib" / "lib.txt").exists()
    undone = cli("-C", repo.path, "undo")
    assert undone.exit_code == 0, undone.output
    assert repo.branches() == ["main"]
    assert repo.git("worktree", "list", "--porcelain").count("worktree ") == 1
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    removed = cli("-C", repo.path, "remove", "a")
    assert removed.exit_code == 0, removed.output
    assert not wt(repo, "a").path.exists() and "feature/demo/a" in repo.branches()


def _three_to_sync(cli: Any, project: Any, marks: Path, wait: float) -> Repo:
    """a and b, independent, and c stacked on a, each a commit behind main. Each rebase, as it ends,
    leaves a mark, waits up to `wait` seconds for both a's and b's, then notes which marks it saw."""
    repo = project(efforts('id = "a"', 'id = "b"', 'id = "c"\ndepends_on = ["a"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("a", {"a.txt": "a\n"})
    wt(repo, "b").commit("b", {"b.txt": "b\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    wt(repo, "c").commit("c", {"c.txt": "c\n"})
    repo.commit("upstream", {"up.txt": "up\n"})
    marks.mkdir()
    hook = repo.path / ".git" / "hooks" / "post-rewrite"
    hook.write_text(
        "#!/bin/sh\n"
        f'm={marks}; me=$(basename "$PWD"); touch "$m/$me"\n'
        f"for i in $(seq {int(wait * 20)}); do "
        '[ -e "$m/a" ] && [ -e "$m/b" ] && break; sleep 0.05; done\n'
        'ls "$m" | grep -v seen | sort | tr "\\n" " " > "$m/$me.seen"\n'
    )
    hook.chmod(0o755)
    return repo


def test_efforts_stacked_on_none_of_each_other_are_rebased_side_by_side(cli: Any, project: Any, tmp_path: Path) -> None:
    """a's and b's rebases meet (run one after the other, the first would see only its own mark);
    c, stacked on a, starts only once a is rebased, and from a's new tip."""
    marks = tmp_path / "marks"
    repo = _three_to_sync(cli, project, marks, wait=20)
    code, rows = sync(cli, repo)
    assert code == 0 and {r["result"] for r in rows.values()} == {"synced"}
    assert (marks / "a.seen").read_text().split() == ["a", "b"]
    assert (marks / "b.seen").read_text().split() == ["a", "b"]
    assert (marks / "c.seen").read_text().split() == ["a", "b", "c"]
    # c went onto a's new tip, with only its own commit replayed.
    assert repo.git("rev-parse", "feature/demo/c~1").strip() == repo.rev("feature/demo/a")
    assert list(rows) == ["a", "b", "c"]
    no_operation_in_progress(repo)
    repo.fsck()


def test_jobs_1_syncs_one_effort_at_a_time(cli: Any, project: Any, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    repo = _three_to_sync(cli, project, marks, wait=1)
    code, rows = sync(cli, repo, "--jobs", "1")
    assert code == 0 and {r["result"] for r in rows.values()} == {"synced"}
    assert (marks / "a.seen").read_text().split() == ["a"]
    assert (marks / "b.seen").read_text().split() == ["a", "b"]
    assert cli("-C", repo.path, "sync", "--jobs", "0").exit_code == 2
