"""Python source cut into its top-level statements by lines, without parsing it (pure).

A top-level statement starts on a line at column 0 that is not blank, a comment, a closing
bracket, a clause of the statement before (``else``, ``elif``, ``except``, ``finally``), a line
after a backslash, or a line inside a triple-quoted string; decorators start what they decorate.
It ends at its last line of code (blank and comment lines after it belong to nobody). What a
statement defines is read from its first line where that line says it all (``def f``,
``class C``, ``X = ...``, an import); for the rest (``if``/``try`` blocks, tuple targets) the
statement alone is parsed. Parsing a whole module costs far more than reading its lines: only the
statements a change touches are parsed (``symbols.python``).

The scan can be wrong only on code no formatter writes (a statement's continuation at column 0
inside brackets); such a segment does not parse when it is parsed, and the module is then read
from its whole syntax tree instead. ``scan`` returns None where it cannot tell strings apart
(a triple quote inside a comment or a one-line string).
"""

from __future__ import annotations

import ast
import keyword
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

DEF, CLASS, IMPORT, OTHER = "def", "class", "import", "other"

_START = re.compile(r"^[^\s#)\]}]", re.M)
_NOT_START = frozenset(" \t\f\n#)]}")
_IMPORT_LINE = re.compile(r"[ \t]*(?:import|from)[ \t.]")
_NEXT_IMPORT = re.compile(r"\n[ \t]*(?:import|from)[ \t.]")  # from one newline to the next, as _NEXT_CODE
_DECORATED = re.compile(r"\n(?=[^\s#)\]}])")
_CLAUSE = re.compile(r"(?:else|elif|except|finally)\b")
# What _START finds, less clauses and lines after a backslash, in one search that jumps from one
# newline to the next (a pattern that starts with ``^`` tries every character); the test most
# lines fail comes first.
_FIRST_CODE = re.compile(r"(?!(?:else|elif|except|finally)\b)[^\s#)\]}]")
_NEXT_CODE = re.compile(r"\n(?=[^\s#)\]}])(?<!\\\n)(?!(?:else|elif|except|finally)\b)")
# Written as runs of plain characters: the engine then steps a run at a time, not a character.
_LONG = re.compile(
    r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|\Z)|\'\'\'[^\'\\]*(?:(?:\\.|\'(?!\'\'))[^\'\\]*)*(?:\'\'\'|\Z)', re.S
)
_HEAD = re.compile(
    r"(?:async[ \t]+)?def[ \t]+(?P<def>\w+)|class[ \t]+(?P<cls>\w+)|(?P<imp>import|from)[ \t.]"
    r"|(?P<name>[A-Za-z_]\w*)[ \t]*(?P<op>:(?!=)|(?:[-+*/%&|^@]|//|\*\*|<<|>>)?=(?!=))"
)
_LONE_EQ = re.compile(r"(?<![=!<>:])=(?!=)")
_COMPOUND = frozenset({"if", "for", "while", "with", "try", "async", "match", "def", "class"})
_KEYWORDS = frozenset(keyword.kwlist)
_DOTTED = re.compile(r"[^\W\d]\w*(?:[ \t]*\.[ \t]*[^\W\d]\w*)*")
_NAME = re.compile(r"[^\W\d]\w*")
_FROM = re.compile(r"from[ \t]+(\.*)[ \t]*([\w. \t]*?)[ \t]+import(?![\w.])[ \t]*(.*)", re.S)
_PLAIN = re.compile(r"import(?![\w.])[ \t]+(.*)", re.S)
_COMMENT = re.compile(r"#[^\n]*")
# The import statements most lines hold (one line, no alias, no comment): read by one match each;
# they read as the general patterns above would read them.
_SIMPLE_FROM = re.compile(
    r"from[ \t]+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[ \t]+import[ \t]+([A-Za-z_]\w*(?:[ \t]*,[ \t]*[A-Za-z_]\w*)*)"
)
_SIMPLE_IMPORT = re.compile(
    r"import[ \t]+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:[ \t]*,[ \t]*[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)*)"
)


Spans = list[tuple[int, int]]
"""Where the triple-quoted strings that span lines are: (start, end) offsets, in order."""


@dataclass(slots=True)
class Segment:
    """One top-level statement (or, where the scan merged them, a few): lines are 1-based."""

    pos: int
    """Offset of its first character."""
    start: int
    end: int
    text: str
    kind: str
    name: str
    """The name a def or class defines; "" otherwise."""
    names: frozenset[str] | None
    """Top-level names it binds; None when only its syntax tree can say."""
    imports: tuple[ast.Import | ast.ImportFrom, ...] = ()
    """For an import statement: the statement, as the syntax tree would give it."""


def normalise(text: str) -> str:
    if "\r" in text:  # one pass over the text, not two, when it has none (most texts)
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.removeprefix("\ufeff")


def scan(text: str, spans: Spans, begin: int = 0, stop: int | None = None) -> list[Segment]:
    """The top-level statements of ``text`` (normalised) that start in ``[begin, stop)``, in order;
    ``begin`` is the start of a statement (or of the text), ``spans`` are ``long_strings(text)``."""
    stop = len(text) if stop is None else stop
    starts = _line_starts(text, begin, stop)
    if spans:
        starts = [pos for pos in starts if not _within(spans, pos)]
    if text.find("@", begin, stop) >= 0:
        starts = _undecorated(text, starts)
    if not starts:
        return []
    segments = []
    line = text.count("\n", 0, starts[0]) + 1
    for pos, end in zip(starts, [*starts[1:], stop], strict=True):
        body = _trimmed(text, pos, end, spans)
        kind, name, names, imports = read(body)
        segments.append(Segment(pos, line, line + body.count("\n"), body, kind, name, names, imports))
        line += text.count("\n", pos, end)
    return segments


def _line_starts(text: str, begin: int, stop: int) -> list[int]:
    """Where a top-level statement could start in ``[begin, stop)``, strings aside: the lines at
    column 0 that are code and not a clause of the statement before nor continue a line."""
    # Past ``stop`` the search sees as far as a clause's keyword and the character after it reach.
    found = [m.end() for m in _NEXT_CODE.finditer(text, begin, stop + len("finally") + 1) if m.end() < stop]
    if (
        begin < stop
        and (begin == 0 or text[begin - 1] == "\n")
        and not (begin > 1 and text[begin - 2] == "\\")
        and _FIRST_CODE.match(text, begin)
    ):
        found.insert(0, begin)
    return found


def _undecorated(text: str, starts: list[int]) -> list[int]:
    """The starts less those of decorated lines: a decorator starts what it decorates."""
    found = []
    decorated = False
    for pos in starts:
        if not decorated:
            found.append(pos)
        decorated = text[pos] == "@"
    return found


def long_strings(text: str) -> Spans | None:
    """Where the triple-quoted strings that span lines are; None when quotes are ambiguous (a
    triple quote that may sit in a comment or a one-line string: only the parser can tell)."""
    if '"""' not in text and "'''" not in text:
        return []
    spans = []
    for m in _LONG.finditer(text):
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = text[line_start : m.start()]
        if "#" in before or before.count('"') % 2 or before.count("'") % 2:
            return None
        if "\n" in m.group():
            spans.append((m.start(), m.end()))
    return spans


def _within(spans: Spans, pos: int) -> bool:
    k = bisect_right(spans, (pos, 1 << 62)) - 1
    return k >= 0 and spans[k][0] < pos < spans[k][1]


def _trimmed(text: str, start: int, end: int, spans: Spans) -> str:
    """The statement's text without the blank and comment lines after it."""
    body = text[start:end].rstrip()
    if "#" not in body:
        return body
    while (cut := body.rfind("\n")) > 0 and body[cut + 1 :].lstrip().startswith("#"):
        if spans and _within(spans, start + cut + 1):
            break  # a line of a string that only looks like a comment
        body = body[:cut].rstrip()
    return body


def _starts(text: str, pos: int, spans: Spans) -> bool:
    """Could a top-level statement start at ``pos`` (a line start)? Decorators aside."""
    if pos >= len(text) or text[pos] in _NOT_START or _CLAUSE.match(text, pos):
        return False
    return not ((pos > 1 and text[pos - 2] == "\\") or (spans and _within(spans, pos)))


def _decorated(text: str, pos: int) -> bool:
    """Is the line at ``pos`` decorated: is the code line above it at column 0 a decorator?"""
    while pos > 0:
        pos = text.rfind("\n", 0, pos - 1) + 1
        if text[pos] not in _NOT_START:
            return text[pos] == "@"
    return False


def region(old: str, new: str, spans: tuple[Spans, Spans]) -> tuple[int, int, int]:
    """Where two versions of a module differ, widened to whole top-level statements: the offset
    where that starts (the same in both), and where it ends in ``old`` and in ``new``. Before and
    after it both have the same statements."""
    shared = _common_prefix(old, new)
    tail = _common_suffix(old, new, min(len(old), len(new)) - shared)
    begin = old.rfind("\n", 0, shared) + 1
    while begin > 0 and not (_starts(old, begin, spans[0]) and _starts(new, begin, spans[1])):
        begin = old.rfind("\n", 0, begin - 1) + 1
    while begin > 0 and _decorated(old, begin):
        begin = old.rfind("\n", 0, begin - 1) + 1
        while begin > 0 and old[begin] != "@":
            begin = old.rfind("\n", 0, begin - 1) + 1
    shift = len(new) - len(old)
    q = len(old) - tail
    if q > 0 and old[q - 1] != "\n":
        q = old.find("\n", q) + 1 or len(old)
    for m in _START.finditer(old, q):
        x, y = m.start(), m.start() + shift
        if _boundary(old, new, x, y, spans):
            return begin, x, y
    return begin, len(old), len(new)


def _boundary(old: str, new: str, x: int, y: int, spans: tuple[Spans, Spans]) -> bool:
    """Does a statement start at ``x`` in ``old`` and at ``y`` in ``new``, after the same text? (The
    same text may follow a line start at one end and indentation at the other.)"""
    if y and new[y - 1] != "\n":
        return False
    if not (_starts(old, x, spans[0]) and _starts(new, y, spans[1])):
        return False
    return not (_decorated(old, x) or _decorated(new, y))


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))
    if a.startswith(b[:hi]):
        return hi  # one end extends the other (a change that appends)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a.startswith(b[lo:mid], lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a.endswith(b[len(b) - mid : len(b) - lo], 0, len(a) - lo):
            lo = mid
        else:
            hi = mid - 1
    return lo


def import_lines(text: str, spans: Spans) -> list[tuple[bool, str]] | None:
    """Each import statement, nested ones too, in order: (indented?, its text); None when one does
    not end where expected (the parser then decides)."""
    found = []
    starts = [m.start() + 1 for m in _NEXT_IMPORT.finditer(text)]
    if _IMPORT_LINE.match(text):
        starts.insert(0, 0)
    for pos in starts:
        if spans and _within(spans, pos):
            continue
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line = text[pos:end]
        if "(" in line and "(" in line.split("#", 1)[0]:
            close = text.find(")", pos)
            if close < 0:
                return None
            end = text.find("\n", close)
            end = len(text) if end < 0 else end
        while text[pos:end].endswith("\\") and end < len(text):
            end = text.find("\n", end + 1)
            end = len(text) if end < 0 else end
        statement = text[pos:end]
        found.append((statement[:1] in " \t", statement.lstrip()))
    return found


def forget() -> None:
    """Drop the statements read so far (kept while one change is read: its two ends share most)."""
    read.cache_clear()


@lru_cache(maxsize=1 << 16)
def read(text: str) -> tuple[str, str, frozenset[str] | None, tuple[ast.Import | ast.ImportFrom, ...]]:
    """What a statement is and binds, from its text (the same text at both ends is read once)."""
    head = text
    while head.startswith("@") and (m := _DECORATED.search(head)) is not None:
        head = head[m.end() :]
    m = _HEAD.match(head)
    if m is None:
        return OTHER, "", _plain_names(head, text), ()
    if name := m.group("def"):
        return DEF, name, frozenset({name}), ()
    if name := m.group("cls"):
        return CLASS, name, frozenset({name}), ()
    if m.group("imp"):
        found = import_statement(text)
        if found is None:
            return IMPORT, "", None, ()
        return IMPORT, "", frozenset(a.asname or a.name.split(".")[0] for a in found.names) - {"*"}, (found,)
    name, op = m.group("name"), m.group("op")
    if name in _KEYWORDS or (op == "=" and not _single_target(text[m.end() :])):
        return OTHER, "", None, ()
    return OTHER, "", frozenset({name}), ()


def _plain_names(head: str, text: str) -> frozenset[str] | None:
    """An expression statement binds nothing; anything else is left to the parser."""
    word = _NAME.match(head)
    if (word is not None and word.group() in _COMPOUND) or not _single_target(text):
        return None
    return frozenset()


def _single_target(rest: str) -> bool:
    """No (further) ``=`` outside brackets: the statement has no (other) assignment target."""
    for m in _LONE_EQ.finditer(rest):
        before = rest[: m.start()]
        depth = sum(before.count(c) for c in "([{") - sum(before.count(c) for c in ")]}")
        if depth <= 0:
            return False
    return True


def import_statement(text: str) -> ast.Import | ast.ImportFrom | None:
    """One import statement read from its text (as ``ast`` gives it); None when it is not one
    plain statement (several on one line, or anything unexpected: the parser then decides)."""
    if m := _SIMPLE_FROM.fullmatch(text):
        return ast.ImportFrom(module=m.group(1), names=_plain_aliases(m.group(2)), level=0)
    if m := _SIMPLE_IMPORT.fullmatch(text):
        return ast.Import(names=_plain_aliases(m.group(1)))
    code = _COMMENT.sub("", text).replace("\\\n", " ")
    if ";" in code:
        return None
    if m := _FROM.fullmatch(code.strip()):
        dots, module, names = m.group(1), "".join(m.group(2).split()), m.group(3).strip()
        if (module and not _DOTTED.fullmatch(module)) or not (dots or module):
            return None
        if names.startswith("("):
            if not names.endswith(")"):
                return None
            names = names[1:-1]
        aliases = _aliases(names, dotted=False)
        return None if aliases is None else ast.ImportFrom(module=module or None, names=aliases, level=len(dots))
    if m := _PLAIN.fullmatch(code.strip()):
        aliases = _aliases(m.group(1), dotted=True)
        return None if aliases is None else ast.Import(names=aliases)
    return None


def _plain_aliases(listed: str) -> list[ast.alias]:
    return [ast.alias(name=name.strip(), asname=None) for name in listed.split(",")]


def _aliases(listed: str, *, dotted: bool) -> list[ast.alias] | None:
    found = []
    parts = [p.strip() for p in listed.split(",")]
    if parts and not parts[-1] and len(parts) > 1:
        parts.pop()  # a trailing comma inside parentheses
    for part in parts:
        words = part.split()
        if len(words) == 3 and words[1] == "as" and _NAME.fullmatch(words[2]):
            name, alias = words[0], words[2]
        elif len(words) == 1:
            name, alias = words[0], None
        else:
            name = "".join(part.split())
            if not dotted or not _DOTTED.fullmatch(name):
                return None
            alias = None
        ok = name == "*" and not dotted and len(parts) == 1 and alias is None
        if not ok and not (_DOTTED if dotted else _NAME).fullmatch(name):
            return None
        found.append(ast.alias(name=name, asname=alias))
    return found or None
