"""The shape STYLE.md asks for: git only through wtorch/git, commands never print, CLI stays thin."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "wtorch"


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_git_gateway_runs_processes_and_nothing_imports_gitpython() -> None:
    allowed_subprocess = {PACKAGE / "runner.py"}
    for path in modules():
        names = imported(path)
        assert not any(n == "git" or n.startswith("git.") for n in names), f"{path} imports GitPython"
        if PACKAGE / "git" in path.parents:
            continue
        if path not in allowed_subprocess:
            assert "subprocess" not in names, f"{path} runs processes outside wtorch/git and wtorch/runner.py"


def test_commands_never_print_nor_import_typer_or_rich() -> None:
    for path in (PACKAGE / "commands").rglob("*.py"):
        names = imported(path)
        assert not {"typer", "rich"} & {n.split(".")[0] for n in names}, path
        assert "print(" not in path.read_text(), path


def test_graph_and_split_planner_are_pure() -> None:
    pure = [PACKAGE / "graph.py", *sorted((PACKAGE / "split").rglob("*.py"))]
    for path in pure:
        names = {n.split(".")[0] for n in imported(path)}
        assert not names & {"subprocess", "os", "git", "shutil"}, path
        assert not any(n.startswith("wtorch.git") for n in imported(path)), path


def test_each_job_exists_once() -> None:
    """The jobs issue 9 made single stay single: one operation frame, one worktree check, one pool."""
    owners = {
        ".begin(": {PACKAGE / "state.py"},  # the operation frame: StateStore.operation
        ".locked(": {PACKAGE / "state.py"},
        "operation_in_progress(": {PACKAGE / "safety.py"},  # is this worktree safe to touch?
        "worktrees.changes(": {PACKAGE / "safety.py"},
        "ThreadPoolExecutor": {PACKAGE / "process.py"},
        "threading.Thread(": {PACKAGE / "process.py"},
    }
    for path in modules():
        if PACKAGE / "git" in path.parents:
            continue
        text = path.read_text()
        for needle, allowed in owners.items():
            assert needle not in text or path in allowed, f"{path} has its own {needle!r}; use {sorted(allowed)}"


def test_no_module_outgrows_its_seam() -> None:
    for path in modules():
        size = len(path.read_text().splitlines())
        assert size <= 400, f"{path} has {size} lines: split it along its natural seam (STYLE.md)"
