"""Output that is not going to a terminal, written without rich.

Piped or captured output carries no colour, so the styles that rich's markup names would be
dropped anyway; importing and running rich to drop them was a fifth of a quick command's time.
`PlainConsole` writes strings itself (markup taken out by rich's rules: `[style]` tags go,
`\\[` is a literal bracket) and hands anything else — a rich Table, a Rule — to a real Console
made on first need, so every renderer keeps one `print`. Unlike rich, it does not wrap long lines
(a script reading the output gets each line whole); tables are still fitted to the width.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import Any

# A tag: `[` then a letter, `#`, `/` or `@`, up to the first `]` with no `[` before it; the
# backslashes before it decide whether it is a tag (even count) or literal text (odd).
_TAG = re.compile(r"(\\*)\[([a-z#/@][^[]*?)]")


def escape(text: str) -> str:
    """`text` as markup that shows as itself (rich's `escape`, without importing rich)."""
    text = _TAG.sub(lambda m: f"{m.group(1)}{m.group(1)}\\[{m.group(2)}]", text)
    return text + "\\" if text.endswith("\\") and not text.endswith("\\\\") else text


def strip_markup(text: str) -> str:
    """The text rich would show for `text` read as markup, without its styles."""
    if "[" not in text:
        return text
    pieces, position = [], 0
    for match in _TAG.finditer(text):
        # Between tags, `\[` is an escaped bracket that opens no tag.
        pieces.append(text[position : match.start()].replace("\\[", "["))
        backslashes, escaped = divmod(len(match.group(1)), 2)
        pieces.append("\\" * backslashes + (f"[{match.group(2)}]" if escaped else ""))
        position = match.end()
    pieces.append(text[position:].replace("\\[", "["))
    return "".join(pieces)


def cell_len(text: str) -> int:
    """Terminal cells a string takes."""
    if text.isascii() and text.isprintable():
        return len(text)
    from rich.cells import cell_len as length

    return length(text)


_WORD = re.compile(r"\s*\S+\s*")


def wrapped(text: str, width: int) -> str:
    """`text` wrapped at `width` cells where rich wraps it: before a word that does not fit (a word
    carries the spaces after it), a word wider than a line folded; spaces past the edge dropped."""
    lines: list[str] = []
    for line in text.split("\n"):
        lines += [line] if cell_len(line) <= width else [_trimmed(part, width) for part in _divided(line, width)]
    return "\n".join(lines)


def _divided(line: str, width: int) -> list[str]:
    words = _WORD.findall(line)
    if not words:  # spaces only
        return [line]
    parts: list[str] = []
    current, used = "", 0
    for word in words:
        length = cell_len(word.rstrip())
        if width - used >= length:
            current, used = current + word, used + cell_len(word)
        elif length > width:
            pieces = _chopped(word, width)
            for piece in pieces:
                if current or parts:
                    parts.append(current)
                current = piece
            used = cell_len(pieces[-1])
        else:
            if used:
                parts.append(current)
                current = ""
            current, used = current + word, cell_len(word)
    return [*parts, current]


def _chopped(word: str, width: int) -> list[str]:
    if word.isascii():
        return [word[i : i + width] for i in range(0, len(word), width)]
    from rich.cells import chop_cells

    return list(chop_cells(word, width))


def _trimmed(line: str, width: int) -> str:
    """Spaces past the edge dropped (counted in characters, as rich does), then the line cut at the edge."""
    excess = len(line) - width
    if excess > 0:
        spaces = len(line) - len(line.rstrip())
        line = line[: len(line) - min(spaces, excess)]
    if cell_len(line) <= width:
        return line
    kept, used = [], 0
    for char in line:
        used += cell_len(char)
        if used > width:
            break
        kept.append(char)
    return "".join(kept)


def colourless() -> bool:
    """Whether rich would write to stdout without colour or cursor codes: not a terminal, and no
    environment variable (`TTY_COMPATIBLE`, `FORCE_COLOR`) saying to treat it as one."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "0"
    if os.environ.get("FORCE_COLOR") is not None:
        return os.environ["FORCE_COLOR"] == ""
    try:
        return not sys.stdout.isatty()
    except ValueError:  # closed
        return True


class PlainConsole:
    """What the renderers use of rich's Console, for output that is not a terminal."""

    is_terminal = False

    def __init__(self, width: int, rich: Callable[[int], Any]) -> None:
        self.width = width
        self._make_rich = rich
        self._rich: Any = None

    @property
    def file(self) -> Any:
        return sys.stdout

    @property
    def encoding(self) -> str:
        return (getattr(sys.stdout, "encoding", None) or "utf-8").lower()

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", markup: bool | None = None, **rest: Any) -> None:
        if not all(isinstance(o, str) for o in objects) or rest.get("style"):
            self.rich().print(*objects, sep=sep, end=end, markup=markup, **rest)
            return
        text = sep.join(objects)
        text = text if markup is False else strip_markup(text)
        if not rest.get("soft_wrap") and not rest.get("no_wrap"):
            text = wrapped(text, self.width)
        sys.stdout.write(text + end)

    def rich(self) -> Any:
        """A real Console, for what only rich can draw (at this console's width)."""
        if self._rich is None:
            self._rich = self._make_rich(self.width)
        self._rich.width = self.width
        return self._rich
