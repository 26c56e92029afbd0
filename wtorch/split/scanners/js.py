"""JavaScript/TypeScript: static, re-export, side-effect, dynamic imports and ``require``."""

from __future__ import annotations

import re

from wtorch.split.scanners._text import PLACEHOLDER, mask
from wtorch.split.scanners.layout import Layout, join, parent

_PATTERNS = (
    re.compile(r"\bfrom\s*" + PLACEHOLDER),  # import … from 'x' / export … from 'x'
    re.compile(r"(?<![.\w$])import\s*\(?\s*" + PLACEHOLDER),  # import 'x' / import('x')
    re.compile(r"(?<![.\w$])require\s*\(\s*" + PLACEHOLDER),
)
EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
# TypeScript in ESM mode imports './x.js' while the file on disk is x.ts.
_EMITTED = {".js": (".ts", ".tsx"), ".jsx": (".tsx",), ".mjs": (".mts",), ".cjs": (".cts",)}


def import_specs(text: str) -> list[str]:
    masked = mask(text, "js")
    return [masked.literal(m.group(1)) for p in _PATTERNS for m in p.finditer(masked.code)]


def _candidates(stem: str) -> list[str]:
    out = [stem]
    for ext, sources in _EMITTED.items():
        if stem.endswith(ext):
            out += [stem[: -len(ext)] + s for s in sources]
    out += [stem + ext for ext in EXTENSIONS]
    out += [f"{stem}/index{ext}" for ext in EXTENSIONS]
    return out


def resolve(path: str, spec: str, layout: Layout) -> str | None:
    """Only relative specifiers: bare ones name packages, not files of this change."""
    if not spec.startswith(("./", "../")) and spec not in (".", ".."):
        return None
    stem = join(parent(path), spec.split("?", 1)[0])
    if stem is None:
        return None
    return layout.first(_candidates(stem))


def targets(path: str, text: str, layout: Layout) -> set[str]:
    found = {t for spec in import_specs(text) if (t := resolve(path, spec, layout))}
    found.discard(path)
    return found
