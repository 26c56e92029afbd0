"""Import scanners: source text in, the repository files it imports out (no git, no I/O)."""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from wtorch.split.scanners import cfamily, golang, java, js, python, rust
from wtorch.split.scanners.layout import Layout, build_layout

Scanner = Callable[[str, str, Layout], set[str]]

_BY_EXTENSION: dict[str, Scanner] = {
    ".py": python.targets,
    ".pyi": python.targets,
    ".go": golang.targets,
    ".java": java.targets,
    ".kt": java.targets,
    ".rs": rust.targets,
}
_BY_EXTENSION.update(
    {ext: js.targets for ext in (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".vue", ".svelte")}
)
_BY_EXTENSION.update({ext: cfamily.targets for ext in cfamily.HEADERS + cfamily.SOURCES})


def scanner_for(path: str) -> Scanner | None:
    """The scanner for ``path``'s language, or None when imports are not understood."""
    return _BY_EXTENSION.get(posixpath.splitext(path)[1].lower())


def scan(path: str, text: str, layout: Layout) -> set[str]:
    """Files of ``layout`` that ``path`` imports; empty for languages without a scanner."""
    scanner = scanner_for(path)
    return scanner(path, text, layout) if scanner else set()


__all__ = ["Layout", "build_layout", "scan", "scanner_for"]
