"""`wtorch integrate` of a 30-effort wave against the loop a shell script would run, as a ratio measured in one run.

The repository is built in one `git fast-import`: a main branch of 300 files, 30 effort branches
forked from it (two commits each), and main moving on after the fork, so every merge is a real
three-way merge. The efforts are shaped like a real wave: 8 of them pair up on the same lines of
four files (4 conflicting pairs), 10 edit different parts of one shared file (45 pairs that touch
the same file and merge cleanly), and the rest work in files of their own.

Measured, alternately (shell, wtorch, shell, wtorch, ...) after one warm-up run of each:

- shell:  `git merge-tree --write-tree --name-only A B` for each of the 435 pairs, in bash;
- wtorch: `python -m wtorch --manifest m.toml integrate 1 --json`: the same pairwise answer, plus
          each effort alone onto main, the whole wave in dependency order, the state derivation and
          the state record;
- and, to tell start-up from work, `integrate 2`: a wave whose one effort has no branch yet.

Before timing, the conflicting pairs of both are compared: they must be the same.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.gate_bench import _data, _lines, git_env  # one fast-import vocabulary for the benchmarks

BASE_FILES = 300
FILE_LINES = 60
SHARED_LINES = 200
EPOCH = 1_700_000_000
CLASHING = 8
SHARING = 10


def _commit(ref: str, when: int, message: str, changes: dict[str, str], parent: str | None = None) -> str:
    head = f"commit {ref}\ncommitter Bench <bench@example.com> {when} +0000\n{_data(message)}"
    head += f"from {parent}\n" if parent else ""
    return head + "".join(f"M 100644 inline {path}\n{_data(text)}" for path, text in changes.items())


def _edit(text: str, line: int, word: str) -> str:
    rows = text.splitlines(keepends=True)
    rows[line] = f"{word}\n"
    return "".join(rows)


def _effort_changes(rng: random.Random, n: int, base: dict[str, str], step: int) -> dict[str, str]:
    """Effort n's commit `step`: its own new file, plus the edits that shape the wave (see the module doc)."""
    changes = {f"new/e{n:02d}/s{step}.py": _lines(rng, rng.randrange(20, 60), "new")}
    if step == 1 and n < CLASHING:
        changes[f"pkg/hot{n // 2}.py"] = _edit(base[f"pkg/hot{n // 2}.py"], 7, f"effort {n} was here")
    elif step == 1 and n < CLASHING + SHARING:
        slot = (n - CLASHING) * (SHARED_LINES // SHARING)
        changes["pkg/common.py"] = _edit(base["pkg/common.py"], slot, f"effort {n} was here")
    elif step == 1:
        path = f"pkg/m{n * 7 // 30}/f{n * 7}.py"
        changes[path] = base[path] + _lines(rng, 10, f"effort {n}")
    return changes


def fast_import_stream(efforts: int, seed: int = 30) -> str:
    rng = random.Random(seed)
    base = {f"pkg/m{i // 30}/f{i}.py": _lines(rng, FILE_LINES, "base") for i in range(BASE_FILES)}
    base |= {f"pkg/hot{k}.py": _lines(rng, FILE_LINES, "hot") for k in range(CLASHING // 2)}
    base["pkg/common.py"] = _lines(rng, SHARED_LINES, "common")
    parts = [f"commit refs/heads/main\nmark :1\ncommitter Bench <bench@example.com> {EPOCH} +0000\n{_data('base')}"]
    parts[0] += "".join(f"M 100644 inline {path}\n{_data(text)}" for path, text in base.items())
    for n in range(efforts):
        for step in range(2):
            changes = _effort_changes(rng, n, base, step)
            parts.append(
                _commit(
                    f"refs/heads/bench/e{n:02d}",
                    EPOCH + n * 10 + step,
                    f"e{n} {step}",
                    changes,
                    parent=":1" if step == 0 else None,
                )
            )
    for step in range(5):
        changes = {path: _lines(rng, FILE_LINES, "later") for path in sorted(base)[-60 + step * 10 : -50 + step * 10]}
        parts.append(_commit("refs/heads/main", EPOCH + 100_000 + step, f"main moves on {step}", changes))
    return "".join(parts)


def build(where: Path, efforts: int, env: dict[str, str]) -> list[str]:
    repo = where / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    stream = fast_import_stream(efforts).encode()
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=stream, check=True, env=env)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, check=True, env=env)
    ids = [f"e{n:02d}" for n in range(efforts)]
    body = "".join(f'[[effort]]\nid = "{i}"\n' for i in ids)
    body += '[[effort]]\nid = "later"\nwave = 2\n'  # no branch: `integrate 2` measures the fixed start-up
    (where / "wtorch.toml").write_text(
        f'version = 1\n[project]\nname = "bench"\nbranch_template = "bench/{{id}}"\n{body}'
    )
    return [f"bench/{i}" for i in ids]


# What a script would run for the same pairwise answer: every pair, one merge-tree each.
SHELL_LOOP = """
branches=("$@")
for ((i = 0; i < ${#branches[@]}; i++)); do
  for ((j = i + 1; j < ${#branches[@]}; j++)); do
    if ! git merge-tree --write-tree --name-only "${branches[i]}" "${branches[j]}" >/dev/null; then
      echo "${branches[i]} ${branches[j]}"
    fi
  done
done
"""


def _timed(argv: list[str], repo: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def _same_answer(shell: str, wtorch: str) -> bool:
    loop = {tuple(line.removeprefix("bench/").replace(" bench/", " ").split()) for line in shell.splitlines()}
    found = {tuple(p["efforts"]) for p in json.loads(wtorch)["pairs"]}
    return loop == found


def main(*, quick: bool = False) -> int:
    efforts, rounds = (10, 1) if quick else (30, 5)
    with tempfile.TemporaryDirectory(prefix="wtorch-bench-") as scratch:
        where = Path(scratch)
        (where / "home").mkdir()
        env = git_env(where / "home")
        started = time.perf_counter()
        names = build(where, efforts, env)
        repo = where / "repo"
        built = time.perf_counter() - started
        shell = ["bash", "-c", SHELL_LOOP, "loop", *names]
        wtorch = [sys.executable, "-m", "wtorch", "--manifest", str(where / "wtorch.toml"), "integrate", "1", "--json"]
        _, loop_out = _timed(shell, repo, env)  # warm-up, and the answer to compare
        _, ours = _timed(wtorch, repo, env)
        if ours.returncode not in (0, 1) or not _same_answer(loop_out.stdout, ours.stdout):
            sys.stderr.write(f"integrate and the shell loop disagree:\n{loop_out.stdout}\n{ours.stdout}\n{ours.stderr}")
            return 1
        empty = [*wtorch[:-2], "2", "--json"]
        shell_times, wtorch_times, empty_times = [], [], []
        for _ in range(rounds):
            shell_times.append(_timed(shell, repo, env)[0])
            wtorch_times.append(_timed(wtorch, repo, env)[0])
            empty_times.append(_timed(empty, repo, env)[0])
    data = json.loads(ours.stdout)
    pairs = efforts * (efforts - 1) // 2
    shell_median, wtorch_median = statistics.median(shell_times), statistics.median(wtorch_times)
    print(f"integrate benchmark: {efforts} efforts, {pairs} pairs, {rounds} alternating rounds after a warm-up")
    print(f"  (repository built in {built:.1f}s; {len(data['pairs'])} conflicting pairs, the same in both)")
    print(f"  shell loop (merge-tree per pair)  median {shell_median:7.3f}s  best {min(shell_times):7.3f}s")
    print(f"  wtorch integrate 1 --json         median {wtorch_median:7.3f}s  best {min(wtorch_times):7.3f}s")
    print(
        f"  ratio {wtorch_median / shell_median:.2f} (target <= 0.50); wtorch merged {data['pairs_merged']} pairs "
        f"and found {data['pairs_disjoint']} clean without a merge"
    )
    startup = statistics.median(empty_times)
    print(
        f"  of which fixed start-up (integrate of a wave with nothing to merge) {startup:.3f}s; "
        f"the rest, {wtorch_median - startup:.3f}s, is {(wtorch_median - startup) / shell_median:.2f} of the loop"
    )
    return 0
