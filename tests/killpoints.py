"""Kill a wtorch command before each of its git calls, re-run it, and compare with a twin never killed.

The seam is in `wtorch.git.core.run`: WTORCH_FAULT_COUNT makes the twin list its git calls,
WTORCH_FAULT_AT=k makes a run kill itself (and its git, as the leader of its own process group)
before the k-th one, or with `k+ms` that many milliseconds into it.

A scenario is built once per test in `<tmp>/w`, then kept aside; each run gets a fresh copy at the
same place, so every absolute path wtorch records stays true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.forkserver import ForkServer
from tests.gitutil import Repo
from tests.scenarios import wtorch
from tests.snapshot import differences, snapshot


@dataclass(frozen=True)
class Twin:
    """The uninterrupted run: its exit code, its git calls and the end state."""

    code: int
    calls: list[str]
    state: dict[str, Any]


class Kit:
    def __init__(self, tmp: Path, build: Callable[[Path], list[str]], server: ForkServer) -> None:
        self.work = tmp / "w"
        self.kept = tmp / "kept"
        self.server = server
        self.after_kill = ""
        self.work.mkdir()
        self.argv = build(self.work)
        for sample in (self.work / "repo" / ".git" / "hooks").glob("*.sample"):
            sample.unlink()  # fewer files to copy for every run
        self.work.rename(self.kept)
        self.repo = Repo(self.work / "repo")

    def fresh(self) -> None:
        if self.work.exists():
            shutil.rmtree(self.work)
        subprocess.run(["cp", "-a", str(self.kept), str(self.work)], check=True)

    def process(self, fault: dict[str, str]) -> int:
        env = {**os.environ, **fault}
        output = self.work.parent / "output.txt"
        return self.server.run(["-C", str(self.repo.path), *self.argv], env=env, cwd=self.work, output=output)

    def twin(self) -> Twin:
        self.fresh()
        log = self.work.parent / "calls.log"
        log.unlink(missing_ok=True)
        code = self.process({"WTORCH_FAULT_COUNT": str(log)})
        calls = log.read_text().splitlines() if log.exists() else []
        return Twin(code, calls, snapshot(self.repo.path, self.work))

    def killed_at(self, fault: str) -> tuple[int, int, dict[str, Any], str]:
        """Kill at `fault`, re-run: (the killed run's code, the re-run's code, the end state, its output)."""
        self.fresh()
        killed = self.process({"WTORCH_FAULT_AT": fault})
        self.after_kill = left_by_the_kill(self.repo.path)
        code, output = wtorch(self.repo, *self.argv)
        return killed, code, snapshot(self.repo.path, self.work), output


READS = {
    "rev-parse", "worktree list", "for-each-ref", "merge-base", "diff", "patch-id", "log", "cherry", "rev-list",
    "status", "reflog", "cat-file", "ls-tree", "config", "show-ref", "symbolic-ref", "check-attr",
}  # fmt: skip


def writes(call: str) -> bool:
    """Whether the git call of a twin's log line can change the repository (a kill inside it can
    leave something half-done); killing inside one that only reads is killing before the next."""
    words = [w for w in call.partition("\t")[2].strip("'\"").split() if not w.startswith("-")][1:]
    return not ({" ".join(words[:2]), *words[:1]} & READS)


def left_by_the_kill(repo: Path) -> str:
    """What a failing kill point needs to be understood: the journal, and each worktree entry's
    files (a half-made entry is the rare case: its files say how far `git worktree add` got)."""
    git_dir = repo / ".git"
    journal = git_dir / "wtorch" / "journal.json"
    entry = json.loads(journal.read_text())["operation"] if journal.exists() else {}
    lines = [f"journal: {entry.get('command')!r}, steps {entry.get('steps')}, refs {entry.get('refs')}"]
    for entry in sorted((git_dir / "worktrees").glob("*")):
        files = {f.name: _shown(f) for f in sorted(entry.iterdir()) if f.is_file()}
        lines.append(f"worktrees/{entry.name}: {files}")
    return "\n".join(lines)


def _shown(path: Path) -> str:
    size = path.stat().st_size
    return path.read_text(errors="replace").strip()[:100] if size < 200 else f"{size} bytes"


def check(kit: Kit, twin: Twin, fault: str) -> list[str]:
    """What differs from the twin after killing at `fault` and re-running; empty when it converged."""
    killed, code, state, output = kit.killed_at(fault)
    problems = []
    if killed != -9:
        said = (kit.work.parent / "output.txt").read_text()[-800:]
        problems.append(f"the run was not killed (exit {killed}): {said}")
    if code != twin.code:
        problems.append(f"the re-run exited {code}, the twin {twin.code}: {output.strip()[-600:]}")
    problems += differences(twin.state, state)
    if problems:
        problems.append(f"left by the kill, before the re-run:\n{kit.after_kill}")
    k = int(fault.partition("+")[0])
    call = twin.calls[k - 1].partition("\t")[2] if k <= len(twin.calls) else "?"
    return [f"killed at {fault} ({call}): {p}" for p in problems]
