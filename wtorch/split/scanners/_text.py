"""Blank out comments and string literals so that import patterns only see code.

String literals are replaced by a placeholder ``\\x02<n>\\x03`` whose number indexes the list
of literal bodies, because some languages spell their imports as strings (Go, JS, C).
Newlines inside removed text are kept so that line-anchored patterns stay anchored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLACEHOLDER = r"\x02(\d+)\x03"

# One line only: an unterminated quote (a JS regex literal, an apostrophe in JSX text)
# then spoils at most the rest of its line instead of the rest of the file.
DQ_LINE = r'"(?:[^"\\\n]|\\.)*"'
SQ_LINE = r"'(?:[^'\\\n]|\\.)*'"
# Runs of plain characters, so the engine steps a run at a time: the same strings as
# '"""(?:[^\\]|\\.)*?(?:"""|\Z)', found many times faster in a long docstring.
DQ_LONG = r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)'
SQ_LONG = r"'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|\Z)"
_LINE_COMMENT = r"//[^\n]*"
_BLOCK_COMMENT = r"/\*.*?(?:\*/|\Z)"


@dataclass(frozen=True)
class Masked:
    """Code with literals replaced by placeholders, and the literal bodies."""

    code: str
    literals: tuple[str, ...]

    def literal(self, match_group: str) -> str:
        return self.literals[int(match_group)]


def _masker(comments: list[str], strings: list[tuple[str, int]]) -> re.Pattern[str]:
    """Strings are (pattern, quote length): the body is the match minus the quotes."""
    parts = [f"(?P<c{i}>{p})" for i, p in enumerate(comments)]
    parts += [f"(?P<s{i}_{q}>{p})" for i, (p, q) in enumerate(strings)]
    return re.compile("|".join(parts), re.S)


_LANGS: dict[str, re.Pattern[str]] = {
    "python": _masker(
        [r"#[^\n]*"],
        [(DQ_LONG, 3), (SQ_LONG, 3), (DQ_LINE, 1), (SQ_LINE, 1)],
    ),
    "go": _masker([_LINE_COMMENT, _BLOCK_COMMENT], [(DQ_LINE, 1), (r"`[^`]*`", 1), (SQ_LINE, 1)]),
    "js": _masker(
        [_LINE_COMMENT, _BLOCK_COMMENT],
        [(DQ_LINE, 1), (SQ_LINE, 1), (r"`(?:[^`\\]|\\.)*`", 1)],
    ),
    "java": _masker(
        [_LINE_COMMENT, _BLOCK_COMMENT],
        [(DQ_LONG, 3), (DQ_LINE, 1), (SQ_LINE, 1)],
    ),
    # A Rust char literal is one character or one escape: this keeps lifetimes ('a) out.
    "rust": _masker(
        [_LINE_COMMENT, _BLOCK_COMMENT],
        [
            (r'r(?P<h>#*)".*?"(?P=h)', 0),
            (r'"(?:[^"\\]|\\.)*"', 1),
            (r"'(?:\\(?:u\{[0-9a-fA-F]{1,6}\}|x[0-9a-fA-F]{2}|.)|[^'\\\n])'", 1),
        ],
    ),
    "c": _masker([_LINE_COMMENT, _BLOCK_COMMENT], [(DQ_LINE, 1), (SQ_LINE, 1)]),
}


def mask(text: str, lang: str) -> Masked:
    """Return ``text`` with comments blanked and literals replaced by placeholders."""
    literals: list[str] = []

    def replace(m: re.Match[str]) -> str:
        kind = m.lastgroup or ""
        body = m.group(0)
        newlines = "\n" * body.count("\n")
        if kind.startswith("c"):
            return " " + newlines
        quote = int(kind.rsplit("_", 1)[1])
        if quote == 0:  # a Rust raw string: r#"..."#
            inner = body[body.index('"') + 1 : body.rindex('"')]
        else:
            inner = body[quote:-quote] if len(body) >= 2 * quote else ""
        literals.append(inner)
        return f"\x02{len(literals) - 1}\x03{newlines}"

    # Windows line ends and a byte-order mark would defeat the line-anchored patterns.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    code = _LANGS[lang].sub(replace, text)
    return Masked(code, tuple(literals))
