"""Tables that fit: at 80 and 120 columns the effort and branch are whole, the rest gives way (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.gitutil import Repo, efforts, lines, wt

HEADER = 'version = 1\n[project]\nname = "payments-platform-rewrite"\n[gate]\nmax_lines = 50\n'
MANIFEST = efforts(
    'id = "p6w1-synctarget-controller"\nestimate = 750\nowner = "agent-1"',
    'id = "p6w2-virtual-workspace-core"\ndepends_on = ["p6w1-synctarget-controller"]\nestimate = 700',
)


@pytest.fixture
def wide_names(cli: Any, project: Any) -> Repo:
    repo: Repo = project(MANIFEST, header=HEADER)
    repo.commit("shared", {"shared.txt": "base\n"})
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    first = wt(repo, "p6w1-synctarget-controller")
    first.commit("work", {"pkg/sync/a.txt": lines(40, "a"), "pkg/other/b.txt": lines(40, "b"), "shared.txt": "x\n"})
    repo.commit("upstream", {"shared.txt": "upstream\n"})
    return repo


def run(cli: Any, repo: Repo, monkeypatch: Any, width: int, *args: str) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("-C", repo.path, *args)
    assert result.exit_code in (0, 1), result.output
    return str(result.stdout)


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize(
    "command",
    [["plan"], ["status"], ["gate"], ["split", "p6w1-synctarget-controller"], ["sync", "--dry-run"]],
    ids=["plan", "status", "gate", "split", "sync"],
)
def test_every_line_fits_and_names_stay_whole(
    cli: Any, wide_names: Repo, monkeypatch: Any, width: int, command: list[str]
) -> None:
    text = run(cli, wide_names, monkeypatch, width, *command)
    assert max(len(line) for line in text.splitlines()) <= width, text
    assert "p6w1-synctarget-controller" in text
    if command[0] != "plan":
        branch = "feature/payments-platform-rewrite/p6w1-synctarget-controller"
        # Whole, or (when even effort and branch do not fit) cut from the left down to no less than the id.
        words = [word.rstrip(":") for line in text.splitlines() for word in line.split()]
        shown = [word for word in words if word.endswith("/p6w1-synctarget-controller")]
        assert shown and all(branch.endswith(word.lstrip("…")) for word in shown), text


def test_narrow_tables_say_what_they_leave_out_and_wide_shows_it(cli: Any, wide_names: Repo, monkeypatch: Any) -> None:
    narrow = run(cli, wide_names, monkeypatch, 80, "status")
    assert "not shown at this width: " in narrow and "(--wide or --json shows them)" in narrow
    assert "sync" not in narrow.split("not shown")[0].splitlines()[2]  # the header row lost the sync column
    wide = run(cli, wide_names, monkeypatch, 80, "status", "--wide")
    header = next(line for line in wide.splitlines() if "effort" in line and "branch" in line)
    assert all(name in header for name in ("wave", "worktree", "dirty", "ahead/behind", "lines", "commit", "sync"))
    assert "not shown at this width" not in wide
