"""Shell completion (issue 15): scripts for bash, zsh and fish; effort ids, branches and waves from the manifest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.gitutil import Repo, efforts

ROOT = Path(__file__).resolve().parent.parent


def complete(cwd: Path, words: str, *, shell: str = "bash") -> list[str]:
    """What the shell would offer for the last word of `words`, asked the way typer's script asks."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "_WTORCH_COMPLETE": f"complete_{shell}"}
    env |= {"COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    env |= {"_TYPER_COMPLETE_ARGS": words}
    out = subprocess.run(
        [sys.executable, "-m", "wtorch"], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    return [line.split(":", 1)[0] if shell == "zsh" else line for line in out.stdout.split("\n") if line.strip()]


@pytest.fixture
def planned(project: Any) -> Repo:
    repo: Repo = project(efforts('id = "api-types"', 'id = "api-server"\ndepends_on = ["api-types"]', 'id = "docs"'))
    return repo


def test_show_completion_prints_the_script_for_the_current_shell(cli: Any, monkeypatch: Any) -> None:
    import typer.completion

    # typer finds "the current shell" among this process's parents, which a test runner started
    # from an IDE or a service does not have: the shell it would find is given.
    monkeypatch.setattr(typer.completion, "_get_shell_name", lambda: "bash")
    result = cli("--show-completion")
    assert result.exit_code == 0, result.output
    assert "_WTORCH_COMPLETE=complete_" in result.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_completion_script_for_each_shell(shell: str) -> None:
    from typer._completion_shared import get_completion_script  # what --show-completion prints per shell

    script = get_completion_script(prog_name="wtorch", complete_var="_WTORCH_COMPLETE", shell=shell)
    assert f"complete_{shell}" in script and "wtorch" in script


def test_effort_ids_branches_and_waves_complete(planned: Repo, tmp_path: Path) -> None:
    assert complete(planned.path, "wtorch complete api-") == ["api-types", "api-server"]
    assert complete(planned.path, "wtorch sync feature/demo/d") == ["feature/demo/docs"]
    assert complete(planned.path, "wtorch status --wave ") == ["1", "2"]
    assert complete(planned.path, "wtorch create-wave ") == ["1", "2"]
    assert complete(tmp_path, f"wtorch -C {planned.path} remove d") == ["docs"]
    assert complete(tmp_path, "wtorch complete a") == []  # no repository here: nothing, and no error


def test_zsh_is_offered_the_same_ids(planned: Repo) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "_WTORCH_COMPLETE": "complete_zsh"}
    env |= {"_TYPER_COMPLETE_ARGS": "wtorch complete api-"}
    out = subprocess.run([sys.executable, "-m", "wtorch"], cwd=planned.path, env=env, capture_output=True, text=True)
    assert '"api-types"' in out.stdout and '"api-server"' in out.stdout and "docs" not in out.stdout
