"""Evaluate `wtorch split` on real history: does every intermediate chunk still import?

For each of the largest commits of a Python repository (this project's own history by default,
or WTORCH_EVAL_REPO), the commit is split against its parent at a small budget, once by
wtorch's planner and once naively (files in path order, packed up to the budget). Both stacks
are built with the same plumbing, and every chunk is checked out in a temporary worktree where
every module of the package is imported. Reported per commit: lines, floor, chunks, chunks that
import, whether the last tree equals the original (must always), and planning time.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wtorch.commands.split import SplitReport
    from wtorch.split import SplitPlan

CHECKER = """
import importlib, os, pathlib, sys
root = pathlib.Path.cwd()
sys.path.insert(0, str(root))
package = sys.argv[1]
failed = []
for path in sorted((root / package).rglob("*.py")):
    module = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
    if module.endswith("__main__"):
        continue  # importing it would run the program
    try:
        importlib.import_module(module)
    except Exception as exc:  # an intermediate state that cannot import is what we are counting
        failed.append(f"{module}: {type(exc).__name__}: {exc}")
    mod = sys.modules.get(package)
    if mod is not None and not str(getattr(mod, "__file__", "")).startswith(str(root)):
        sys.exit("imported the installed package, not the chunk")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _largest_commits(repo: Path, package: str, count: int) -> list[str]:
    sizes = []
    for sha in _git(repo, "rev-list", "--no-merges", "HEAD").split():
        if not _git(repo, "rev-list", "--parents", "-1", sha).split()[1:]:
            continue  # the root commit has no parent to split against
        numstat = _git(repo, "diff", "--numstat", f"{sha}^", sha, "--", f"{package}/")
        lines = sum(int(a) + int(d) for a, d, *_ in (row.split("\t") for row in numstat.splitlines()) if a != "-")
        sizes.append((lines, sha))
    return [sha for _, sha in sorted(sizes, reverse=True)[:count]]


def _naive(plan: SplitPlan, report: SplitReport) -> SplitPlan:
    """The same files packed in path order, ignoring imports: what a by-hand split often does."""
    from wtorch.split import Chunk

    files = sorted({f for c in plan.chunks for f in c.files})  # a file cut by hunks is in several
    weight = {f.path: f.lines for f in report.count.files}
    chunks: list[list[str]] = [[]]
    used = 0
    for path in files:
        if chunks[-1] and used + weight[path] > plan.max_lines:
            chunks.append([])
            used = 0
        chunks[-1].append(path)
        used += weight[path]
    made = tuple(
        Chunk(n, tuple(c), sum(weight[p] for p in c), (), (os.path.dirname(c[0]) or ".",))
        for n, c in enumerate(chunks, start=1)
    )
    return replace(plan, chunks=made)


def evaluate(repo: Path, sha: str, budget: int, check: str) -> dict[str, object]:
    """Split commit `sha` against its parent by wtorch and naively; run `check` in every chunk of both."""
    from wtorch import git
    from wtorch.choices import RunResult
    from wtorch.commands import split as split_cmd
    from wtorch.commands import split_apply

    info = git.discover(repo)
    assert info is not None
    _git(repo, "branch", "-f", f"eval/{sha[:10]}", sha)
    target = split_cmd.Target(f"eval/{sha[:10]}", f"{sha}^", None)
    started = time.perf_counter()
    report = split_cmd.run_split(None, info, target, max_lines=budget)
    planning = time.perf_counter() - started
    row: dict[str, object] = {"commit": sha[:10], "lines": report.plan.total_lines, "floor": report.plan.floor}
    for label, plan in (("wtorch", report.plan), ("naive", _naive(report.plan, report))):
        names = tuple(f"eval/{sha[:10]}-{label}-{i}" for i in range(1, len(plan.chunks) + 1))
        candidate = replace(report, plan=plan, names=names)
        commits = split_apply._build_commits(repo, info.common_dir, candidate)
        candidate.applied = tuple(commits)
        checks = split_apply._check(info, candidate, check, None)
        row[f"{label}_chunks"] = len(plan.chunks)
        row[f"{label}_import_ok"] = sum(c.result is RunResult.OK for c in checks)
        row[f"{label}_tree_equal"] = git.refs.tree_of(repo, commits[-1]) == git.refs.tree_of(repo, sha)
    row["planning_ms"] = round(planning * 1000)
    return row


def report_rows(title: str, rows: list[dict[str, object]]) -> bool:
    """Print the table and the totals; True when every last tree equals its original."""
    print(title)
    print("commit | lines | floor | wtorch chunks | builds | naive chunks | builds | trees equal | plan ms")
    totals = {"wtorch": [0, 0], "naive": [0, 0]}
    trees = True
    for r in rows:
        print(
            f"{r['commit']} | {r['lines']} | {r['floor']} | {r['wtorch_chunks']} | "
            f"{r['wtorch_import_ok']}/{r['wtorch_chunks']} | {r['naive_chunks']} | "
            f"{r['naive_import_ok']}/{r['naive_chunks']} | {r['wtorch_tree_equal'] and r['naive_tree_equal']} | "
            f"{r['planning_ms']}"
        )
        for label, pair in totals.items():
            pair[0] += int(str(r[f"{label}_import_ok"]))
            pair[1] += int(str(r[f"{label}_chunks"]))
        trees = trees and bool(r["wtorch_tree_equal"]) and bool(r["naive_tree_equal"])
    for label, (ok, total) in totals.items():
        share = ok / total if total else math.nan
        print(f"  {label}: {ok}/{total} intermediate states build or import ({share:.0%})")
    print(f"  last tree equals the original: {'100%' if trees else 'NO'}")
    return trees


def main(*, quick: bool = False) -> int:
    source = Path(os.environ.get("WTORCH_EVAL_REPO", Path(__file__).resolve().parent.parent))
    package = os.environ.get("WTORCH_EVAL_PACKAGE", "wtorch")
    budget = int(os.environ.get("WTORCH_EVAL_BUDGET", "300"))
    with tempfile.TemporaryDirectory(prefix="wtorch-split-eval-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(source), str(clone)], check=True)
        checker = Path(tmp) / "import_all.py"
        checker.write_text(CHECKER)
        commits = _largest_commits(clone, package, 2 if quick else 6)
        check = f"{sys.executable} {checker} {package}"
        rows = [evaluate(clone, sha, budget, check) for sha in commits]
    trees = report_rows(f"split evaluation: {source} ({package}/), budget {budget} changed lines", rows)
    from benchmarks import split_fixtures, split_releases, split_scale

    trees = split_fixtures.main(quick=quick) and trees
    trees = split_releases.main(quick=quick) and trees
    split_scale.main(quick=quick)
    return 0 if trees else 1


if __name__ == "__main__":
    sys.exit(main(quick="--quick" in sys.argv))
