"""`wtorch plan`, `init` and the CLI frame, driven through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.gitutil import Repo

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PHASE6 = EXAMPLES / "phase6.toml"


def test_phase6_plan_reproduces_the_documents_waves_and_critical_path(cli: Any) -> None:
    result = cli("--manifest", PHASE6, "plan", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == 1 and data["project"] == "tmc-completion"
    assert [(w["number"], w["efforts"], w["estimate"], w["over_capacity"]) for w in data["waves"]] == [
        (1, ["p6w1-synctarget-controller", "p6w3-webhooks"], 1300, False),
        (2, ["p6w1-cluster-controller", "p6w2-vw-core", "p6w3-quota-manager"], 1900, False),
        (3, ["p6w2-vw-endpoints", "p6w2-vw-discovery", "p6w3-aggregator"], 1600, False),
    ]
    assert data["critical_path"] == ["p6w1-synctarget-controller", "p6w2-vw-core", "p6w2-vw-endpoints"]
    assert data["critical_estimate"] == 2050
    core = next(e for e in data["efforts"] if e["id"] == "p6w2-vw-core")
    assert core["branch"] == "feature/tmc-completion/p6w2-vw-core"
    assert core["depends_on"] == ["p6w1-synctarget-controller"]
    assert core["blocks"] == ["p6w2-vw-endpoints", "p6w2-vw-discovery"]
    assert "p6w3-quota-manager" in core["parallel_with"] and "p6w2-vw-endpoints" not in core["parallel_with"]
    assert core["estimate"] == 700 and core["over_budget"] is False
    assert data["path_conflicts"] == [] and data["warnings"] == []


def test_phase6_document_inconsistency_is_caught(cli: Any, tmp_path: Path) -> None:
    text = PHASE6.read_text().replace(
        'id = "p6w1-cluster-controller"\ntitle = "Cluster Controller"\nwave = 2',
        'id = "p6w1-cluster-controller"\ntitle = "Cluster Controller"\nwave = 1',
    )
    manifest = tmp_path / "wtorch.toml"
    manifest.write_text(text)
    line = text.splitlines().index("wave = 1", text.splitlines().index('id = "p6w1-cluster-controller"')) + 1
    result = cli("--manifest", manifest, "plan")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{manifest}:{line}: effort 'p6w1-cluster-controller' is declared wave 1 but depends on "
        "'p6w1-synctarget-controller', which is in the same wave 1; put it in wave 2 or later\n"
    )
    assert "Traceback" not in result.output


def test_phase9_plan_and_its_formats(cli: Any) -> None:
    manifest = EXAMPLES / "phase9.toml"
    table = cli("--manifest", manifest, "plan")
    assert table.exit_code == 0 and "p9w3-canary" in table.stdout and "Critical path" in table.stdout
    markdown = cli("--manifest", manifest, "plan", "--format", "markdown").stdout
    assert markdown.startswith("# Plan: phase9-advanced\n")
    assert "| 3 | p9w3-canary, p9w3-rollback | 0 | 2 | p9w1-metrics |" in markdown
    mermaid = cli("--manifest", manifest, "plan", "--format", "mermaid").stdout
    assert mermaid.splitlines()[0] == "flowchart TD"
    assert '  subgraph wave1["Wave 1"]' in mermaid and "  e1 --> e6" in mermaid
    assert (
        cli("--manifest", manifest, "plan", "--json").stdout == cli("--manifest", manifest, "plan", "-f", "json").stdout
    )


def test_capacity_budget_and_path_conflicts_are_warned(cli: Any, tmp_path: Path) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        'version = 1\n[project]\nname = "p"\nmax_parallel = 1\n[gate]\nmax_lines = 500\n'
        '[[effort]]\nid = "a"\nestimate = 900\npaths = ["pkg/quota/"]\n'
        '[[effort]]\nid = "b"\nestimate = 100\npaths = ["pkg/quota/manager.go"]\n'
    )
    data = json.loads(cli("--manifest", manifest, "plan", "--json").stdout)
    assert data["waves"][0]["over_capacity"] is True
    assert data["path_conflicts"] == [{"wave": 1, "efforts": ["a", "b"], "paths": ["pkg/quota/manager.go"]}]
    assert data["warnings"] == [
        "wave 1 has 2 efforts but max_parallel is 1",
        "effort 'a' is estimated at 900 lines, over the budget of 500: plan its split now",
        "wave 1: 'a' and 'b' both touch pkg/quota/manager.go",
    ]
    assert [e["over_budget"] for e in data["efforts"]] == [True, False]


def test_manifest_is_found_from_a_linked_worktree(cli: Any, repo: Repo) -> None:
    repo.commit("manifest", {"wtorch.toml": 'version = 1\n[project]\nname = "demo"\n[[effort]]\nid = "a"\n'})
    linked = repo.path.parent / f"{repo.path.name}-linked"
    repo.git("worktree", "add", "-q", str(linked), "-b", "other")
    (linked / "wtorch.toml").write_text("this copy is not the one to read")
    data = json.loads(cli("-C", linked / "", "plan", "--json").stdout)
    assert data["efforts"][0]["id"] == "a"
    (linked / "sub").mkdir()
    from_subdir = cli("plan", "--json", cwd=linked / "sub")
    assert json.loads(from_subdir.stdout)["project"] == "demo"
    repo.git("worktree", "remove", "--force", str(linked))


def test_wtorch_manifest_environment_variable(cli: Any, repo: Repo, monkeypatch: Any) -> None:
    monkeypatch.setenv("WTORCH_MANIFEST", str(PHASE6))
    assert json.loads(cli("-C", repo.path, "plan", "--json").stdout)["project"] == "tmc-completion"


def test_missing_manifest_and_not_a_repo_are_usage_errors(cli: Any, repo: Repo, tmp_path: Path) -> None:
    result = cli("-C", repo.path, "plan")
    assert result.exit_code == 2
    assert result.stderr == (
        f"wtorch: no manifest at {repo.path / 'wtorch.toml'}: run `wtorch init` to write one, or pass --manifest PATH\n"
    )
    outside = cli("-C", tmp_path, "plan")
    assert outside.exit_code == 2 and "is not inside a git repository" in outside.stderr


def test_init_writes_a_valid_starter_and_never_overwrites(cli: Any, repo: Repo) -> None:
    first = cli("-C", repo.path, "init", "--project", "payments")
    assert first.exit_code == 0, first.output
    text = (repo.path / "wtorch.toml").read_text()
    assert 'name = "payments"' in text and 'base = "main"' in text and text.count("#") > 20
    assert cli("-C", repo.path, "plan", "--json").exit_code == 0
    again = cli("-C", repo.path, "init")
    assert again.exit_code == 2
    assert again.stderr == (
        f"wtorch: {repo.path / 'wtorch.toml'} already exists; wtorch never overwrites a manifest "
        "(edit it, or remove it first)\n"
    )
    assert (repo.path / "wtorch.toml").read_text() == text


def test_init_uses_the_current_branch_and_folder_name(cli: Any, repo: Repo) -> None:
    repo.git("checkout", "-q", "-b", "trunk")
    assert cli("-C", repo.path, "init").exit_code == 0
    text = (repo.path / "wtorch.toml").read_text()
    assert 'base = "trunk"' in text
    assert cli("-C", repo.path, "init", "--manifest-free").exit_code == 2


def test_version_help_and_bad_option(cli: Any) -> None:
    assert cli("--version").stdout == "wtorch 0.1.0\n"
    helped = cli("plan", "--help")
    assert helped.exit_code == 0 and "Example: wtorch --manifest examples/phase6.toml plan" in helped.stdout
    bad = cli("plan", "--format", "yaml")
    assert bad.exit_code == 2


def test_internal_errors_have_no_traceback_unless_verbose(cli: Any, tmp_path: Path) -> None:
    manifest = tmp_path / "m.toml"
    manifest.write_bytes(b"\xff\xfe not utf-8")
    quiet = cli("--manifest", manifest, "plan")
    assert quiet.exit_code == 2 and "Traceback" not in quiet.output
    assert quiet.stderr == f"{manifest}: cannot read the manifest: not UTF-8 text (byte 0xff at offset 0)\n"
    loud = cli("--verbose", "--manifest", manifest, "plan")
    assert loud.exit_code == 2 and "Traceback (most recent call last)" in loud.stderr


def test_every_command_has_help_with_an_example(cli: Any) -> None:
    import typer.main

    from wtorch.cli import app

    names = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert {"plan", "init", "create-wave", "status", "gate", "split", "sync", "log", "undo"} <= set(names)
    for name in names:
        helped = cli(name, "--help")
        assert helped.exit_code == 0 and "Example: wtorch " in helped.stdout, name
