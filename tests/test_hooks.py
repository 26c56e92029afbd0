"""Where teams already are (issue 15): the pre-commit hook and the GitHub Action, run for real."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.gitutil import Repo, efforts, git, lines

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", autouse=True)
def pip_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One package cache for the installs this module makes (pre-commit's and the action's), under tmp."""
    cache = tmp_path_factory.mktemp("pip-cache")
    old = os.environ.get("PIP_CACHE_DIR")
    os.environ["PIP_CACHE_DIR"] = str(cache)
    yield
    if old is None:
        del os.environ["PIP_CACHE_DIR"]
    else:
        os.environ["PIP_CACHE_DIR"] = old


MANIFEST = 'version = 1\n[project]\nname = "demo"\n' + efforts('id = "a"')


def test_the_pre_push_hook_refuses_a_branch_over_budget(repo: Repo, tmp_path: Path) -> None:
    repo.commit("manifest", {"wtorch.toml": MANIFEST})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("small", {"small.txt": lines(10)})
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "wtorch-gate", "--hook-stage", "pre-push"]
    command += ["--from-ref", "main", "--to-ref", "topic", "--verbose"]
    within = subprocess.run(command, cwd=repo.path, env=env, capture_output=True, text=True, check=False)
    assert within.returncode == 0, within.stdout + within.stderr
    assert "the only branch is within the budget of 800 changed lines" in within.stdout
    repo.commit("big", {"big.txt": lines(900)})
    over = subprocess.run(command, cwd=repo.path, env=env, capture_output=True, text=True, check=False)
    assert over.returncode == 1, over.stdout + over.stderr
    assert "wtorch gate (line budget of the pushed branch)" in over.stdout and "Failed" in over.stdout
    assert "1 of 1 branch over the budget of 800 changed lines: HEAD" in over.stdout


def _expand(text: str, inputs: dict[str, str], github: dict[str, str]) -> str:
    """The runner's `${{ ... }}` expressions, as far as action.yml uses them."""

    def value(match: re.Match[str]) -> str:
        for term in match.group(1).split("||"):
            scope, _, name = term.strip().partition(".")
            found = (inputs if scope == "inputs" else github).get(name, "")
            if found:
                return found
        return ""

    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", value, text)


def _action_checkout(target: Path) -> Path:
    """The action as a runner checks it out: this repository's tracked files, copied."""
    if not target.exists():
        for name in git(ROOT, "ls-files", "-z").split("\0"):
            source = ROOT / name
            if name and source.is_file():
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)
    return target


def run_action(
    checkout: Path, tmp_path: Path, *, installed: bool = False, **given: str
) -> subprocess.CompletedProcess[str]:
    """Each step of action.yml, in order, with the environment a GitHub runner gives it (`installed`:
    a second use in the same job, whose install step has run already)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    inputs |= {"python": sys.executable, **given}
    github_path = tmp_path / "github_path"  # what earlier steps of the job added to PATH
    github_path.touch()
    action_path = _action_checkout(tmp_path / "action")  # pip builds in the source tree: never in this one
    runner = {"GITHUB_ACTION_PATH": str(action_path), "RUNNER_TEMP": str(tmp_path), "GITHUB_PATH": str(github_path)}
    result = None
    for step in action["runs"]["steps"][1 if installed else 0 :]:
        env = {**os.environ, **runner}
        env |= {k: _expand(str(v), inputs, {"base_ref": "main"}) for k, v in step.get("env", {}).items()}
        extra = [line for line in github_path.read_text().splitlines() if line]
        env["PATH"] = os.pathsep.join([*extra, env["PATH"]])
        script = _expand(step["run"], inputs, {"base_ref": "main"})
        result = subprocess.run(["bash", "-e", "-c", script], cwd=checkout, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            return result
    assert result is not None
    return result


def test_the_github_action_annotates_the_pull_requests_branch(make_repo: Any, tmp_path: Path) -> None:
    origin = make_repo(bare=True)
    seed = make_repo()
    seed.git("checkout", "-q", "-B", "main")
    seed.commit("initial", {"README.md": "hello\n"})
    seed.git("push", "-q", str(origin.path), "main")
    git(tmp_path, "clone", "-q", str(origin.path), "checkout")
    checkout = Repo(tmp_path / "checkout")
    checkout.git("checkout", "-q", "-b", "feature")
    checkout.commit("work", {"work.txt": lines(30)})
    runner = tmp_path / "runner"  # one job using the action twice: wtorch is installed by the first use
    runner.mkdir()
    within = run_action(checkout.path, runner)
    assert within.returncode == 0, within.stdout + within.stderr
    assert within.stdout.startswith("::notice title=within budget%3A HEAD::HEAD: 30 changed lines of 800 allowed")
    over = run_action(checkout.path, runner, installed=True, **{"max-lines": "20"})
    assert over.returncode == 1, over.stdout + over.stderr
    assert over.stdout.startswith("::error title=over budget%3A HEAD::HEAD: 30 changed lines of 20 allowed")
