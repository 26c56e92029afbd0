"""Evaluate `wtorch split` on real history nobody here wrote: consecutive releases of PyPI packages.

For each pair of releases (sdists fetched at run time with `pip download` into a cache
directory, never committed), the older release is the base and the newer one the tip of a
throwaway repository. The change is split by wtorch and naively (files in path order, packed
greedily), both built with the same plumbing (`split_apply._build_commits`). At every intermediate
chunk state the package is imported module by module and its test suite is run (pytest, in a
virtualenv of its own in the cache). A state passes when it has no failure that neither the
base nor the tip has. Reported per change and in total: import %, test-pass % of intermediate
states, effective chunks (a chunk over budget counts ceil(lines / budget)) against the floor,
planning time, and whether the last tree equals the tip's.

WTORCH_EVAL_CACHE (default ~/.cache/wtorch-split-eval) holds the sdists and the virtualenv;
WTORCH_EVAL_RELEASE_BUDGET (default 300) is the budget.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import venv
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.split_eval import _naive

# (distribution, base release, tip release, importable package)
PAIRS = [
    ("cachetools", "5.2.0", "5.3.0", "cachetools"),
    ("more-itertools", "9.0.0", "9.1.0", "more_itertools"),
    ("sqlparse", "0.4.4", "0.5.0", "sqlparse"),
    ("click", "8.1.3", "8.1.4", "click"),
    ("Markdown", "3.4.4", "3.5", "markdown"),
]
QUICK = PAIRS[:2]
STATE_TIMEOUT = 600

CHECKER = r"""
import importlib, json, os, pathlib, subprocess, sys
root, package, src = pathlib.Path.cwd(), sys.argv[1], sys.argv[2]
top = root / src
sys.path.insert(0, str(top))
failed = []
for path in sorted((top / package).rglob("*.py")):
    parts = path.relative_to(top).with_suffix("").parts
    if "tests" in parts or "test" in parts or parts[-1] == "__main__":
        continue
    module = ".".join(parts).removesuffix(".__init__")
    try:
        importlib.import_module(module)
    except Exception as exc:
        failed.append(f"{module}: {type(exc).__name__}")
env = dict(os.environ, PYTHONPATH=str(top), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=no", "-rfE",
        "--continue-on-collection-errors", "-W", "ignore::DeprecationWarning"]
out = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True).stdout
tests = sorted({line.split(" ", 1)[1].split(" - ")[0] for line in out.splitlines()
                if line.startswith(("FAILED ", "ERROR "))})
print(json.dumps({"imports": failed, "tests": tests}))
"""


@dataclass(frozen=True)
class Outcome:
    imports: frozenset[str]
    tests: frozenset[str]


def _git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="eval", GIT_AUTHOR_EMAIL="eval@example.com")
    env.update(GIT_COMMITTER_NAME="eval", GIT_COMMITTER_EMAIL="eval@example.com")
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout


def _cache() -> Path:
    root = Path(os.environ.get("WTORCH_EVAL_CACHE", Path.home() / ".cache" / "wtorch-split-eval"))
    (root / "sdists").mkdir(parents=True, exist_ok=True)
    return root


def _python(cache: Path) -> str:
    """A virtualenv with pytest only (no plugins of this project's), made once in the cache."""
    env = cache / "venv"
    python = env / "bin" / "python"
    if not python.exists():
        venv.create(env, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pytest<9"], check=True)
    return str(python)


def _sdist(cache: Path, name: str, version: str) -> Path:
    folder = cache / "sdists"
    stem = f"{name.lower().replace('-', '_')}-{version}.".replace("_", "-")

    def find() -> Path | None:
        return next((p for p in folder.iterdir() if p.name.lower().replace("_", "-").startswith(stem)), None)

    if (hit := find()) is None:
        argv = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*argv, "-d", str(folder), f"{name}=={version}"], check=True, capture_output=True)
        hit = find()
    assert hit is not None, f"pip download {name}=={version} gave no sdist"
    return hit


def _unpack(sdist: Path, into: Path) -> None:
    """The sdist's files at the root of ``into`` (its top folder stripped), no packaging metadata."""
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(sdist) as archive:
        archive.extractall(tmp, filter="data")
        (top,) = Path(tmp).iterdir()
        for item in top.iterdir():
            if item.name == "PKG-INFO" or item.name.endswith(".egg-info"):
                continue
            shutil.move(str(item), into / item.name)


def _repository(root: Path, cache: Path, name: str, old: str, new: str) -> tuple[str, str]:
    """A repository whose `main` is the old release and whose `release` branch is the new one."""
    _git(root, "init", "-q", "-b", "main")
    _unpack(_sdist(cache, name, old), root)
    _git(root, "add", "-A", "-f")
    _git(root, "commit", "-q", "-m", f"{name} {old}")
    base = _git(root, "rev-parse", "HEAD").strip()
    _git(root, "checkout", "-q", "-b", "release")
    for item in root.iterdir():
        if item.name != ".git":
            shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
    _unpack(_sdist(cache, name, new), root)
    _git(root, "add", "-A", "-f")
    _git(root, "commit", "-q", "-m", f"{name} {new}")
    _git(root, "checkout", "-q", "main")
    return base, _git(root, "rev-parse", "release").strip()


def _check(repo: Path, commit: str, python: str, checker: Path, package: str) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="wtorch-eval-state-") as tmp:
        archive = subprocess.run(["git", "archive", commit], cwd=repo, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        src = "src" if (Path(tmp) / "src" / package).is_dir() else "."
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        out = subprocess.run(
            [python, str(checker), package, src],
            cwd=tmp,
            capture_output=True,
            text=True,
            env=env,
            timeout=STATE_TIMEOUT,
        )
    try:
        data = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return Outcome(frozenset({"(checker crashed)"}), frozenset({"(checker crashed)"}))
    return Outcome(frozenset(data["imports"]), frozenset(data["tests"]))


def _effective(lines: list[int], budget: int) -> int:
    """Chunks as a reviewer counts them: one over the budget counts ceil(lines / budget)."""
    return sum(max(1, math.ceil(n / budget)) for n in lines)


def evaluate(
    name: str, old: str, new: str, package: str, *, budget: int, cache: Path, python: str
) -> dict[str, object]:
    from wtorch import git
    from wtorch.commands import split as split_cmd
    from wtorch.commands import split_apply

    with tempfile.TemporaryDirectory(prefix="wtorch-split-release-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        base, tip = _repository(repo, cache, name, old, new)
        checker = Path(tmp) / "check_state.py"
        checker.write_text(CHECKER)
        info = git.discover(repo)
        assert info is not None
        started = time.perf_counter()
        report = split_cmd.run_split(None, info, split_cmd.Target("release", base, None), max_lines=budget)
        planning = time.perf_counter() - started
        row: dict[str, object] = {
            "change": f"{name} {old}→{new}",
            "files": len(report.count.files),
            "lines": report.plan.total_lines,
            "floor": report.plan.floor,
            "planning_ms": round(planning * 1000),
        }
        stacks = {}
        for label, plan in (("wtorch", report.plan), ("naive", _naive(report.plan, report))):
            names = tuple(f"eval-{label}-{i}" for i in range(1, len(plan.chunks) + 1))
            candidate = replace(report, plan=plan, names=names)
            commits = split_apply._build_commits(repo, info.common_dir, candidate)
            row[f"{label}_tree_equal"] = git.refs.tree_of(repo, commits[-1]) == git.refs.tree_of(repo, tip)
            row[f"{label}_chunks"] = _effective([c.lines for c in plan.chunks], budget)
            stacks[label] = commits[:-1]  # the last chunk is the tip (checked above)
        states = [base, tip, *stacks["wtorch"], *stacks["naive"]]
        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = list(pool.map(lambda c: _check(repo, c, python, checker, package), states))
        known = {c: o for c, o in zip(states, outcomes, strict=True)}
        allowed = Outcome(known[base].imports | known[tip].imports, known[base].tests | known[tip].tests)
        row["base_failures"], row["tip_failures"] = len(known[base].tests), len(known[tip].tests)
        for label, commits in stacks.items():
            row[f"{label}_states"] = len(commits)
            row[f"{label}_import_ok"] = sum(known[c].imports <= allowed.imports for c in commits)
            row[f"{label}_tests_ok"] = sum(known[c].tests <= allowed.tests for c in commits)
    return row


def report(rows: list[dict[str, object]], budget: int) -> bool:
    print(f"split evaluation: consecutive PyPI releases, budget {budget} changed lines")
    print(
        "change | files | lines | floor | wtorch chunks | imports | tests pass | naive chunks | imports | tests pass"
        " | trees equal | plan ms"
    )
    total: dict[str, int] = {}
    trees = True
    for r in rows:
        cells = [str(r["change"]), str(r["files"]), str(r["lines"]), str(r["floor"])]
        for label in ("wtorch", "naive"):
            n = int(str(r[f"{label}_states"]))
            cells += [str(r[f"{label}_chunks"]), f"{r[f'{label}_import_ok']}/{n}", f"{r[f'{label}_tests_ok']}/{n}"]
            for key in ("chunks", "states", "import_ok", "tests_ok"):
                total[f"{label}_{key}"] = total.get(f"{label}_{key}", 0) + int(str(r[f"{label}_{key}"]))
        equal = bool(r["wtorch_tree_equal"]) and bool(r["naive_tree_equal"])
        trees = trees and equal
        print(" | ".join([*cells, "yes" if equal else "NO", str(r["planning_ms"])]))
    floor = sum(int(str(r["floor"])) for r in rows)
    for label in ("wtorch", "naive"):
        n = total[f"{label}_states"] or 1
        print(
            f"  {label}: {total[f'{label}_import_ok']}/{n} intermediate states import "
            f"({total[f'{label}_import_ok'] / n:.0%}), {total[f'{label}_tests_ok']}/{n} pass their tests "
            f"({total[f'{label}_tests_ok'] / n:.0%}); {total[f'{label}_chunks']} chunks for a floor of {floor} "
            f"({total[f'{label}_chunks'] / max(floor, 1):.2f} times the floor)"
        )
    print(f"  last tree equals the tip: {'100%' if trees else 'NO'}")
    return trees


def main(*, quick: bool = False) -> bool:
    budget = int(os.environ.get("WTORCH_EVAL_RELEASE_BUDGET", "300"))
    cache = _cache()
    python = _python(cache)
    rows = [
        evaluate(name, old, new, package, budget=budget, cache=cache, python=python)
        for name, old, new, package in (QUICK if quick else PAIRS)
    ]
    return report(rows, budget)


if __name__ == "__main__":
    sys.exit(0 if main(quick="--quick" in sys.argv) else 1)
