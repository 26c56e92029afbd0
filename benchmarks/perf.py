"""Issue 14's performance table: every row measured pairwise against its anchor, at 10, 100 and 300 efforts.

`python -m benchmarks perf [--quick]`. One repository (see `benchmarks.perf_repo`: 3,000 files,
5,000 commits) grows from 10 to 100 to 300 efforts, each with a branch and a worktree. At each
size, wtorch (A) and its anchor (B) run in turn, A B A B ..., after a warm-up round whose exit
codes and results are checked; reported are both medians, the median of the pairs' ratios A/B
and the target. Rows (the exact commands are in docs/performance.md):

- gate, every effort:         `wtorch gate` / `merge-base` + `diff --numstat -M` per branch (bash);
- status, every effort:       `wtorch status` / `git machete status`, and at 100 the shell script
                              that reads the same facts (`STATUS_SCRIPT`);
- sync, already up to date:   `wtorch sync` / `git -C <worktree> rebase <base>` per effort;
- sync, main moved (60):      the same two, every run from the same branch tips and state;
- create-wave re-run (50):    `wtorch create-wave 1` with nothing to do / `rev-parse --verify` + `test -d`;
- split of 5,000 files:       `wtorch split bench/split --base main` (absolute; the `diff --numstat -M`
                              of the same change beside it, for reference only);
- start-up:                   `wtorch gate --help` / `git machete --version`.

For gate, status and sync (up to date) the cost per branch, (t(n) - t(10)) / (n - 10), is printed
for wtorch and the anchor: the target is that at 300 it is no worse than at 100.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.perf_repo import BenchRepo, wtorch_argv
from benchmarks.perf_report import Goal, Result, print_report
from benchmarks.perf_timing import Side, Timing, machete_bin, pairwise

GATE_LOOP = """
for b in "$@"; do
  mb=$(git merge-base main "$b")
  git diff --numstat -M "$mb" "$b"
done
"""

# What `wtorch status` shows, read the way a script would: per effort its state (merged, or
# squash-merged: a trial merge that changes nothing), ahead/behind, changed lines, last commit's
# age and the worktree's uncommitted files. Arguments: branch worktree branch worktree ...
STATUS_SCRIPT = """
git worktree list --porcelain >/dev/null
base_tree=$(git rev-parse "main^{tree}")
while [ $# -gt 0 ]; do
  b=$1 wt=$2; shift 2
  tip=$(git rev-parse --verify -q "refs/heads/$b") || { echo "$b planned"; continue; }
  if git merge-base --is-ancestor "$tip" main; then echo "$b complete"; continue; fi
  if [ "$(git merge-tree --write-tree main "$tip")" = "$base_tree" ]; then echo "$b squashed"; continue; fi
  mb=$(git merge-base main "$tip")
  counts=$(git rev-list --left-right --count "$tip...main")
  lines=$(git diff --numstat -M "$mb" "$tip" | awk '{n += $1 + $2} END {print n + 0}')
  age=$(git log -1 --format=%cr "$tip")
  dirty=$(git -C "$wt" status --porcelain | wc -l)
  echo "$b $wt $counts $lines $age $dirty"
done
"""

REBASE_LOOP = """
base=$1; shift
for wt in "$@"; do git -C "$wt" rebase "$base"; done
"""

EXISTS_LOOP = """
while [ $# -gt 0 ]; do
  git rev-parse --verify -q "refs/heads/$1" >/dev/null && test -d "$2" || echo "to create: $1"
  shift 2
done
"""

SYNC_MOVED, CREATE_RERUN, BASELINE = 60, 50, 10


@dataclass(frozen=True)
class Plan:
    scales: tuple[int, ...]
    runs: int  # timed pairs per row (the start-up row runs three times as many)
    warmup: int = 1


FULL, QUICK = Plan((10, 100, 300), runs=3), Plan((10, 100), runs=2)


class Bench:
    """The rows, measured on one growing repository."""

    def __init__(self, repo: BenchRepo, plan: Plan, machete: Path | None) -> None:
        self.repo, self.plan, self.machete = repo, plan, machete
        self.results: list[Result] = []
        self.wtorch = wtorch_argv()

    def side(self, label: str, argv: list[str], before: Callable[[], object] | None = None) -> Side:
        return Side(label, argv, self.repo.repo, self.repo.env, before)

    def wt(self, *args: str, before: Callable[[], object] | None = None) -> Side:
        shown = args[2:] if args[0] == "--manifest" else args  # the manifest is a subset's: named in the docs
        return self.side(f"wtorch {' '.join(shown)}", [*self.wtorch, *args], before)

    def bash(self, label: str, script: str, *args: str, before: Callable[[], object] | None = None) -> Side:
        return self.side(label, ["bash", "-c", script, "bench", *args], before)

    def git_machete(self, *args: str, layout: int | None = None) -> Side:
        """`git machete ...`; with `layout`, `.git/machete` is made to list that many efforts first."""
        assert self.machete is not None
        env = dict(self.repo.env, PATH=f"{self.machete}{os.pathsep}{self.repo.env.get('PATH', '')}")
        before = None if layout is None else functools.partial(self.repo.machete_layout, layout)
        return Side(f"git machete {' '.join(args)}", ["git", "machete", *args], self.repo.repo, env, before)

    def measure(
        self,
        row: str,
        n: int,
        sides: list[Side],
        goals: tuple[Goal, ...],
        *,
        runs: int | None = None,
        verify: Callable[[int], None] | None = None,
        twins: tuple[tuple[int, int], ...] = (),
    ) -> None:
        labels = " | ".join(s.label for s in sides[: len(sides) - len(twins)]) + (
            ", each also over 10" if twins else ""
        )
        print(f"  {row} ({n}): {labels} ...", end="", flush=True)
        started = time.perf_counter()
        try:
            timing: Timing | None = pairwise(sides, runs=runs or self.plan.runs, warmup=self.plan.warmup, verify=verify)
            error = ""
        except (RuntimeError, AssertionError) as exc:
            timing, error = None, str(exc)
        result = Result(row, n, timing, goals, error, twins)
        self.results.append(result)
        print(f" {time.perf_counter() - started:.0f}s: {result.summary()}", flush=True)

    def pairs(self, count: int) -> list[str]:
        return [x for e in self.repo.efforts[:count] for x in (e.branch, str(e.worktree))]

    def branches(self, count: int) -> list[str]:
        return [e.branch for e in self.repo.efforts[:count]]

    def worktrees(self, count: int) -> list[str]:
        return [str(e.worktree) for e in self.repo.efforts[:count]]

    def subset(self, count: int, *, base: str = "main") -> list[str]:
        """`--manifest` naming the first `count` efforts, unless that is `wtorch.toml` (found as users find it)."""
        if count == len(self.repo.efforts) and base == "main":
            return []
        return ["--manifest", str(self.repo.manifest(f"{base}{count}.toml", count, base=base))]

    # --- the rows ---------------------------------------------------------------------------------

    def at_scale(self, n: int) -> None:
        """gate, status and sync (up to date) over n efforts. Above 10 efforts each round also times both
        sides over the first 10, in the same repository: the cost per branch is their difference."""
        counts = [n, BASELINE] if n > BASELINE else [n]
        gate = [
            side
            for count in counts
            for side in (
                self.wt(*self.subset(count), "gate"),
                self.bash("merge-base + diff --numstat -M loop", GATE_LOOP, *self.branches(count)),
            )
        ]
        self.measure("gate", n, gate, (Goal(1, 0.6),), twins=((0, 2), (1, 3)) if n > BASELINE else ())
        self.status(n, counts)
        saved, tips = self.repo.state_file.read_bytes(), self.repo.tips(n)
        sync = [
            side
            for count in counts
            for side in (
                self.wt(
                    *self.subset(count, base="fork"), "sync", before=lambda: self.repo.state_file.write_bytes(saved)
                ),
                self.bash("git -C <worktree> rebase loop", REBASE_LOOP, "fork", *self.worktrees(count)),
            )
        ]

        def unmoved(_: int) -> None:
            assert self.repo.tips(n) == tips, "an up-to-date sync moved a branch"

        twins = ((0, 2), (1, 3)) if n > BASELINE else ()
        self.measure("sync, up to date", n, sync, (Goal(1, 0.5),), verify=unmoved, twins=twins)

    def status(self, n: int, counts: list[int]) -> None:
        sides, goals, twins = [self.wt(*self.subset(n), "status")], [], []
        if self.machete:
            sides.append(self.git_machete("status", layout=n))
            goals.append(Goal(1, 1.0))
        if n == 100:
            sides.append(self.bash("status shell script", STATUS_SCRIPT, *self.pairs(n)))
            goals.append(Goal(len(sides) - 1, 0.5))
        if n > BASELINE:
            twins.append((0, len(sides)))
            sides.append(self.wt(*self.subset(BASELINE), "status"))
            if self.machete:
                twins.append((1, len(sides)))
                sides.append(self.git_machete("status", layout=BASELINE))
        try:
            self.measure("status", n, sides, tuple(goals), twins=tuple(twins))
        finally:
            self.repo.machete_layout(n)

    def at_100(self) -> None:
        startup = [self.wt("gate", "--help")] + ([self.git_machete("--version")] if self.machete else [])
        self.measure("start-up", 0, startup, (Goal(1, 1.0),) if self.machete else (), runs=3 * self.plan.runs)
        sides = [
            replace(self.wt(*self.subset(CREATE_RERUN), "create-wave", "1"), expect="Nothing to do"),
            self.bash("rev-parse --verify + test -d loop", EXISTS_LOOP, *self.pairs(CREATE_RERUN)),
        ]
        self.measure("create-wave, nothing to do", CREATE_RERUN, sides, (Goal(1, 2.0),))
        self.sync_moved()
        base = self.repo.git("merge-base", "main", "bench/split").strip()
        sides = [
            self.wt("split", "bench/split", "--base", "main"),
            self.side("git diff --numstat -M (reference)", ["git", "diff", "--numstat", "-M", base, "bench/split"]),
        ]
        self.measure("split, 5,000 files", 5000, sides, (Goal(0, 0.5),))

    def sync_moved(self) -> None:
        efforts = self.repo.efforts[:SYNC_MOVED]
        tips, saved = self.repo.tips(SYNC_MOVED), self.repo.state_file.read_bytes()
        restore = functools.partial(self.repo.put_back, tips, saved)

        def rebased(_: int) -> None:
            listed = self.repo.git("for-each-ref", "--contains", "main", "--format=%(refname)", "refs/heads/bench/")
            assert set(tips) <= set(listed.split()), "not every branch was rebased onto main"

        sides = [
            self.wt(*self.subset(SYNC_MOVED), "sync", before=restore),
            self.bash(
                "git -C <worktree> rebase loop",
                REBASE_LOOP,
                "main",
                *[str(e.worktree) for e in efforts],
                before=restore,
            ),
        ]
        try:
            self.measure("sync, main moved", SYNC_MOVED, sides, (Goal(1, 1.1),), verify=rebased)
        finally:
            restore()


def scratch_root() -> str:
    """tmpfs when there is room (worktrees are written by the hundred), else the temporary directory."""
    chosen = os.environ.get("WTORCH_BENCH_TMP")
    if chosen:
        return chosen
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 8 * 2**30:
        return str(shm)
    return tempfile.gettempdir()


def main(*, quick: bool = False) -> int:
    plan = QUICK if quick else FULL
    started, load = time.perf_counter(), os.getloadavg()[0]
    machete = machete_bin()
    with tempfile.TemporaryDirectory(prefix="wtorch-perf-", dir=scratch_root()) as scratch:
        print(f"perf: building the repository in {scratch} ...", flush=True)
        repo = BenchRepo.create(Path(scratch))
        bench, failed = Bench(repo, plan, machete), False
        for n in plan.scales:
            grown = time.perf_counter()
            try:
                repo.grow(n)
            except RuntimeError as exc:
                print(f"perf: cannot grow the repository to {n} efforts: {exc}")
                failed = True
                break
            print(f"perf: {n} efforts, worktrees made by `wtorch create-wave 1` ({time.perf_counter() - grown:.0f}s)")
            bench.at_scale(n)
            if n == 100:
                bench.at_100()
    took = time.perf_counter() - started
    print_report(bench.results, plan.runs, took, machete=machete is not None, load=(load, os.getloadavg()[0]))
    return 1 if failed or any(r.error for r in bench.results) else 0
