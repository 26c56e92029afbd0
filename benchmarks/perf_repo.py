"""The repository `benchmarks.perf` measures, grown from 10 to 300 efforts as a team's would.

Main is one `git fast-import`: 5,000 commits over 3,000 Python files (each importing two earlier
modules). The efforts fork from main 10 commits before its tip (branch `fork` marks the spot), so
main has moved on since: `gate` and `status` see a merge-base that is not main's tip, and `sync`
has something to rebase. Main's last 10 commits touch only the first 200 files and the efforts
never do, so every rebase is clean. Each effort has three commits: two existing files edited, a
new file, now and then a lock file, vendored code or a rename (so `-M` has work to do).

`grow(n)` adds efforts up to n: their branches (another fast-import), `wtorch.toml` listing them
all, a worktree each (`wtorch create-wave 1`, as a user adding efforts would run it) and the
`.git/machete` layout (main, every effort's branch under it); then one `git status` in each new
worktree, as its developer would run. `bench/split` forks from main's tip and changes 5,000
files (2,000 edited, 3,000 new modules importing each other).
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import gate_bench
from benchmarks.gate_bench import _data

FILES = 3_000
COMMITS = 5_000
MOVED = 10  # main's commits after the efforts forked
RESERVED = 200  # the files only those commits touch
SPLIT_EDITED, SPLIT_NEW = 2_000, 3_000
EPOCH = 1_700_000_000


def _path(i: int) -> str:
    return f"pkg/m{i // 50}/f{i}.py"


def _module(rng: random.Random, i: int) -> list[str]:
    a, b = (rng.randrange(i) if i else 0), (rng.randrange(i) if i else 0)
    head = [f'"""Module {i}."""\n', f"from pkg.m{a // 50}.f{a} import VALUE as A\n", f"import pkg.m{b // 50}.f{b}\n"]
    body = [f"def f{i}_{k}(x):\n    return x * {rng.randrange(1000)} + A\n" for k in range(10)]
    return [*head, f"VALUE = {i}\n", *body]


def _commit(ref: str, when: int, message: str, changes: dict[str, str | None], *, parent: str = "") -> str:
    head = f"commit {ref}\n"
    head += f"author Bench <bench@example.com> {when} +0000\ncommitter Bench <bench@example.com> {when} +0000\n"
    head += _data(message) + (f"from {parent}\n" if parent else "")
    return head + "".join(
        f"D {path}\n" if text is None else f"M 100644 inline {path}\n{_data(text)}" for path, text in changes.items()
    )


class History:
    """Main's history as one fast-import stream; `fork` and `main` keep every file's content at those commits."""

    def __init__(self, seed: int = 14) -> None:
        self.rng = random.Random(seed)
        files = {_path(i): _module(self.rng, i) for i in range(FILES)}
        parts = [_commit("refs/heads/main", EPOCH, "base", {p: "".join(t) for p, t in files.items()})]
        for k in range(1, COMMITS):
            if k == COMMITS - MOVED:
                parts.append("reset refs/heads/fork\nfrom refs/heads/main\n\n")
                self.fork = {p: "".join(t) for p, t in files.items()}
            top = FILES if k < COMMITS - MOVED else RESERVED
            parts.append(_commit("refs/heads/main", EPOCH + k, f"main {k}", self._edit(files, top)))
        self.main = {p: "".join(t) for p, t in files.items()}
        self.stream = "".join(parts)

    def _edit(self, files: dict[str, list[str]], top: int) -> dict[str, str | None]:
        changes: dict[str, str | None] = {}
        for i in self.rng.sample(range(top), self.rng.choice((1, 1, 2, 3))):
            lines = files[_path(i)]
            lines[self.rng.randrange(4, len(lines))] = f"    return x - {self.rng.randrange(10**6)}\n"
            changes[_path(i)] = "".join(lines)
        return changes

    def effort(self, n: int) -> str:
        """Effort n's three commits on `bench/eNNN`, forked from `fork` (the same whatever the scale)."""
        rng = random.Random(n)
        ref, parts = f"refs/heads/bench/e{n:03d}", []
        for step in range(3):
            changes: dict[str, str | None] = {}
            for i in rng.sample(range(RESERVED, FILES), 2):
                extra = "".join(f"# e{n} step {step} line {k}\n" for k in range(rng.randrange(5, 40)))
                changes[_path(i)] = self.fork[_path(i)] + extra
            lines = rng.randrange(20, 120)
            changes[f"new/e{n:03d}/s{step}.py"] = "".join(f"X{k} = {rng.randrange(10**6)}\n" for k in range(lines))
            old = _path(rng.randrange(RESERVED, FILES))
            if step == 0 and n % 4 == 0 and old not in changes:
                changes[old] = None
                changes[f"moved/e{n:03d}/{Path(old).name}"] = self.fork[old] + "# moved\n"
            if step == 1 and n % 5 == 0:
                changes[f"web/e{n:03d}/package-lock.json"] = "".join(f'"dep{k}": "1.{k}"\n' for k in range(200))
            if step == 2 and n % 7 == 0:
                changes[f"third/vendor/e{n:03d}/lib.go"] = "".join(f"var v{k} = {k}\n" for k in range(120))
            when = EPOCH + COMMITS + n * 3 + step
            parts.append(_commit(ref, when, f"e{n} step {step}", changes, parent="refs/heads/fork" if not step else ""))
        return "".join(parts)

    def split_branch(self) -> str:
        """`bench/split`: 5,000 changed files in one commit on main's tip."""
        rng = random.Random(5000)
        changes: dict[str, str | None] = {}
        for i in rng.sample(range(FILES), SPLIT_EDITED):
            changes[_path(i)] = self.main[_path(i)] + "".join(f"# split {k}\n" for k in range(4))
        for j in range(SPLIT_NEW):
            a = j - 1 - rng.randrange(min(j, 20)) if j else 0
            head = f"from feat.s{a // 50}.n{a} import VALUE as A\n" if j else "A = 0\n"
            head += f"import pkg.m{j % FILES // 50}.f{j % FILES}\n"
            changes[f"feat/s{j // 50}/n{j}.py"] = head + f"VALUE = {j}\n" + "".join(f"Y{k} = A\n" for k in range(6))
        return _commit("refs/heads/bench/split", EPOCH + 10**6, "one large change", changes, parent="refs/heads/main")


def git_env(home: Path) -> dict[str, str]:
    """gate_bench's isolated git (no user or system config), which never collects garbage mid-timing."""
    home.mkdir(parents=True, exist_ok=True)
    env = gate_bench.git_env(home)
    with open(env["GIT_CONFIG_GLOBAL"], "a") as config:
        config.write("[gc]\n\tauto = 0\n")
    # Python's bytecode cache on, kept in the scratch directory: an installed wtorch has its modules
    # compiled at install time. (A machine that sets PYTHONDONTWRITEBYTECODE would otherwise have
    # every run compile wtorch's hundred modules again: about 40 ms, at each start.)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(home / "pycache")
    return env


def wtorch_argv() -> list[str]:
    """The console script users run, from this interpreter's environment (else `python -m wtorch`)."""
    script = Path(sys.executable).with_name("wtorch")
    return [str(script)] if script.exists() else [sys.executable, "-m", "wtorch"]


@dataclass(frozen=True)
class Effort:
    id: str
    branch: str
    worktree: Path


@dataclass
class BenchRepo:
    where: Path
    env: dict[str, str]
    history: History
    efforts: list[Effort] = field(default_factory=list)

    @property
    def repo(self) -> Path:
        return self.where / "repo"

    @property
    def state_file(self) -> Path:
        return self.repo / ".git" / "wtorch" / "state.toml"

    @classmethod
    def create(cls, where: Path) -> BenchRepo:
        bench = cls(where, git_env(where / "home"), History())
        subprocess.run(["git", "init", "-q", "-b", "main", str(bench.repo)], check=True, env=bench.env)
        bench.fast_import(bench.history.stream + bench.history.split_branch())
        bench.git("reset", "-q", "--hard", "main")
        return bench

    def git(self, *args: str, cwd: Path | None = None) -> str:
        argv = ["git", *args]
        return subprocess.run(
            argv, cwd=cwd or self.repo, env=self.env, check=True, capture_output=True, text=True
        ).stdout

    def fast_import(self, stream: str) -> None:
        subprocess.run(
            ["git", "fast-import", "--quiet"], cwd=self.repo, input=stream.encode(), check=True, env=self.env
        )

    def grow(self, count: int) -> None:
        """Efforts up to `count`: branches, the manifest, worktrees (`wtorch create-wave 1`), machete's layout."""
        start = len(self.efforts)
        self.fast_import("".join(self.history.effort(n) for n in range(start, count)))
        self.repack()
        worktrees = self.where / "repo-worktrees"
        self.efforts += [Effort(f"e{n:03d}", f"bench/e{n:03d}", worktrees / f"e{n:03d}") for n in range(start, count)]
        (self.repo / "wtorch.toml").write_text(self.manifest_text(count))
        argv = [*wtorch_argv(), "create-wave", "1"]
        done = subprocess.run(argv, cwd=self.repo, env=self.env, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not all(e.worktree.is_dir() for e in self.efforts):
            raise RuntimeError(f"wtorch create-wave 1 failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        self.machete_layout(count)
        # A worktree in use has had its index refreshed (by `git status`, a commit, an editor) since its
        # files were written. A fresh one has not, and wtorch's `--no-optional-locks` status never saves
        # the refresh: every run would read each file again (see docs/performance.md). The refresh must
        # come in a later second than the files' writes: git cannot trust a file stamped in the second its
        # index was written (a "racily clean" entry), and reads it again at every status until the index is
        # written later. Every scale is measured settled.
        time.sleep(1.1)
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda e: self.git("status", "--porcelain", cwd=e.worktree), self.efforts[start:]))

    def repack(self) -> None:
        """One pack, its deltas chosen afresh, as `git gc` leaves a repository (and a clone gets one).
        fast-import stores each object as a delta on the one written before it, so the newest trees
        sit at the end of the longest chains: reading them cost every command, both sides alike,
        about twice what it does in a packed repository (a 25-pair `diff-tree --stdin`: 9 ms, 4 ms)."""
        self.git("repack", "-a", "-d", "-f", "-q")

    def machete_layout(self, count: int) -> None:
        """`.git/machete`: main, and the first `count` efforts' branches under it."""
        layout = "main\n" + "".join(f"  {e.branch}\n" for e in self.efforts[:count])
        (self.repo / ".git" / "machete").write_text(layout)

    def manifest_text(self, count: int, *, base: str = "main") -> str:
        """A manifest of the first `count` efforts; always the same project, so they share wtorch's state."""
        body = "".join(f'[[effort]]\nid = "{e.id}"\n' for e in self.efforts[:count])
        return f'version = 1\n[project]\nname = "bench"\nbase = "{base}"\nbranch_template = "bench/{{id}}"\n{body}'

    def manifest(self, name: str, count: int, *, base: str = "main") -> Path:
        path = self.where / name
        path.write_text(self.manifest_text(count, base=base))
        return path

    def tips(self, count: int) -> dict[str, str]:
        refs = [f"refs/heads/{e.branch}" for e in self.efforts[:count]]
        return dict(zip(refs, self.git("rev-parse", *refs).split(), strict=True))

    def put_back(self, tips: dict[str, str], state: bytes) -> None:
        """Each branch of `tips`, with its worktree, back at its saved commit; wtorch's state file as saved."""
        self.state_file.write_bytes(state)
        worktree = {f"refs/heads/{e.branch}": e.worktree for e in self.efforts}
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda ref: self.git("reset", "-q", "--hard", tips[ref], cwd=worktree[ref]), tips))
