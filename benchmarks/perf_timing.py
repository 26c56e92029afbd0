"""Whole-process timing, pairwise: A B A B ... after a warm-up, the ratio taken pair by pair.

Pairing keeps a ratio meaningful when the machine's speed drifts (other work on it, a CPU that
warms up): each pair runs back to back, and the median of the pairs' ratios is reported beside
each side's median time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Side:
    """One command as a user would run it: argv (no shell unless argv says bash), where, with what environment."""

    label: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    before: Callable[[], object] | None = None  # puts the repository back first; never timed
    ok: tuple[int, ...] = (0,)
    expect: str = ""  # checked in the warm-up's output

    def run(self, *, check: bool) -> float:
        if self.before:
            self.before()
        out = subprocess.PIPE if check else subprocess.DEVNULL
        start = time.perf_counter()
        done = subprocess.run(self.argv, cwd=self.cwd, env=self.env, stdout=out, stderr=out, check=False)
        took = time.perf_counter() - start
        if check:
            text = (done.stdout or b"").decode(errors="replace") + (done.stderr or b"").decode(errors="replace")
            if done.returncode not in self.ok or self.expect not in text:
                wanted = f"exit {self.ok}" + (f" and {self.expect!r}" if self.expect else "")
                raise RuntimeError(f"{self.label} exited {done.returncode} (wanted {wanted}):\n{text[-3000:]}")
        return took


@dataclass
class Timing:
    """Every timed run of each side (A first), in the order they ran."""

    sides: list[Side]
    times: list[list[float]] = field(default_factory=list)

    def median(self, side: int = 0) -> float:
        return statistics.median(self.times[side])

    def ratio(self, side: int = 1) -> float:
        """The median of A / side over the pairs."""
        return statistics.median(a / b for a, b in zip(self.times[0], self.times[side], strict=True))


def pairwise(sides: list[Side], *, runs: int, warmup: int = 1, verify: Callable[[int], None] | None = None) -> Timing:
    """Warm-up rounds (each side's exit code checked, then `verify(side)`), then `runs` rounds A B [C] each."""
    for _ in range(warmup):
        for index, side in enumerate(sides):
            side.run(check=True)
            if verify:
                verify(index)
    timing = Timing(sides, [[] for _ in sides])
    for _ in range(runs):
        for index, side in enumerate(sides):
            timing.times[index].append(side.run(check=False))
    return timing


def machete_bin() -> Path | None:
    """The bin directory of a virtualenv holding git-machete, made (and kept for later runs) if need be.

    The virtualenv is `$WTORCH_BENCH_MACHETE` or `<tmp>/wtorch-bench-machete`, created without pip
    and filled by this interpreter's pip (`pip --python`): git-machete never enters wtorch's own
    environment. None, with the reason printed, when it cannot be installed.
    """
    venv = Path(os.environ.get("WTORCH_BENCH_MACHETE") or Path(tempfile.gettempdir()) / "wtorch-bench-machete")
    script = venv / "bin" / "git-machete"
    if _works(script):
        return script.parent
    print(f"installing git-machete into {venv} (kept for the next run) ...", flush=True)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "--disable-pip-version-check"]
    steps = [
        [sys.executable, "-m", "venv", "--clear", "--without-pip", str(venv)],
        [*pip, "install", "-q", "git-machete"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"could not install git-machete ({' '.join(step[:4])} ...): {done.stderr.strip()[-500:]}")
            print("the anchors that need it are skipped")
            return None
    return script.parent if _works(script) else None


def _works(script: Path) -> bool:
    if not script.exists():
        return False
    return subprocess.run([str(script), "--version"], capture_output=True, check=False).returncode == 0
