"""How long planning takes for a 5,000-file Python change (no git: the pure planner only).

The change is generated: 5,000 modules in 50 packages, each importing names of up to three
others; a third change a body, the rest add a function that calls an imported name. Reported:
reading the symbol facts (`analyse`: parsing both ends of every file) and packing (`plan_split`),
separately, as process CPU time and wall time.
"""

from __future__ import annotations

import random
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
    files, new, old, paths = change(count)
    lines = sum(text.count("\n") for text in new.values())
    cpu, wall = time.process_time(), time.perf_counter()
    found = analyse(files, new_text=new, old_text=old, repo_paths=paths)
    cpu_facts, wall_facts = time.process_time() - cpu, time.perf_counter() - wall
    cpu, wall = time.process_time(), time.perf_counter()
    plan = plan_split(files, found.edges, max_lines=800, understood=found.understood)
    cpu_plan, wall_plan = time.process_time() - cpu, time.perf_counter() - wall
    print(f"split planning: {count} changed Python files ({lines} lines at the tip), {len(found.edges)} edges")
    print(f"  symbol facts (analyse): {cpu_facts:.2f} s CPU, {wall_facts:.2f} s wall")
    print(
        f"  packing (plan_split):   {cpu_plan:.2f} s CPU, {wall_plan:.2f} s wall; "
        f"{len(plan.chunks)} chunks, floor {plan.floor}"
    )
    return True
