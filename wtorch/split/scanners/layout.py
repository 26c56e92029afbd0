"""What the scanners know about the repository tree: its paths and the roots found in them."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_GO_MODULE = re.compile(r'^\s*module\s+"?([^\s"]+)"?', re.M)
_JAVA_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
_CARGO_NAME = re.compile(r'^\[package\][^\[]*?^\s*name\s*=\s*"([^"]+)"', re.M | re.S)


def parent(path: str) -> str:
    """The directory of ``path``, "" at the root: ``posixpath.dirname``, without its generality
    (it is asked for every importer and every module looked up)."""
    head = path[: path.rfind("/") + 1]
    return head.rstrip("/") or head


def join(*parts: str) -> str | None:
    """Join and normalise; None when the result climbs out of the repository."""
    joined = posixpath.normpath(posixpath.join(*[p for p in parts if p]))
    if joined == "." or joined.startswith("../") or joined == ".." or joined.startswith("/"):
        return None
    return joined


@dataclass
class Layout:
    """The file paths of one tree, indexed for import resolution."""

    paths: frozenset[str]
    by_dir: dict[str, list[str]] = field(default_factory=dict)
    python_roots: tuple[str, ...] = ()
    java_roots: tuple[str, ...] = ()
    go_modules: tuple[tuple[str, str], ...] = ()
    rust_crates: dict[str, str] = field(default_factory=dict)
    cargo_dirs: tuple[str, ...] = ()
    # Answers already found (a change's modules import the same few names over and over).
    files: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(base directory, dotted name) -> the module file it names."""
    roots: dict[str, list[str]] = field(default_factory=dict)
    """Directory -> the roots its Python files import from."""
    resolved: dict[tuple[str, str], str | None] = field(default_factory=dict)
    """(importer's directory, dotted name) -> the module file an absolute import finds."""

    def files_in(self, directory: str) -> list[str]:
        return self.by_dir.get(directory, [])

    def first(self, candidates: Iterable[str | None]) -> str | None:
        for c in candidates:
            if c is not None and c in self.paths:
                return c
        return None

    def crate_dir(self, path: str) -> str | None:
        """The directory of the Cargo.toml that owns ``path`` (deepest wins)."""
        for d in self.cargo_dirs:
            if d == "" or path.startswith(d + "/"):
                return d
        return None


def build_layout(paths: Iterable[str], texts: Mapping[str, str], *, go_module: str | None = None) -> Layout:
    """Index ``paths``; ``texts`` supplies go.mod, Cargo.toml and Java package lines when known."""
    all_paths = frozenset(paths)
    by_dir: dict[str, list[str]] = defaultdict(list)
    for p in sorted(all_paths):
        by_dir[p.rpartition("/")[0]].append(p)
    # The manifests of other languages, found in one pass (a tree may hold tens of thousands of paths).
    java = [p for p in all_paths if p.endswith((".java", ".kt"))]
    cargo = sorted(p for p in all_paths if p == "Cargo.toml" or p.endswith("/Cargo.toml"))
    gomod = [p for p in all_paths if p == "go.mod" or p.endswith("/go.mod")]
    return Layout(
        paths=all_paths,
        by_dir=dict(by_dir),
        python_roots=_python_roots(all_paths),
        java_roots=_java_roots(java, texts),
        go_modules=_go_modules(gomod, texts, go_module),
        rust_crates=_rust_crates(cargo, texts),
        cargo_dirs=tuple(sorted((parent(p) for p in cargo), key=lambda d: (-len(d), d))),
    )


def _python_roots(paths: frozenset[str]) -> tuple[str, ...]:
    """Directories that hold a top-level package (or a ``src/`` of plain modules)."""
    roots = {""}
    for p in paths:
        if not p.endswith("/__init__.py"):
            continue
        package = parent(p)
        above = parent(package)
        if join(above, "__init__.py") not in paths:
            roots.add(above)
    if "src/__init__.py" not in paths and any(p.startswith("src/") and p.endswith(".py") for p in paths):
        roots.add("src")
    return tuple(sorted(roots, key=lambda r: (r.count("/") + (r != ""), r)))


def _java_roots(paths: Iterable[str], texts: Mapping[str, str]) -> tuple[str, ...]:
    roots: set[str] = set()
    for p in paths:
        text = texts.get(p)
        if text is not None and (m := _JAVA_PACKAGE.search(text[:4000])):
            package_dir = m.group(1).replace(".", "/")
            directory = parent(p)
            if directory == package_dir:
                roots.add("")
            elif directory.endswith("/" + package_dir):
                roots.add(directory[: -len(package_dir) - 1])
            continue
        # No package line to go by: take the conventional source roots on the way down.
        parts = p.split("/")
        for i, part in enumerate(parts[:-1]):
            if part in ("java", "kotlin", "src"):
                roots.add("/".join(parts[: i + 1]))
    return tuple(sorted(roots))


def _go_modules(paths: Iterable[str], texts: Mapping[str, str], go_module: str | None) -> tuple[tuple[str, str], ...]:
    modules: dict[str, str] = {}
    for p in paths:
        if p not in texts:
            continue
        if m := _GO_MODULE.search(texts[p]):
            modules[m.group(1)] = parent(p)
    if go_module:
        modules[go_module] = ""
    # Longest module path first, so a nested module wins over its parent.
    return tuple(sorted(modules.items(), key=lambda kv: (-len(kv[0]), kv[0])))


def _rust_crates(paths: Iterable[str], texts: Mapping[str, str]) -> dict[str, str]:
    """Crate name (as written in ``use``) -> crate directory (``paths``: the Cargo.toml files, sorted)."""
    crates: dict[str, str] = {}
    for p in paths:
        directory = parent(p)
        name = None
        if p in texts and (m := _CARGO_NAME.search(texts[p])):
            name = m.group(1)
        elif directory:
            name = posixpath.basename(directory)
        if name:
            crates[name.replace("-", "_")] = directory
    return crates
