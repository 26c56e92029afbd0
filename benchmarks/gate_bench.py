"""`wtorch gate` over 100 branches against the loop a shell script would run, as a ratio measured in one run.

The repository is built in one `git fast-import` (a few seconds would otherwise go into building
it): a main branch of 300 files, 100 branches forked from it, each with three commits touching a
few files (some of them lock files and vendored code), and main moving on after the fork so the
merge-base is not main's tip. Measured, best of N:

- shell:  `for b in branches: mb=$(git merge-base main $b); git diff --numstat $mb $b` in bash;
- gate:   `python -m wtorch gate --base main <100 branches> --json` — the same answer, plus the
          exclusions, attributes and generated-header checks the shell loop does not do;
- gate with a manifest: `python -m wtorch --manifest m.toml gate --json` — every effort, each
          against the base the manifest's dependencies give it (state derivation included).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_FILES = 300
FILE_LINES = 60
EPOCH = 1_700_000_000


def _data(text: str) -> str:
    return f"data {len(text.encode())}\n{text}\n"


def _lines(rng: random.Random, count: int, word: str) -> str:
    return "".join(f"{word} {rng.randrange(10**6)} {i}\n" for i in range(count))


def _commit(
    ref: str, when: int, message: str, changes: dict[str, str], *, parent: str | None = None, mark: str = ""
) -> str:
    head = (
        f"commit {ref}\n"
        + (f"mark {mark}\n" if mark else "")
        + f"committer Bench <bench@example.com> {when} +0000\n{_data(message)}"
    )
    if parent:
        head += f"from {parent}\n"
    return head + "".join(f"M 100644 inline {path}\n{_data(text)}" for path, text in changes.items())


def fast_import_stream(branches: int, seed: int = 6) -> str:
    """The whole repository as a fast-import stream: main, the branches, then main moving on."""
    rng = random.Random(seed)
    base = {f"pkg/m{i // 30}/f{i}.py": _lines(rng, FILE_LINES, "base") for i in range(BASE_FILES)}
    parts = [_commit("refs/heads/main", EPOCH, "base", base, mark=":1")]
    for n in range(branches):
        ref = f"refs/heads/bench/b{n:03d}"
        for step in range(3):
            touched = rng.sample(sorted(base), 2)
            changes = {
                path: base[path][: FILE_LINES * 10] + _lines(rng, rng.randrange(5, 40), "edit") for path in touched
            }
            changes[f"new/b{n:03d}/s{step}.py"] = _lines(rng, rng.randrange(10, 80), "new")
            if step == 1 and n % 5 == 0:
                changes[f"web/b{n:03d}/package-lock.json"] = _lines(rng, 200, "lock")
            if step == 2 and n % 7 == 0:
                changes[f"third/vendor/b{n:03d}/lib.go"] = _lines(rng, 120, "vendored")
            parent = ":1" if step == 0 else None
            parts.append(_commit(ref, EPOCH + n * 10 + step, f"b{n} step {step}", changes, parent=parent))
    for step in range(5):
        changes = {path: _lines(rng, FILE_LINES, "later") for path in rng.sample(sorted(base), 10)}
        parts.append(_commit("refs/heads/main", EPOCH + 100_000 + step, f"main moves on {step}", changes))
    return "".join(parts)


def git_env(home: Path) -> dict[str, str]:
    config = home / "gitconfig"
    config.write_text("[user]\n\tname = Bench\n\temail = bench@example.com\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_GLOBAL=str(config), GIT_CONFIG_NOSYSTEM="1", HOME=str(home), PYTHONPATH=str(ROOT))
    return env


def build(where: Path, branches: int, env: dict[str, str]) -> list[str]:
    repo = where / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, input=fast_import_stream(branches).encode(), check=True, env=env
    )
    names = [f"bench/b{n:03d}" for n in range(branches)]
    efforts = "".join(f'[[effort]]\nid = "b{n:03d}"\n' for n in range(branches))
    (where / "wtorch.toml").write_text(
        f'version = 1\n[project]\nname = "bench"\nbranch_template = "bench/{{id}}"\n{efforts}'
    )
    return names


SHELL_LOOP = """
for b in "$@"; do
  mb=$(git merge-base main "$b")
  git diff --numstat "$mb" "$b"
done
"""


def best(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main(*, quick: bool = False) -> int:
    branches, repeat = (20, 1) if quick else (100, 3)
    with tempfile.TemporaryDirectory(prefix="wtorch-bench-") as scratch:
        where = Path(scratch)
        (where / "home").mkdir()
        env = git_env(where / "home")
        started = time.perf_counter()
        names = build(where, branches, env)
        repo = where / "repo"
        built = time.perf_counter() - started

        def shell() -> object:
            return subprocess.run(["bash", "-c", SHELL_LOOP, "loop", *names], cwd=repo, env=env, capture_output=True)

        def wtorch(*args: str) -> Callable[[], object]:
            argv = [sys.executable, "-m", "wtorch", *args]
            return lambda: subprocess.run(argv, cwd=repo, env=env, capture_output=True, check=False)

        check = subprocess.run(
            [sys.executable, "-m", "wtorch", "gate", "--base", "main", "--json", *names],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
        )
        if check.returncode not in (0, 1):
            sys.stderr.write(check.stderr)
            return 1
        shell_time = best(shell, repeat)
        gate_time = best(wtorch("gate", "--base", "main", "--json", *names), repeat)
        manifest_time = best(wtorch("--manifest", str(where / "wtorch.toml"), "gate", "--json"), repeat)
        startup = best(wtorch("gate", "--base", "main", "--json", names[0]), repeat)
    per_branch = (gate_time - startup) / (branches - 1)
    print(f"gate benchmark: {branches} branches, best of {repeat} (repository built in {built:.1f}s)")
    print(f"  shell loop (merge-base + diff --numstat) {shell_time:7.3f}s")
    print(f"  wtorch gate --base main BRANCHES...      {gate_time:7.3f}s  ratio {gate_time / shell_time:.2f}")
    print(f"  wtorch gate (manifest, own bases)        {manifest_time:7.3f}s  ratio {manifest_time / shell_time:.2f}")
    print(
        f"  per branch: wtorch {per_branch * 1000:.1f} ms, shell {shell_time / branches * 1000:.1f} ms "
        f"(wtorch's fixed start-up, one branch: {startup:.3f}s)"
    )
    return 0
