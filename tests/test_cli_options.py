"""Global options where people type them, and bad option values in wtorch's own words (issue 15)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.gitutil import Repo, efforts


@pytest.fixture
def two(project: Any) -> Repo:
    repo: Repo = project(efforts('id = "a"', 'id = "b"\ndepends_on = ["a"]'))
    return repo


def test_global_options_before_or_after_the_command_mean_the_same(cli: Any, two: Repo, tmp_path: Any) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text('version = 1\n[project]\nname = "other"\n[[effort]]\nid = "x"\n', encoding="utf-8")
    forms = [
        ("-C", two.path, "--json", "status"),
        ("--json", "-C", two.path, "status"),
        ("status", "--json", "-C", two.path),
        ("status", "-C", str(two.path), "--json", "--no-color", "-v"),
        ("-v", "--no-color", "status", f"--repo={two.path}", "--json"),
    ]
    outputs = []
    for form in forms:
        result = cli(*form)
        assert result.exit_code == 0, (form, result.output)
        outputs.append(json.loads(result.stdout))
    assert all(o == outputs[0] for o in outputs)
    before = cli("--manifest", elsewhere, "-C", two.path, "plan", "--json")
    after = cli("plan", "--json", "--manifest", elsewhere, "-C", two.path)
    assert json.loads(before.stdout) == json.loads(after.stdout)
    assert json.loads(after.stdout)["project"] == "other"


def test_a_commands_own_words_are_left_alone(cli: Any, two: Repo) -> None:
    assert cli("-C", two.path, "create-wave", "1").exit_code == 0
    marked = cli("complete", "a", "--reason", "-v", "-C", two.path)
    assert marked.exit_code == 0, marked.output
    status = json.loads(cli("status", "--json", "-C", two.path).stdout)
    assert next(e for e in status["efforts"] if e["id"] == "a")["mark_reason"] == "-v"
    ran = cli("-C", two.path, "run", "--json", "--", "sh", "-c", "echo -v -C")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["command"] == ["sh", "-c", "echo -v -C"]


def test_the_log_records_the_command_without_the_global_options(cli: Any, two: Repo) -> None:
    assert cli("create-wave", "1", "--no-color", "-C", two.path).exit_code == 0
    log = json.loads(cli("-C", two.path, "log", "--json").stdout)
    assert log["operations"][0]["command"] == "create-wave 1"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gate", "--count", "words"], "wtorch: --count must be one of changed, added (not 'words')\n"),
        (["status", "--wave", "x"], "wtorch: --wave must be a whole number (not 'x')\n"),
        (["plan", "--format", "yaml"], "wtorch: --format must be one of table, markdown, mermaid, json (not 'yaml')\n"),
        (["plan", "-f=yaml"], "wtorch: --format must be one of table, markdown, mermaid, json (not 'yaml')\n"),
        (["run", "--jobs", "many", "--", "true"], "wtorch: --jobs must be a whole number (not 'many')\n"),
        (["report", "--format", "pdf"], "wtorch: --format must be one of markdown, json (not 'pdf')\n"),
        (["create-wave"], "wtorch: `wtorch create-wave` needs WAVE\n"),
        (["gate", "--bogus"], "wtorch: No such option: --bogus\n"),
        (["bogus"], "wtorch: No such command 'bogus'.\n"),
    ],
)
def test_bad_option_values_are_explained_with_the_choices(cli: Any, two: Repo, args: list[str], message: str) -> None:
    result = cli("-C", two.path, *args)
    assert result.exit_code == 2
    first, second = result.stderr.splitlines()
    assert first + "\n" == message
    assert second.startswith("See `wtorch") and second.endswith("--help`.")
    assert "Value error" not in result.stderr and "Input should be" not in result.stderr


def test_the_entry_point_builds_only_the_command_typed(two: Repo, capsys: Any) -> None:
    """`main` hands typer the app with just the command named (global options anywhere), else the whole app."""
    from wtorch.cli.app import app, lean, main

    def names(args: list[str]) -> list[str]:
        return [str(info.name or info.callback.__name__) for info in lean(args).registered_commands]

    assert names(["-C", "x", "--json", "status"]) == ["status"]
    assert names(["--manifest=m.toml", "-v", "create-wave", "1"]) == ["create-wave"]
    assert names(["split", "--help"]) == ["split"]
    for whole in (["--help"], [], ["--version"], ["statsu"], ["--bogus", "status"]):
        assert lean(whole) is app, whole
    assert len(app.registered_commands) > 10  # the shared app is never narrowed
    assert main(["-C", str(two.path), "status", "--json"]) == 0
    assert [e["id"] for e in json.loads(capsys.readouterr().out)["efforts"]] == ["a", "b"]
    assert main(["-C", str(two.path), "statsu"]) == 2
    assert "No such command 'statsu'" in capsys.readouterr().err
