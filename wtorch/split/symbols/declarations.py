"""Top-level declarations of Go, JavaScript/TypeScript, Java/Kotlin, Rust and C/C++ (by patterns).

Not a parser: comments and string literals are blanked first (``_text.mask``), then each
language's declaration forms are matched at the start of a line. A declaration's fingerprint
is its first line with the whitespace collapsed, so a change inside a body changes no
declaration, while a changed signature does.
"""

from __future__ import annotations

import posixpath
import re

from wtorch.split.scanners._text import PLACEHOLDER, mask
from wtorch.split.scanners.cfamily import HEADERS, SOURCES

_MODS = r"(?:(?:public|protected|private|static|final|abstract|sealed|open|data|internal|inline|suspend|default)\s+)*"
_PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "go": (
        re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)", re.M),
        re.compile(r"^(?:type|var|const)\s+(\w+)", re.M),
    ),
    "js": (
        re.compile(
            r"^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:async\s+)?(?:abstract\s+)?"
            r"(?:function\s*\*?|class|interface|type|enum|const|let|var|namespace)\s+([A-Za-z_$][\w$]*)",
            re.M,
        ),
    ),
    "java": (
        re.compile(r"^\s*" + _MODS + r"(?:class|interface|enum|record|object|fun|@interface)\s+(\w+)", re.M),
        re.compile(
            r"^[ \t]+(?:(?:public|protected|static|final|abstract|synchronized)\s+)+[\w<>\[\],.? ]+?\s(\w+)\s*\(", re.M
        ),
    ),
    "rust": (
        re.compile(
            r"^\s*(?:pub(?:\([^)\n]*\))?\s+)?(?:(?:unsafe|async|const|extern\s+\x02\d+\x03)\s+)*"
            r"(?:fn|struct|enum|trait|type|const|static|union|macro_rules!)\s*(\w+)",
            re.M,
        ),
    ),
    "c": (
        re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)", re.M),
        re.compile(r"^(?:typedef\s+)?(?:struct|union|enum|class|namespace)\s+(\w+)", re.M),
        re.compile(r"^typedef\b[^;{]*?(\w+)\s*;", re.M),
        re.compile(r"^(?!(?:if|for|while|switch|return|else|do|case)\b)[A-Za-z_][^\n;{}()#=]*?\b(\w+)\s*\(", re.M),
    ),
}
_LANG = {".go": "go", ".java": "java", ".kt": "java", ".rs": "rust"}
_LANG.update({ext: "js" for ext in (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")})
_LANG.update({ext: "c" for ext in HEADERS + SOURCES})
_GO_GROUP = re.compile(r"^(?:type|var|const)\s*\(([^)]*)\)", re.M)
_GO_MEMBER = re.compile(r"^\s*(\w+)[^\n]*", re.M)
_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_KEYWORDS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "main"})


def language(path: str) -> str | None:
    """The declaration language of ``path``, or None when its declarations are not read."""
    return _LANG.get(posixpath.splitext(path)[1].lower())


def declarations(path: str, text: str) -> dict[str, str]:
    """Name -> fingerprint (its declaration line, whitespace collapsed) of each top-level declaration."""
    lang = language(path)
    if lang is None:
        return {}
    masked = mask(text, lang)
    # The placeholders number the literals: put them back, or adding one renumbers the rest.
    code = re.sub(PLACEHOLDER, lambda m: repr(masked.literal(m.group(1))), masked.code)
    found: dict[str, str] = {}
    for pattern in _PATTERNS[lang]:
        for m in pattern.finditer(code):
            name = m.group(1)
            if name in _KEYWORDS:
                continue
            end = code.find("\n", m.start())
            line = code[m.start() : end if end >= 0 else len(code)]
            found[name] = found.get(name, "") + " ".join(line.split())
    if lang == "go":
        for group in _GO_GROUP.finditer(code):
            for m in _GO_MEMBER.finditer(group.group(1)):
                found[m.group(1)] = found.get(m.group(1), "") + " ".join(m.group(0).split())
    return found


def identifiers(path: str, text: str) -> frozenset[str]:
    """Every identifier the code of ``path`` mentions (comments and strings left out)."""
    lang = language(path)
    code = mask(text, lang).code if lang else text
    return frozenset(_IDENTIFIER.findall(code))
