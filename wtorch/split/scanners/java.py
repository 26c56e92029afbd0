"""Java (and Kotlin): ``import a.b.C;``, ``import a.b.*;``, static imports, against the source roots."""

from __future__ import annotations

import re

from wtorch.split.scanners._text import mask
from wtorch.split.scanners.layout import Layout, join

# Kotlin ends the statement at the line end and may rename with ``as``.
_IMPORT = re.compile(
    r"^[ \t]*import\s+(static\s+)?([\w$]+(?:\s*\.\s*[\w$]+)*)(\s*\.\s*\*)?(?:[ \t]+as[ \t]+\w+)?[ \t]*(?:;|$)", re.M
)


def import_specs(text: str) -> list[tuple[str, bool]]:
    """(dotted name, wildcard) per import."""
    code = mask(text, "java").code
    return [(re.sub(r"\s+", "", m.group(2)), m.group(3) is not None) for m in _IMPORT.finditer(code)]


def _class_file(root: str, parts: list[str], layout: Layout) -> str | None:
    # a.b.C.Inner and static a.b.C.member live in a/b/C.java: try the longest prefix first.
    for end in range(len(parts), 0, -1):
        stem = join(root, "/".join(parts[:end]))
        if stem is not None and (hit := layout.first([stem + ".java", stem + ".kt"])):
            return hit
    return None


def targets(path: str, text: str, layout: Layout) -> set[str]:
    found: set[str] = set()
    for dotted, wildcard in import_specs(text):
        parts = dotted.split(".")
        for root in layout.java_roots:
            if wildcard:
                directory = join(root, "/".join(parts))
                if directory is not None:
                    found.update(p for p in layout.files_in(directory) if p.endswith((".java", ".kt")))
                # import static a.b.C.*: the members of class C.
                if (hit := _class_file(root, parts, layout)) is not None:
                    found.add(hit)
            elif (hit := _class_file(root, parts, layout)) is not None:
                found.add(hit)
    found.discard(path)
    return found
