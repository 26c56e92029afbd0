"""Go: single and grouped imports, resolved through the module path to a package directory."""

from __future__ import annotations

import re

from wtorch.split.scanners._text import PLACEHOLDER, mask
from wtorch.split.scanners.layout import Layout, join

_GROUP = re.compile(r"\bimport\s*\(([^)]*)\)")
_SINGLE = re.compile(r"\bimport\s+(?:[\w.]+\s+)?" + PLACEHOLDER)
_ENTRY = re.compile(r"(?:^|[;\s])(?:[\w.]+\s+)?" + PLACEHOLDER)


def import_specs(text: str) -> list[str]:
    masked = mask(text, "go")
    specs = [masked.literal(m.group(1)) for m in _SINGLE.finditer(masked.code)]
    for group in _GROUP.finditer(masked.code):
        specs += [masked.literal(m.group(1)) for m in _ENTRY.finditer(group.group(1))]
    return specs


def package_dir(import_path: str, layout: Layout) -> str | None:
    """The directory of an import path inside one of the repository's modules."""
    for module, directory in layout.go_modules:
        if import_path == module:
            return directory
        if import_path.startswith(module + "/"):
            return join(directory, import_path[len(module) + 1 :])
    return None


def targets(path: str, text: str, layout: Layout) -> set[str]:
    """Every .go file of each imported package (a package compiles as one)."""
    found: set[str] = set()
    for spec in import_specs(text):
        directory = package_dir(spec, layout)
        if directory is None:
            continue
        found.update(p for p in layout.files_in(directory) if p.endswith(".go"))
    found.discard(path)
    return found
