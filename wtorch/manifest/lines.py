"""Where keys stand in a TOML file: tomllib gives values only, the messages need line numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator

Key = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(
    r"^\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*="
)


def _split_key(raw: str) -> list[str]:
    parts = re.findall(r"\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_-]+)", raw)
    return [next(p for p in groups if p) if any(groups) else "" for groups in parts]


def _bracket_delta(value: str) -> tuple[int, str | None]:
    """Net `[`/`{` depth change on a value line, skipping strings; the open multi-line quote, if any."""
    depth = 0
    i = 0
    while i < len(value):
        ch = value[i]
        if value.startswith(('"""', "'''"), i):
            quote = value[i : i + 3]
            end = value.find(quote, i + 3)
            if end < 0:
                return depth, quote
            i = end + 3
            continue
        if ch in "\"'":
            end = value.find(ch, i + 1)
            while ch == '"' and end > 0 and value[end - 1] == "\\":
                end = value.find(ch, end + 1)
            i = len(value) if end < 0 else end + 1
            continue
        if ch == "#":
            break
        depth += ch in "[{"
        depth -= ch in "]}"
        i += 1
    return depth, None


def _scan(text: str) -> Iterator[tuple[Key, int]]:
    table: Key = ()
    arrays: dict[str, int] = {}
    depth = 0
    open_quote: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if open_quote is not None:
            if open_quote in line:
                rest = line.split(open_quote, 1)[1]
                open_quote = None
                delta, open_quote = _bracket_delta(rest)
                depth += delta
            continue
        if depth > 0:
            delta, open_quote = _bracket_delta(line)
            depth += delta
            continue
        header = _HEADER.match(line)
        if header:
            name = tuple(_split_key(header.group(2)))
            if header.group(1) == "[[":
                dotted = ".".join(name)
                arrays[dotted] = arrays.get(dotted, -1) + 1
                table = (*name, arrays[dotted])
            else:
                table = name
            yield table, lineno
            continue
        assign = _ASSIGN.match(line)
        if assign:
            yield (*table, *_split_key(assign.group(1))), lineno
            delta, open_quote = _bracket_delta(line[assign.end() :])
            depth += delta


class LineIndex:
    """Maps key paths such as ("effort", 2, "depends_on") to the line they are written on."""

    def __init__(self, text: str) -> None:
        self._lines: dict[Key, int] = {}
        for key, lineno in _scan(text):
            self._lines.setdefault(key, lineno)

    def line(self, *key: str | int) -> int | None:
        """The line of `key`, else of the nearest enclosing table that has one."""
        path: Key = tuple(key)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return None
