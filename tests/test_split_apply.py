"""`wtorch split` on real repositories: the plan, --apply with tree equality, --check, refusals."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.gitutil import Repo


def python_branch(repo: Repo) -> str:
    """A branch whose change needs an order: models <- service <- api, plus a rename, a mode, a symlink."""
    repo.commit("base", {"app/__init__.py": "", "app/old_name.py": "X = 1\n", "app/gone.py": "G = 1\n"})
    repo.git("checkout", "-q", "-b", "feature/x")
    repo.write("app/models.py", "".join(f"M{i} = {i}\n" for i in range(30)))
    repo.write("app/service.py", "from app.models import M1\n" + "".join(f"S{i} = {i}\n" for i in range(30)))
    repo.write("app/api.py", "from app import service\n" + "".join(f"A{i} = {i}\n" for i in range(30)))
    repo.git("mv", "app/old_name.py", "app/new_name.py")
    repo.git("rm", "-q", "app/gone.py")
    tool = repo.write("tools/run.sh", "#!/bin/sh\necho run\n")
    tool.chmod(0o755)
    os.symlink("run.sh", repo.path / "tools" / "latest")
    repo.commit("feature")
    repo.git("checkout", "-q", "main")
    return repo.rev("feature/x")


def test_plan_orders_importees_first_and_json_shape(cli: Any, repo: Repo) -> None:
    tip = python_branch(repo)
    result = cli("-C", repo.path, "split", "feature/x", "--base", "main", "--max-lines", "40", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == 1 and data["branch"] == "feature/x" and data["base"] == "main"
    assert data["merge_base"] == repo.rev("main") and data["max_lines"] == 40
    assert data["total_lines"] == 96 and data["floor"] == 3  # 30 + 31 + 31 + 1 deleted + 2 + 1 (symlink)
    where = {f: c["n"] for c in data["chunks"] for f in c["files"]}
    assert where["app/models.py"] <= where["app/service.py"] <= where["app/api.py"]
    assert all(c["lines"] <= 40 for c in data["chunks"])
    assert [c["branch"] for c in data["chunks"]] == [f"feature/x-{n}-split" for n in range(1, len(data["chunks"]) + 1)]
    assert repo.branches() == ["feature/x", "main"] and repo.rev("feature/x") == tip


def test_apply_builds_a_stack_whose_last_tree_is_the_tip(cli: Any, repo: Repo) -> None:
    tip = python_branch(repo)
    status_before = repo.git("status", "--porcelain")
    result = cli("-C", repo.path, "split", "feature/x", "--base", "main", "--max-lines", "40", "--apply", "--json")
    assert result.exit_code == 0, result.output
    chunks = json.loads(result.stdout)["chunks"]
    names = [c["branch"] for c in chunks]
    assert repo.rev(f"{names[-1]}^{{tree}}") == repo.rev("feature/x^{tree}")
    parent = repo.rev("main")
    for n, name in enumerate(names, start=1):
        assert repo.rev(f"{name}^") == parent  # chunk 1 on the merge-base, chunk n on chunk n-1
        assert repo.git("log", "-1", "--format=%s", name).startswith(f"split {n}/{len(names)} of feature/x: ")
        parent = repo.rev(name)
    # exact modes, symlinks, deletions and the rename, as at the tip
    assert repo.git("ls-tree", "-r", names[-1]) == repo.git("ls-tree", "-r", "feature/x")
    assert "120000" in repo.git("ls-tree", names[-1], "tools/latest") and "100755" in repo.git(
        "ls-tree", names[-1], "tools/run.sh"
    )
    assert repo.rev("feature/x") == tip and repo.git("status", "--porcelain") == status_before
    assert repo.git("symbolic-ref", "--short", "HEAD").strip() == "main"
    state = (repo.path / ".git" / "wtorch" / "state.toml").read_text()
    assert '"feature/x" = [' in state and names[0] in state
    repo.fsck()


def test_apply_refuses_to_overwrite_then_force_replaces(cli: Any, repo: Repo) -> None:
    python_branch(repo)
    args = ["-C", repo.path, "split", "feature/x", "--base", "main", "--max-lines", "40", "--apply"]
    assert cli(*args).exit_code == 0
    first = repo.rev("feature/x-1-split")
    again = cli(*args)
    assert again.exit_code == 2
    assert again.stderr.startswith("wtorch: split branches already exist: feature/x-1-split, ")
    assert again.stderr.endswith("; --force replaces them\n")
    assert cli(*args, "--force").exit_code == 0
    assert repo.rev("feature/x-1-split^{tree}") == repo.git("rev-parse", f"{first}^{{tree}}").strip()
    held = repo.path.parent / f"{repo.path.name}-chunk"
    repo.git("worktree", "add", "-q", str(held), "feature/x-1-split")
    try:
        refused = cli(*args, "--force")
        assert refused.exit_code == 2
        assert refused.stderr == (
            f"wtorch: split branches are checked out (feature/x-1-split in {held}); switch those worktrees away first\n"
        )
    finally:
        repo.git("worktree", "remove", "--force", str(held))


def test_apply_rolls_back_when_a_branch_cannot_be_made(cli: Any, repo: Repo) -> None:
    python_branch(repo)
    # a ref "feature/x-2-split/keep" makes "feature/x-2-split" impossible to create
    repo.git("branch", "feature/x-2-split/keep", "main")
    result = cli("-C", repo.path, "split", "feature/x", "--base", "main", "--max-lines", "40", "--apply")
    assert result.exit_code == 3
    assert sorted(repo.branches()) == ["feature/x", "feature/x-2-split/keep", "main"]
    repo.fsck()


def test_check_runs_in_every_chunk_and_leaves_no_worktree(cli: Any, repo: Repo) -> None:
    python_branch(repo)
    split = ["-C", repo.path, "split", "feature/x", "--base", "main", "--max-lines", "40", "--apply"]
    result = cli(*split, "--json", "--check", "test -f app/models.py")
    assert result.exit_code == 0, result.output
    checks = [c["check"]["ok"] for c in json.loads(result.stdout)["chunks"]]
    assert checks and all(checks)
    failing = cli(*split, "--force", "--check", "test -f app/api.py")
    assert failing.exit_code == 1 and "pass" in failing.stdout and "fail (1)" in failing.stdout
    assert repo.git("worktree", "list", "--porcelain").count("worktree ") == 1


def test_split_of_an_effort_uses_the_manifest(cli: Any, project: Any) -> None:
    repo = project(
        '[[effort]]\nid = "x"\n',
        header='version = 1\n[project]\nname = "demo"\nsplit_template = "{branch}-part{n}"\n[gate]\nmax_lines = 30\n',
    )
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt = Repo(repo.path.parent / f"{repo.path.name}-worktrees" / "x")
    wt.commit("x", {"a/one.py": "1\n" * 25, "b/two.py": "2\n" * 25})
    wt.write("a/one.py", "edited, not committed\n")
    applied = cli("-C", repo.path, "split", "x", "--apply")
    assert applied.exit_code == 0, applied.output
    assert (wt.path / "a" / "one.py").read_text() == "edited, not committed\n"  # its worktree untouched
    assert wt.git("status", "--porcelain") == " M a/one.py\n"
    data = json.loads(cli("-C", repo.path, "split", "x", "--json").stdout)
    assert data["effort"] == "x" and data["max_lines"] == 30 and data["base"] == "main"
    assert [c["branch"] for c in data["chunks"]] == ["feature/demo/x-part1", "feature/demo/x-part2"]
    mermaid = cli("-C", repo.path, "split", "x", "--format", "mermaid").stdout
    assert mermaid.startswith('flowchart BT\n  base["main"]\n') and "c2 --> c1" in mermaid


def test_usage_errors(cli: Any, repo: Repo) -> None:
    python_branch(repo)
    no_base = cli("-C", repo.path, "split", "feature/x")
    assert no_base.exit_code == 2 and "split needs --base REF" in no_base.stderr
    unknown = cli("-C", repo.path, "split", "nope", "--base", "main")
    assert unknown.exit_code == 2 and unknown.stderr == "wtorch: unknown branch 'nope'\n"
    check_only = cli("-C", repo.path, "split", "feature/x", "--base", "main", "--check", "true")
    assert check_only.exit_code == 2 and "--check runs in the chunk branches, so it needs --apply" in check_only.stderr
    zero = cli("-C", repo.path, "split", "feature/x", "--base", "main", "--max-lines", "0")
    assert zero.exit_code == 2


def test_head_means_the_checked_out_branch(cli: Any, repo: Repo) -> None:
    python_branch(repo)
    repo.git("checkout", "-q", "feature/x")
    data = json.loads(cli("-C", repo.path, "split", "HEAD", "--base", "main", "--json").stdout)
    assert data["branch"] == "feature/x" and data["chunks"][0]["branch"] == "feature/x-1-split"
    assert Path(repo.path / "app" / "api.py").exists()


def test_apply_carries_a_submodule_entry(cli: Any, repo: Repo, make_repo: Any) -> None:
    sub = make_repo()
    sub.commit("lib", {"lib.txt": "lib\n"})
    repo.git("checkout", "-q", "-b", "feature/sub")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "vendorlib")
    repo.commit("add submodule", {"src/a.py": "A = 1\n" * 10})
    repo.git("checkout", "-q", "main")
    result = cli("-C", repo.path, "split", "feature/sub", "--base", "main", "--max-lines", "5", "--apply", "--json")
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout)["chunks"][-1]["branch"]
    assert repo.rev(f"{last}^{{tree}}") == repo.rev("feature/sub^{tree}")
    assert repo.git("ls-tree", last, "vendorlib").startswith("160000 commit ")


def test_undo_deletes_the_chunk_branches(cli: Any, repo: Repo) -> None:
    python_branch(repo)
    assert cli("-C", repo.path, "split", "feature/x", "--base", "main", "--max-lines", "40", "--apply").exit_code == 0
    assert len(repo.branches()) > 3
    undone = cli("-C", repo.path, "undo")
    assert undone.exit_code == 0
    assert undone.stdout.startswith("undid 1: wtorch split feature/x --base main --max-lines 40 --apply\n")
    assert repo.branches() == ["feature/x", "main"]
    state = (repo.path / ".git" / "wtorch" / "state.toml").read_text()
    assert '"feature/x" = [' not in state.split("[[operations]]")[0]  # the lineage is gone with the branches
    assert cli("-C", repo.path, "undo").exit_code == 0  # redo
    assert '"feature/x" = [' in (repo.path / ".git" / "wtorch" / "state.toml").read_text().split("[[operations]]")[0]


def test_a_smaller_second_split_names_the_branches_left_from_the_first(cli: Any, repo: Repo) -> None:
    python_branch(repo)
    base = ["-C", repo.path, "split", "feature/x", "--base", "main", "--apply", "--json"]
    first = json.loads(cli(*base, "--max-lines", "40").stdout)
    second = json.loads(cli(*base, "--max-lines", "200", "--force").stdout)
    assert len(second["chunks"]) < len(first["chunks"])
    left = [c["branch"] for c in first["chunks"][len(second["chunks"]) :]]
    assert second["stale"] == left and all(name in repo.branches() for name in left)
