"""Gitignore-style globs for `gate.exclude`, matched against repository paths. Pure: no git, no I/O.

Supported, as in `.gitignore`: `*` and `?` (never across `/`), `[abc]`, `[a-z]`, `[!a]` / `[^a]`,
`**` as a whole path segment (`**/x`, `x/**`, `a/**/b`), a leading `/` or a `/` inside the pattern
anchoring it at the repository root (otherwise it matches at any depth), a trailing `/` matching
directories only, and `\\` escaping the next character. A pattern that matches a directory matches
everything below it. Not supported (rejected, so nothing silently means something else): negation
(`!x`), comments (`#x`), POSIX classes (`[[:alpha:]]`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Glob:
    pattern: str
    regex: re.Pattern[str]
    dir_only: bool

    def matches(self, path: str) -> bool:
        """Whether `path` (slash-separated, relative to the top) or one of its directories matches."""
        parts = path.split("/")
        if not self.dir_only and self.regex.fullmatch(path):
            return True
        return any(self.regex.fullmatch("/".join(parts[:depth])) for depth in range(1, len(parts)))


def compile_glob(pattern: str) -> Glob:
    """A compiled pattern; ValueError (with the reason) for one that is empty or unsupported."""
    if pattern.startswith("!"):
        raise ValueError(f"{pattern!r}: negation ('!') is not supported; list only what to exclude")
    if pattern.startswith("#"):
        raise ValueError(f"{pattern!r}: a leading '#' makes a comment in gitignore; write '\\#' for a literal '#'")
    body = pattern
    dir_only = body.endswith("/") and not body.endswith("\\/")
    if dir_only:
        body = body[:-1]
    anchored = "/" in body
    body = body.removeprefix("/")
    if not body:
        raise ValueError(f"{pattern!r}: the pattern is empty")
    segments = body.split("/")
    regex = [] if anchored else ["(?:.*/)?"]
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            regex.append(".*" if last else "(?:.*/)?")
        else:
            regex.append(_segment(segment, pattern))
            if not last:
                regex.append("/")
    return Glob(pattern, re.compile("".join(regex), re.DOTALL), dir_only)


def _segment(segment: str, pattern: str) -> str:
    out = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "\\" and i + 1 < len(segment):
            out.append(re.escape(segment[i + 1]))
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            text, i = _bracket(segment, i, pattern)
            out.append(text)
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def _bracket(segment: str, start: int, pattern: str) -> tuple[str, int]:
    """The regex for the bracket expression at segment[start] and the index after it.

    As in git's wildmatch: `!` or `^` first negates, a `]` first is literal, and a `[` with no
    closing `]` is a literal `[`. A bracket never matches `/`.
    """
    i = start + 1
    negate = i < len(segment) and segment[i] in "!^"
    i += negate
    members = []
    first = True
    while i < len(segment) and (segment[i] != "]" or first):
        char = segment[i]
        if char == "[" and segment[i + 1 : i + 2] == ":":
            raise ValueError(f"{pattern!r}: POSIX character classes ([[:name:]]) are not supported")
        if char == "\\" and i + 1 < len(segment):
            i += 1
            char = segment[i]
            members.append(re.escape(char))
        else:
            members.append("-" if char == "-" else re.escape(char))
        first = False
        i += 1
    if i >= len(segment):
        return re.escape("["), start + 1
    inner = "".join(members)
    return (f"[^/{inner}]" if negate else f"(?!/)[{inner}]"), i + 1
