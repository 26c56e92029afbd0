"""How long planning takes for a 5,000-file Python change (no git: the pure planner only).

The change is generated: 5,000 modules in 50 packages, each importing names of up to three
others; a third change a body, the rest add a function that calls an imported name. Reported:
reading the symbol facts (`analyse`: what each change adds, changes and drops, and what that
uses) and packing (`plan_split`), separately, as process CPU time and wall time: the median of
three runs, with the load average the machine had.
"""

from __future__ import annotations

import os
import random
import statistics
import time

from wtorch.split import ChangedFile, analyse, plan_split

FILES = 5000


def change(count: int = FILES) -> tuple[list[ChangedFile], dict[str, str], dict[str, str], frozenset[str]]:
    rng = random.Random(3)
    files, new, old = [], {}, {}
    for i in range(count):
        path = f"pkg/d{i % 50}/m{i}.py"
        deps = rng.sample(range(max(i, 1)), min(i, 3))
        imports = "".join(f"from pkg.d{j % 50}.m{j} import f{j}\n" for j in deps)
        body = "".join(f"def f{i}_{k}(x, y=1):\n    return x + y + {k}\n\n\n" for k in range(8))
        before = imports + body + f"def f{i}(x):\n    return x\n"
        if i % 3 == 0:
            after = before.replace("return x\n", "return x * 2\n")
        else:
            after = before + f"\n\ndef g{i}():\n    return f{deps[0] if deps else i}(1)\n"
        if i % 4 == 0 and deps and deps[0] % 3:  # a name another change adds
            after = f"from pkg.d{deps[0] % 50}.m{deps[0]} import g{deps[0]}\n" + after
        old[path], new[path] = before, after
        files.append(ChangedFile(path, "M", rng.randint(1, 60)))
    paths = frozenset(new) | {"pkg/__init__.py"} | {f"pkg/d{d}/__init__.py" for d in range(50)}
    return files, new, old, paths


def main(*, quick: bool = False) -> bool:
    count = 1000 if quick else FILES
    runs = 1 if quick else 3
    files, new, old, paths = change(count)
    lines = sum(text.count("\n") for text in new.values())
    load = os.getloadavg()[0]
    facts: list[tuple[float, float]] = []
    packing: list[tuple[float, float]] = []
    for _ in range(runs):
        cpu, wall = time.process_time(), time.perf_counter()
        found = analyse(files, new_text=new, old_text=old, repo_paths=paths)
        facts.append((time.process_time() - cpu, time.perf_counter() - wall))
        cpu, wall = time.process_time(), time.perf_counter()
        plan = plan_split(files, found.edges, max_lines=800, understood=found.understood)
        packing.append((time.process_time() - cpu, time.perf_counter() - wall))
    print(f"split planning: {count} changed Python files ({lines} lines at the tip), {len(found.edges)} edges")
    print(f"  median of {runs} run(s); load average {load:.2f} before, {os.getloadavg()[0]:.2f} after (2 cores)")
    print(f"  symbol facts (analyse): {_median(facts, 0):.2f} s CPU, {_median(facts, 1):.2f} s wall")
    print(
        f"  packing (plan_split):   {_median(packing, 0):.2f} s CPU, {_median(packing, 1):.2f} s wall; "
        f"{len(plan.chunks)} chunks, floor {plan.floor}"
    )
    total = [(a[0] + b[0], a[1] + b[1]) for a, b in zip(facts, packing, strict=True)]
    print(f"  planning in all:        {_median(total, 0):.2f} s CPU, {_median(total, 1):.2f} s wall")
    return True


def _median(runs: list[tuple[float, float]], k: int) -> float:
    return statistics.median(r[k] for r in runs)
