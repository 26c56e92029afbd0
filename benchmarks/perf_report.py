"""The tables `benchmarks.perf` prints: every row beside its anchors, then the growth per branch."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass

from benchmarks.perf_timing import Timing

GROWTH_ROWS = ("gate", "status", "sync, up to date")


@dataclass(frozen=True)
class Goal:
    """A/side <= limit; side 0 means A's own median <= limit seconds."""

    side: int
    limit: float

    def met(self, timing: Timing) -> bool:
        value = timing.median() if self.side == 0 else timing.ratio(self.side)
        return value <= self.limit

    def text(self) -> str:
        return f"< {self.limit} s" if self.side == 0 else f"<= {self.limit}x"


@dataclass(frozen=True)
class Result:
    row: str
    n: int  # efforts (files for split, 0 for start-up)
    timing: Timing | None
    goals: tuple[Goal, ...]
    error: str = ""
    twins: tuple[tuple[int, int], ...] = ()  # (side, the same command over the first 10 efforts)

    @property
    def shown(self) -> list[int]:
        """The sides in the main table: not the 10-effort twins."""
        hidden = {twin for _, twin in self.twins}
        return [k for k in range(len(self.timing.sides) if self.timing else 0) if k not in hidden]

    def per_branch(self, side: int) -> float | None:
        """The median over rounds of (t(n) - t(10)) / (n - 10), both from the same round."""
        rounds = self.per_branch_rounds(side)
        return statistics.median(rounds) if rounds else None

    def per_branch_rounds(self, side: int) -> list[float]:
        """(t(n) - t(10)) / (n - 10) of each round: how far apart they are is the figure's resolution."""
        twin = dict(self.twins).get(side)
        if self.timing is None or twin is None:
            return []
        times = self.timing.times
        return [(a - b) / (self.n - 10) for a, b in zip(times[side], times[twin], strict=True)]

    @property
    def size(self) -> str:
        return {0: "-", 5000: "5,000 files"}.get(self.n, str(self.n))

    def summary(self) -> str:
        if self.timing is None:
            return f"FAILED: {self.error}"
        timing = self.timing
        figures = [f"{timing.sides[0].label} {timing.median():.3f}s"]
        figures += [f"{timing.sides[k].label} {timing.median(k):.3f}s (x{timing.ratio(k):.2f})" for k in self.shown[1:]]
        growth = [(k, self.per_branch(k)) for k, _ in self.twins]
        figures += [f"{timing.sides[k].label} {g * 1000:.1f} ms/branch" for k, g in growth if g is not None]
        return ", ".join(figures)


def _verdict(goal: Goal | None, timing: Timing) -> str:
    if goal is None:
        return "-"
    return "PASS" if goal.met(timing) else "MISS"


def _lines(result: Result) -> list[str]:
    head = f"| {result.row} | {result.size} |"
    if result.timing is None:
        return [f"{head} failed | | | | | {result.error.splitlines()[0] if result.error else ''} |"]
    timing = result.timing
    goals = {g.side: g for g in result.goals}
    own = f" {timing.median():.3f} s |"
    absolute = goals.get(0)
    anchors = result.shown[1:]
    if not anchors:
        target = absolute.text() if absolute else "-"
        return [f"{head}{own} - | - | - | {target} | {_verdict(absolute, timing)} |"]
    rows = []
    for k in anchors:
        goal = goals.get(k) or (absolute if k == 1 else None)
        ratio = f"{timing.ratio(k):.2f}" if k in goals else f"({timing.ratio(k):.2f})"
        target = goal.text() if goal else "-"
        rows.append(
            f"{head}{own} {timing.sides[k].label} | {timing.median(k):.3f} s | {ratio} | {target} | "
            f"{_verdict(goal, timing)} |"
        )
    return rows


def _growth(results: list[Result]) -> list[str]:
    lines = [
        "| row | wtorch per branch at 100 | at 300 | anchor | anchor per branch at 100 | at 300 | "
        "wtorch flat (300 <= 100) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in GROWTH_ROWS:
        measured = {r.n: r for r in results if r.row == row and r.twins and r.timing}
        if not measured:
            continue
        ours = {n: r.per_branch(0) for n, r in measured.items()}
        anchor = next((r.timing.sides[r.shown[1]].label for r in measured.values() if r.timing and r.shown[1:]), "-")
        a100, a300 = ours.get(100), ours.get(300)
        verdict = "-" if a100 is None or a300 is None else ("PASS" if a300 <= a100 else "MISS")
        lines.append(
            f"| {row} | {_ms(measured.get(100), 0)} | {_ms(measured.get(300), 0)} | {anchor} | "
            f"{_ms(measured.get(100), 1)} | {_ms(measured.get(300), 1)} | "
            f"{verdict} |"
        )
    return lines


def _ms(result: Result | None, side: int) -> str:
    """The cost per branch, and the lowest and highest round beside it."""
    rounds = result.per_branch_rounds(side) if result else []
    if not rounds:
        return "-"
    return f"{statistics.median(rounds) * 1000:.1f} ms ({min(rounds) * 1000:.1f} to {max(rounds) * 1000:.1f})"


def print_report(results: list[Result], runs: int, took: float, *, machete: bool, load: tuple[float, float]) -> None:
    git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    print()
    print(
        f"wtorch performance, {time.strftime('%Y-%m-%d %H:%M %Z')}: {os.cpu_count()} cores, {git}, "
        f"Python {platform.python_version()}; median of {runs} pairs after a warm-up (start-up: {3 * runs}); "
        f"load average {load[0]:.1f} at the start, {load[1]:.1f} at the end"
    )
    print()
    print("| row | efforts | wtorch | anchor | anchor | ratio (median of pairs) | target | verdict |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for result in results:
        print("\n".join(_lines(result)))
    if not machete:
        print("(git-machete could not be installed: its anchors were skipped)")
    print()
    print("Cost per branch: the median over rounds of (t(n) - t(10)) / (n - 10), where t(10) is the same command")
    print("over the first 10 efforts of the same repository, timed in the same round (in brackets: the lowest and")
    print("highest round; flat is judged on the medians as measured, with no allowance for that spread):")
    print()
    print("\n".join(_growth(results)))
    print()
    print(f"perf: the whole run took {took:.0f}s")
