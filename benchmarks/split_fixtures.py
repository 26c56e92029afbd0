"""Multi-language split evaluation: generated C, Java and Rust changes, checked by the real compilers.

Each fixture is a repository whose one big commit adds a layered set of modules (each imports
one or two earlier ones, named so that path order is not dependency order). It is split by
wtorch and naively (see split_eval.py), and every chunk is compiled. A language whose compiler
is not on the machine is skipped and said so.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.split_eval import evaluate, report_rows

NAMES = ["quartz", "amber", "delta", "lumen", "cobalt", "ember", "zephyr", "birch", "onyx", "maple", "ivory", "gale"]


def _layers(seed: int) -> list[tuple[str, list[str]]]:
    """Modules in dependency order, each with the earlier modules it uses (deterministic)."""
    rng = random.Random(seed)
    names = NAMES[:]
    rng.shuffle(names)
    return [(name, rng.sample(names[:i], k=min(i, rng.choice((1, 2))))) for i, name in enumerate(names)]


def _body(lines: int, comment: str) -> str:
    return "".join(f"{comment} padding line {i} keeps the module at a realistic size\n" for i in range(lines))


def _c(root: Path, layers: list[tuple[str, list[str]]]) -> dict[str, str]:
    files = {}
    for name, deps in layers:
        files[f"src/{name}.h"] = f"#ifndef {name.upper()}_H\n#define {name.upper()}_H\nint f_{name}(int x);\n#endif\n"
        includes = "".join(f'#include "{d}.h"\n' for d in deps)
        calls = " + ".join([f"f_{d}(x)" for d in deps] or ["x"])
        files[f"src/{name}.c"] = (
            f'#include "{name}.h"\n{includes}{_body(25, "//")}int f_{name}(int x) {{ return {calls}; }}\n'
        )
    return files


def _java(root: Path, layers: list[tuple[str, list[str]]]) -> dict[str, str]:
    files = {}
    for name, deps in layers:
        cls = name.capitalize()
        imports = "".join(f"import com.example.{d}.{d.capitalize()};\n" for d in deps)
        calls = " + ".join([f"{d.capitalize()}.run(x)" for d in deps] or ["x"])
        files[f"src/main/java/com/example/{name}/{cls}.java"] = (
            f"package com.example.{name};\n\n{imports}\n{_body(25, '//')}"
            f"public class {cls} {{\n    public static int run(int x) {{ return {calls}; }}\n}}\n"
        )
    return files


def _rust(root: Path, layers: list[tuple[str, list[str]]]) -> dict[str, str]:
    files = {}
    for name, deps in layers:
        uses = "".join(f"use crate::{d}::f_{d};\n" for d in deps)
        calls = " + ".join([f"f_{d}(x)" for d in deps] or ["x"])
        files[f"src/{name}.rs"] = f"{uses}{_body(25, '//')}pub fn f_{name}(x: i64) -> i64 {{ {calls} }}\n"
    files["src/lib.rs"] = "pub mod core;\n" + "".join(f"pub mod {name};\n" for name, _ in layers)
    return files


FIXTURES: dict[str, tuple[str, dict[str, str], Callable[[Path, list[tuple[str, list[str]]]], dict[str, str]], str]] = {
    "c": ("gcc", {"README": "c fixture\n"}, _c, 'for f in src/*.c; do gcc -fsyntax-only -Isrc "$f" || exit 1; done'),
    "java": (
        "javac",
        {"README": "java fixture\n"},
        _java,
        'out=$(mktemp -d) && javac -d "$out" $(find src -name "*.java"); rc=$?; rm -rf "$out"; exit $rc',
    ),
    "rust": (
        "cargo",
        {
            "Cargo.toml": '[package]\nname = "fixture"\nversion = "0.1.0"\nedition = "2021"\n',
            "src/lib.rs": "pub mod core;\n",
            "src/core.rs": "pub fn f_core(x: i64) -> i64 { x }\n",
            ".gitignore": "target/\n",
        },
        _rust,
        "cargo check --offline --quiet",
    ),
}


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _build(root: Path, base: dict[str, str], change: dict[str, str]) -> str:
    _git(root, "init", "-q", "-b", "main")
    for files, message in ((base, "base"), (change, "the big change")):
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        _git(root, "add", "-A")
        _git(root, "-c", "user.name=eval", "-c", "user.email=eval@example.com", "commit", "-q", "-m", message)
    return _git(root, "rev-parse", "HEAD").strip()


def main(*, quick: bool = False) -> bool:
    trees = True
    for language, (tool, base, make, check) in FIXTURES.items():
        if shutil.which(tool) is None:
            print(f"split fixtures: {language}: skipped ({tool} is not on this machine)")
            continue
        rows = []
        with tempfile.TemporaryDirectory(prefix=f"wtorch-split-{language}-") as tmp:
            for seed in (1,) if quick else (1, 2, 3):
                root = Path(tmp) / f"seed{seed}"
                root.mkdir()
                sha = _build(root, base, make(root, _layers(seed)))
                rows.append(evaluate(root, sha, 120, check))
        trees = report_rows(f"split fixtures: {language} ({tool}), budget 120 changed lines", rows) and trees
    return trees
