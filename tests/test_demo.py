"""`wtorch demo`: the whole flow on a throwaway repository, nothing written outside its directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.gitutil import Repo

TITLES = [
    "The plan",
    "Open wave 1",
    "Agents at work",
    "The line budget",
    "How to cut it",
    "Cut it",
    "The daily sync",
    "Do they merge together?",
    "Is the wave done?",
    "A merge, and a mark",
    "Open wave 2",
    "The status document",
]


def snapshot(*roots: Path) -> dict[str, float]:
    """Every file under `roots` with its modification time (what the demo must leave alone)."""
    return {str(p): p.stat().st_mtime for root in roots for p in root.rglob("*") if p.is_file()}


def test_the_demo_runs_the_whole_flow_inside_its_directory(cli: Any, tmp_path: Path) -> None:
    home = Path(os.environ["HOME"])
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("untouched\n")
    before = snapshot(home, outside)
    target = tmp_path / "demo"
    result = cli("demo", target, "--fast", cwd=outside)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for number, title in enumerate(TITLES, start=1):
        assert f"{number}. {title}" in out
    for command in ("plan", "create-wave 1", "status", "gate", "split p6w2-vw-discovery --apply", "sync"):
        assert f"$ wtorch {command}\n" in out
    assert out.count("(exit 1, as expected)") == 4
    words = " ".join(out.replace("│", " ").split())  # table cells may wrap
    assert "conflict in config/defaults.yaml; left as it was" in words
    assert f"The demo repository is in {target.resolve()}:" in out
    repo = Repo(target / "repo")
    branches = repo.branches()
    for name in ("p6w2-vw-discovery-1-split", "p6w2-vw-discovery-2-split", "p6w2-vw-core", "p6w1-cluster-controller"):
        assert f"feature/tmc-completion/{name}" in branches
    assert sorted(p.name for p in (target / "worktrees").iterdir()) == [
        "p6w1-cluster-controller",
        "p6w1-synctarget-controller",
        "p6w2-vw-core",
        "p6w2-vw-discovery",
        "p6w3-webhooks",
    ]
    assert repo.git("status", "--porcelain") == ""
    repo.fsck()
    assert sorted(p.name for p in target.iterdir()) == ["logs", "repo", "worktrees"]
    assert snapshot(home, outside) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "outside"]


def test_a_non_empty_directory_is_refused_untouched(cli: Any, tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("mine\n")
    result = cli("demo", tmp_path, "--fast")
    assert result.exit_code == 2
    assert result.stderr == (
        f"wtorch: {tmp_path.resolve()} is not empty: "
        "the demo needs an empty or absent directory (nothing was touched)\n"
    )
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
