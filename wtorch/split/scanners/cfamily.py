"""C and C++: ``#include "x.h"`` (and ``<x.h>`` when the header is in the repository)."""

from __future__ import annotations

import re

from wtorch.split.scanners._text import PLACEHOLDER, mask
from wtorch.split.scanners.layout import Layout, join, parent

_QUOTED = re.compile(r"^[ \t]*#[ \t]*(?:include|import)[ \t]*" + PLACEHOLDER, re.M)
_ANGLED = re.compile(r"^[ \t]*#[ \t]*(?:include|import)[ \t]*<([^>\n]+)>", re.M)
HEADERS = (".h", ".hh", ".hpp", ".hxx", ".h++", ".inl", ".ipp", ".tcc")
SOURCES = (".c", ".cc", ".cpp", ".cxx", ".c++", ".m", ".mm", ".cu")


def import_specs(text: str) -> list[tuple[str, bool]]:
    """(header, quoted) per include."""
    masked = mask(text, "c")
    quoted = [(masked.literal(m.group(1)), True) for m in _QUOTED.finditer(masked.code)]
    return quoted + [(m.group(1).strip(), False) for m in _ANGLED.finditer(masked.code)]


def resolve(path: str, header: str, quoted: bool, layout: Layout) -> str | None:
    """The includer's directory first (quoted only), then each ancestor and its include/."""
    candidates: list[str | None] = [join(parent(path), header)] if quoted else []
    directory: str | None = parent(path)
    while directory is not None:
        candidates += [join(directory, header), join(directory, "include", header)]
        directory = parent(directory) if directory else None
    return layout.first(candidates)


def targets(path: str, text: str, layout: Layout) -> set[str]:
    found = {t for h, q in import_specs(text) if (t := resolve(path, h, q, layout))}
    found.discard(path)
    return found
