"""`wtorch gate` through the CLI: targets, budgets, exit codes and the three output formats."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.gitutil import Repo, lines, work

MANIFEST = """\
version = 1
[project]
name = "p"
[gate]
max_lines = 10
exclude = ["docs/**"]
[[effort]]
id = "a"
[[effort]]
id = "b"
depends_on = ["a"]
[[effort]]
id = "c"
[[effort]]
id = "d"
wave = 3
"""


@pytest.fixture
def planned(repo: Repo) -> Repo:
    """Efforts a (10 lines: exactly the budget), b stacked on a (+4), c (11: one over); d has no branch."""
    repo.commit("plan", {"wtorch.toml": MANIFEST})
    work(repo, "feature/p/a", {"a.py": lines(10), "docs/a.md": lines(50)})
    work(repo, "feature/p/b", {"b.py": lines(4)}, start="feature/p/a")
    work(repo, "feature/p/c", {"c.py": lines(11), "go.sum": lines(30)})
    return repo


def gate(cli: Any, repo: Repo, *args: str) -> Any:
    return cli("-C", repo.path, "gate", *args)


def test_every_effort_with_a_branch_against_its_own_base(cli: Any, planned: Repo) -> None:
    result = gate(cli, planned, "--json")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    rows = {b["effort"]: (b["branch"], b["base"], b["lines"], b["over"]) for b in data["branches"]}
    assert rows == {
        "a": ("feature/p/a", "main", 10, False),  # exactly at the budget passes
        "b": ("feature/p/b", "feature/p/a", 4, False),  # stacked: measured against its parent
        "c": ("feature/p/c", "main", 11, True),  # one over fails
    }
    assert data["over"] == ["feature/p/c"] and data["skipped"] == ["d"]


def test_json_shape(cli: Any, planned: Repo) -> None:
    data = json.loads(gate(cli, planned, "c", "--format", "json").stdout)
    fork = planned.rev("main")
    assert data == {
        "schema": 1,
        "max_lines": 10,
        "count": "changed",
        "branches": [
            {
                "branch": "feature/p/c",
                "effort": "c",
                "base": "main",
                "merge_base": fork,
                "tip": planned.rev("feature/p/c"),
                "lines": 11,
                "added": 11,
                "deleted": 0,
                "files": 1,
                "excluded": [{"path": "go.sum", "lines": 30, "why": "lock file"}],
                "binary": [],
                "over": True,
                "split_into": [],
            }
        ],
        "over": ["feature/p/c"],
        "skipped": [],
    }


def test_exactly_at_budget_passes_and_one_over_fails(cli: Any, planned: Repo) -> None:
    assert gate(cli, planned, "a").exit_code == 0
    assert gate(cli, planned, "feature/p/a", "--max-lines", "9").exit_code == 1
    assert gate(cli, planned, "c", "--max-lines", "11").exit_code == 0
    assert gate(cli, planned, "a", "c").exit_code == 1


def test_table_marks_over_budget_rows_and_summarises(cli: Any, planned: Repo) -> None:
    result = cli("-C", planned.path, "--no-color", "gate")
    assert result.exit_code == 1
    row_c = next(line for line in result.stdout.splitlines() if "feature/p/c" in line)
    assert "OVER" in row_c and "11/10" in row_c and "1 (30 lines)" in row_c
    row_a = next(line for line in result.stdout.splitlines() if "feature/p/a" in line)
    assert "ok" in row_a and "10/10" in row_a and "1 (50 lines)" in row_a
    assert result.stdout.rstrip().splitlines()[-1] == (
        "1 of 3 branches over the budget of 10 changed lines: feature/p/c"
    )
    assert "no branch yet (not measured): d" in result.stdout


def test_verbose_breakdown_lists_the_heaviest_files_first(cli: Any, planned: Repo) -> None:
    planned.git("checkout", "-q", "feature/p/c")
    planned.commit("more", {"small.py": lines(2), "big.py": lines(7)})
    planned.git("checkout", "-q", "main")
    out = cli("-C", planned.path, "-v", "gate", "c").stdout
    order = [name for line in out.splitlines() for name in ("c.py", "big.py", "small.py", "go.sum") if name in line]
    assert order == ["c.py", "big.py", "small.py", "go.sum"]
    assert "excluded: lock file" in out


def test_github_format(cli: Any, planned: Repo) -> None:
    result = gate(cli, planned, "a", "c", "--format", "github")
    assert result.exit_code == 1
    fork = planned.rev("main")[:12]
    assert result.stdout.splitlines() == [
        "::notice title=within budget%3A feature/p/a::feature/p/a: 10 changed lines of 10 allowed (+10 -0, 1 files; "
        f"1 excluded with 50 lines; 0 binary) since merge-base {fork} with main",
        "::error title=over budget%3A feature/p/c::feature/p/c: 11 changed lines of 10 allowed (+11 -0, 1 files; "
        f"1 excluded with 30 lines; 0 binary) since merge-base {fork} with main; over by 1: run `wtorch split "
        "feature/p/c`",
    ]
    grouped = cli("-C", planned.path, "-v", "gate", "a", "-f", "github").stdout.splitlines()
    assert grouped[1:] == [
        "::group::feature/p/a: files",
        "    10 +10 -0 A a.py",
        "     0 +50 -0 A docs/a.md (excluded: gate.exclude: docs/**)",
        "::endgroup::",
    ]


def test_wave_count_base_and_default_excludes_options(cli: Any, planned: Repo) -> None:
    wave2 = json.loads(gate(cli, planned, "--wave", "2", "--json").stdout)
    assert [b["effort"] for b in wave2["branches"]] == ["b"]
    assert json.loads(gate(cli, planned, "--wave", "3", "--json").stdout)["skipped"] == ["d"]
    against_main = json.loads(gate(cli, planned, "b", "--base", "main", "--json").stdout)["branches"][0]
    assert (against_main["base"], against_main["lines"], against_main["over"]) == ("main", 14, True)
    counted = json.loads(gate(cli, planned, "c", "--no-default-excludes", "--json").stdout)["branches"][0]
    assert (counted["lines"], counted["excluded"]) == (41, [])
    planned.git("checkout", "-q", "feature/p/a")
    planned.git("rm", "-q", "a.py")
    planned.commit("drop", {"a2.py": lines(3)})
    added = json.loads(gate(cli, planned, "a", "--count", "added", "--json").stdout)
    assert (added["count"], added["branches"][0]["lines"]) == ("added", 3)
    assert json.loads(gate(cli, planned, "a", "--json").stdout)["branches"][0]["lines"] == 3


def test_no_manifest_needs_only_a_base(cli: Any, repo: Repo) -> None:
    work(repo, "topic", {"x.py": lines(800)})
    repo.git("checkout", "-q", "topic")
    result = cli("-C", repo.path, "gate", "--base", "main", "HEAD", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["max_lines"], data["count"]) == (800, "changed")
    assert [(b["branch"], b["effort"], b["lines"]) for b in data["branches"]] == [("HEAD", None, 800)]
    repo.commit("one more", {"y.py": "y\n"})
    assert cli("-C", repo.path, "gate", "--base", "main").exit_code == 1  # HEAD by default
    assert cli("-C", repo.path, "gate", "--base", "main", "--max-lines", "801").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--max-lines", "0"], "wtorch: --max-lines must be a positive number of lines, not 0\n"),
        (["--max-lines", "-5"], "wtorch: --max-lines must be a positive number of lines, not -5\n"),
        (["zz"], "wtorch: unknown branch or effort 'zz' (efforts: a, b, c, d)\n"),
        (["d"], "wtorch: effort 'd' has no branch yet (feature/p/d); create it with `wtorch create-wave 3`\n"),
        (["a", "--base", "nowhere"], "wtorch: unknown base 'nowhere'\n"),
        (["--wave", "7"], "wtorch: there is no wave 7 in the manifest (waves: 1, 2, 3)\n"),
        (["c", "--wave", "2"], "wtorch: 'c' not in wave 2; drop --wave or the name\n"),
    ],
)
def test_usage_errors_exit_2(cli: Any, planned: Repo, args: list[str], message: str) -> None:
    result = gate(cli, planned, *args)
    assert (result.exit_code, result.stderr) == (2, message)
    assert result.stdout == ""


def test_usage_errors_without_a_manifest(cli: Any, repo: Repo) -> None:
    missing_base = cli("-C", repo.path, "gate", "HEAD")
    assert missing_base.exit_code == 2
    assert missing_base.stderr == (
        "wtorch: no manifest found, so gate needs --base REF to measure against, "
        "e.g. wtorch gate --base origin/main HEAD\n"
    )
    unknown = cli("-C", repo.path, "gate", "--base", "main", "nope")
    assert (unknown.exit_code, unknown.stderr) == (2, "wtorch: unknown branch 'nope'\n")
    wave = cli("-C", repo.path, "gate", "--base", "main", "--wave", "1")
    assert wave.exit_code == 2 and "--wave needs a manifest" in wave.stderr
    named = cli("-C", repo.path, "--manifest", repo.path / "absent.toml", "gate", "--base", "main")
    assert named.exit_code == 2 and "no manifest at" in named.stderr
    bad = cli("-C", repo.path, "gate", "--count", "words")
    assert bad.exit_code == 2


def test_no_branch_yet_is_not_a_failure(cli: Any, repo: Repo) -> None:
    (repo.path / "wtorch.toml").write_text(MANIFEST)
    result = gate(cli, repo)
    assert (result.exit_code, result.stdout) == (0, "no branch to measure (no branch yet: a, b, c, d)\n")
    github = gate(cli, repo, "-f", "github")
    assert github.stdout == "::notice title=wtorch gate::no branch to measure (no branch yet: a, b, c, d)\n"


def test_help_has_an_example(cli: Any) -> None:
    helped = cli("gate", "--help")
    assert helped.exit_code == 0 and "Example: wtorch gate" in helped.stdout


def test_a_stacked_effort_whose_parent_branch_was_deleted_is_measured_against_the_base(cli: Any, project: Any) -> None:
    from tests.gitutil import efforts, wt

    repo = project(efforts('id = "a"', 'id = "b"\ndepends_on = ["a"]'))
    assert cli("-C", repo.path, "create-wave", "1").exit_code == 0
    wt(repo, "a").commit("a", {"a.txt": "a\n"})
    assert cli("-C", repo.path, "create-wave", "2").exit_code == 0
    wt(repo, "b").commit("b", {"b.txt": "b\n"})
    repo.git("worktree", "remove", "--force", str(wt(repo, "a").path))
    repo.git("branch", "-D", "feature/demo/a")
    result = cli("-C", repo.path, "gate", "--format", "json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["branches"]
    assert (row["effort"], row["base"], row["lines"]) == ("b", "main", 2)
