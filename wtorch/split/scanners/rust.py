"""Rust: ``mod x;`` declarations and ``use crate::…`` / ``self`` / ``super`` / workspace crates."""

from __future__ import annotations

import posixpath
import re

from wtorch.split.scanners._text import mask
from wtorch.split.scanners.layout import Layout, join, parent

_MOD = re.compile(r"(?<![\w:])mod\s+(r#)?(\w+)\s*;")
_USE = re.compile(r"(?<![\w:])use\s+([^;]+);")
_ROOT_NAMES = ("lib.rs", "main.rs", "mod.rs", "build.rs")
_TARGET_DIRS = ("tests", "examples", "benches", "src/bin")


def expand_use(tree: str) -> list[list[str]]:
    """``a::{b, c::{d, self}}`` -> [[a, b], [a, c, d], [a, c]]; globs and renames dropped."""
    tree = re.sub(r"\s+", "", re.sub(r"\s+as\s+\w+", "", tree))
    out: list[list[str]] = []

    def walk(prefix: list[str], s: str) -> None:
        if "{" not in s:
            segs = [x for x in s.split("::") if x and x != "*"]
            if segs and segs[-1] == "self":
                segs = segs[:-1]
            out.append(prefix + segs)
            return
        head, _, rest = s.partition("{")
        inner = rest[: rest.rfind("}")] if "}" in rest else rest
        base = prefix + [x for x in head.split("::") if x]
        for item in _split_top(inner):
            walk(base, item)

    walk([], tree)
    return [p for p in out if p]


def _split_top(s: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return [p for p in parts if p]


def _is_crate_root(path: str, layout: Layout) -> bool:
    name = posixpath.basename(path)
    crate = layout.crate_dir(path)
    if crate is None:
        return name in ("lib.rs", "main.rs")
    rel = path[len(crate) + 1 :] if crate else path
    return rel in ("src/lib.rs", "src/main.rs", "build.rs") or parent(rel) in _TARGET_DIRS


def module_dir(path: str, layout: Layout) -> str:
    """Where ``mod x;`` in ``path`` looks for x.rs / x/mod.rs."""
    if posixpath.basename(path) in _ROOT_NAMES or _is_crate_root(path, layout):
        return parent(path)
    return path[: -len(".rs")]


def _crate_src(path: str, layout: Layout) -> tuple[str, list[str]] | None:
    """The source directory of the crate owning ``path`` and ``path``'s module segments."""
    crate = layout.crate_dir(path)
    src = join(crate or "", "src") or "src"
    if not path.startswith(src + "/"):
        return None
    rel = path[len(src) + 1 : -len(".rs")].split("/")
    if rel[-1] in ("lib", "main", "mod"):
        rel = rel[:-1]
    if rel and rel[0] == "bin":
        return None
    return src, rel


def _module_file(src: str, segs: list[str], layout: Layout) -> str | None:
    # crate::a::b::Item: the deepest module file that exists; the crate root itself is left
    # out because lib.rs declaring `mod a;` already orders it after a.rs.
    for end in range(len(segs), 0, -1):
        stem = join(src, "/".join(segs[:end]))
        if stem is not None and (hit := layout.first([stem + ".rs", stem + "/mod.rs"])):
            return hit
    return None


def _resolve_use(path: str, segs: list[str], layout: Layout) -> str | None:
    here = _crate_src(path, layout)
    head = segs[0]
    if head == "crate" and here:
        return _module_file(here[0], segs[1:], layout)
    if head in ("self", "super") and here:
        module = list(here[1])
        while segs and segs[0] in ("self", "super"):
            if segs[0] == "super" and module:
                module.pop()
            segs = segs[1:]
        return _module_file(here[0], module + segs, layout)
    if head in layout.rust_crates:
        return _module_file(join(layout.rust_crates[head], "src") or "src", segs[1:], layout) or (
            layout.first([join(layout.rust_crates[head], "src/lib.rs")])
        )
    if here:  # 2015 edition paths are relative to the crate root
        return _module_file(here[0], segs, layout)
    return None


def targets(path: str, text: str, layout: Layout) -> set[str]:
    code = mask(text, "rust").code
    found: set[str] = set()
    directory = module_dir(path, layout)
    for m in _MOD.finditer(code):
        stem = join(directory, m.group(2))
        if stem is not None and (hit := layout.first([stem + ".rs", stem + "/mod.rs"])):
            found.add(hit)
    for m in _USE.finditer(code):
        for segs in expand_use(m.group(1)):
            if (hit := _resolve_use(path, segs, layout)) is not None:
                found.add(hit)
    found.discard(path)
    return found
