"""Python change facts: what a module defines and what its statements use (parsed, never run).

A module is cut into *pieces*: each top-level statement, and each member of a top-level class
on its own. The cut comes from a scan of the lines (``outline``). Where both ends of a file are
known, only the statements between the first and the last difference are looked at closely
(``compare``); the others are the same at both ends and are read only when asked about (what
they define, what they import). A statement is parsed with ``ast`` only when something asks what
it does: when the change adds or drops it, or when a test's use is followed into it. A class the
two ends have alike stays one piece. A piece uses repository names as ``(module path, top-level
name)``: ``from m import a`` and ``import m`` then ``m.a`` both give ``(m.py, "a")`` (``pyrefs``).
"""

from __future__ import annotations

import ast
import copy
import posixpath
import re
from collections.abc import Sequence

from wtorch.split.scanners.layout import Layout
from wtorch.split.symbols.outline import (
    CLASS,
    IMPORT,
    Segment,
    Spans,
    import_lines,
    long_strings,
    normalise,
    read,
    scan,
)
from wtorch.split.symbols.pieces import Piece, bound, piece_index, span, statement_index, statements_of, top_piece
from wtorch.split.symbols.pyrefs import ALL, MODULE, Binding, Bindings, Collector, Ref, Resolver, statements
from wtorch.split.symbols.signature import VALUE, Shape, shape_of

_TEST_DIRS = frozenset({"tests", "test", "testing"})
_NESTED_IMPORT = re.compile(r"^[ \t]+(?:import|from)[ \t]", re.M)
_DEFINES_TESTS = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+test|fixture", re.M)
_TEST_DEF = re.compile(r"^(?:async[ \t]+)?def[ \t]+test", re.M)
PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
Window = tuple[int, int]


class Source:
    """One end of one file: its text, and what is read from all of it (each when first needed)."""

    def __init__(self, path: str, text: str, layout: Layout, spans: Spans | None) -> None:
        self.path, self.text, self.layout, self.spans = path, text, layout, spans
        self.lines = text.split("\n")
        self._all: ModuleFacts | None = None
        self.parses = True
        """False when reading all of it failed (it does not parse)."""
        self.imports_: list[ast.stmt] | None = None
        self.top_: set[str] | None = None
        self._collector: Collector | None = None
        self._bound: dict[str, Ref | None] = {}

    def keep(self, facts: ModuleFacts, top: set[str]) -> ModuleFacts:
        """Take ``facts`` as every statement of the module, binding ``top`` at its top level."""
        self._all, self.top_ = facts, top
        return facts

    def release(self) -> None:
        """Drop what was read (it refers back here): the garbage collector need not find it."""
        self._all, self._collector = None, None

    def text_of(self, lines: tuple[int, int]) -> str:
        return "\n".join(self.lines[lines[0] - 1 : lines[1]])

    def everything(self) -> ModuleFacts:
        """Every statement of the module (none when it does not parse)."""
        if self._all is None:
            found = _scanned(self, scan(self.text, self.spans)) if self.spans is not None else None
            found = found or _parsed(self)
            self.parses = found is not None
            self._all = found or ModuleFacts(self, (), {})
            self.top_ = set() if self.top_ is None else self.top_
        return self._all

    @property
    def imports(self) -> list[ast.stmt]:
        """Every import statement, nested ones too (in the order the syntax tree is walked, where
        that matters: a name imported twice, once in a block, as in ``try``/``except ImportError``)."""
        if self.imports_ is None:
            if self.spans is None:
                self.spans = long_strings(self.text)
            found = import_lines(self.text, self.spans) if self.spans is not None else None
            read_ = [read(line)[3] for _, line in found or ()]
            if found is not None and all(read_) and not _twice(found, [r[0] for r in read_]):
                self.imports_ = [r[0] for r in read_]
            else:
                try:
                    tree = ast.parse(self.text)
                except PARSE_ERRORS:
                    tree = ast.Module(body=[], type_ignores=[])
                walk = statements(tree) if _NESTED_IMPORT.search(self.text) else iter(tree.body)
                self.imports_ = [s for s in walk if isinstance(s, ast.Import | ast.ImportFrom)]
        return self.imports_

    def top(self) -> set[str]:
        """Every name the module binds at its top level."""
        if self.top_ is None:
            self.everything()
        assert self.top_ is not None
        return self.top_

    @property
    def collector(self) -> Collector:
        """Names bound by imports anywhere in the module (each resolved when first looked up)."""
        if self._collector is None:
            resolver = Resolver(self.path, self.layout)
            self._collector = Collector(resolver, Bindings(resolver, self.imports))
        return self._collector

    def reexport(self, name: str) -> Ref | None:
        """Where ``name``, bound at the top level by an import, comes from (a re-export)."""
        if name not in self._bound:
            binding = self.collector.bindings.get(name)
            found = None
            # Without nested imports every import binds a top-level name: no need to read them all.
            if binding is not None and (
                (self.top_ is None and not _NESTED_IMPORT.search(self.text)) or name in self.top()
            ):
                found = self.collector.resolver.ref(binding, [])
            self._bound[name] = found
        return self._bound[name]


class ModuleFacts:
    """What one Python file defines and uses, at one end of the change. ``pieces`` are those in
    ``window`` (offsets), where the two ends differ, or all of them when ``window`` is None."""

    def __init__(
        self, source: Source, pieces: tuple[Piece, ...], nodes: dict[int, ast.AST], window: Window | None = None
    ) -> None:
        self.source, self.pieces, self.nodes, self.window = source, pieces, nodes, window
        self._by_name: dict[str, list[Piece]] = {}
        self._at = {p.index: p for p in pieces}
        for p in pieces:
            for name in p.names:
                self._by_name.setdefault(name, []).append(p)
        self._uses: dict[int, tuple[frozenset[Ref], frozenset[str]]] = {}
        self._shapes: dict[str, Shape] = {}
        self._prints: dict[str, tuple[str, ...]] = {}

    @property
    def collector(self) -> Collector:
        return self.source.collector

    def reexport(self, name: str) -> Ref | None:
        """Where ``name``, bound by an import, comes from (a re-export); None when not so bound."""
        return self.source.reexport(name)

    @property
    def stars(self) -> list[str]:
        """Modules whose names it takes with ``from m import *``."""
        return self.collector.stars

    def fingerprint(self, name: str) -> tuple[str, ...]:
        """What the pieces here that define ``name`` say (alike at both ends where unchanged)."""
        if name not in self._prints:
            self._prints[name] = tuple(p.key for p in self._by_name.get(name, ()))
        return self._prints[name]

    def _outside(self, name: str) -> bool:
        """Could ``name`` be defined outside the window? (Only if it is written there at all.)"""
        if self.window is None:
            return False
        text, (begin, end) = self.source.text, self.window
        return mentions(text, name, 0, begin) or mentions(text, name, end, len(text))

    def defines(self, name: str) -> bool:
        if name in self._by_name:
            return True
        return self._outside(name) and bool(self.source.everything().defining(name))

    def defining(self, name: str) -> list[Piece]:
        """The pieces that define ``name`` (a class: its header, then its members; or it whole)."""
        here = self._by_name.get(name, [])
        if not self._outside(name):
            return here
        assert self.window is not None
        begin, end = self.window
        start, stop = self.source.text.count("\n", 0, begin) + 1, self.source.text.count("\n", 0, end) + 1
        rest = [p for p in self.source.everything().defining(name) if p.lines[0] < start or p.lines[0] >= stop]
        return sorted([*rest, *here], key=lambda p: p.index)

    def node(self, piece: Piece) -> ast.AST | None:
        """The piece's syntax tree (parsed when first asked); None when its text does not parse."""
        if piece.index not in self.nodes:
            try:
                body = ast.parse(self.source.text_of(piece.lines)).body
            except PARSE_ERRORS:
                return None
            self.nodes[piece.index] = body[0] if len(body) == 1 else ast.Module(body=body, type_ignores=[])
        return self.nodes[piece.index]

    def shape(self, name: str) -> Shape:
        """What a caller of ``name`` relies on: a function's signature, a class's members."""
        if name not in self._shapes:
            self._shapes[name] = self._shape(name)
        return self._shapes[name]

    def _shape(self, name: str) -> Shape:
        found = self.defining(name)
        if not found:
            return VALUE
        first, last = self.node(found[0]), self.node(found[-1])
        if isinstance(first, ast.ClassDef):
            if found[0].whole:
                return shape_of(first)
            # Its members only: a module-level `UTC = C.utc = ...` also binds the name, not a member.
            head = statement_index(found[0].index)
            members = [p for p in found[1:] if p.context.startswith("in ") and statement_index(p.index) == head]
            whole = copy.copy(first)
            whole.body = [n for p in members if isinstance(n := self.node(p), ast.stmt)]
            return shape_of(whole)
        if isinstance(last, ast.FunctionDef | ast.AsyncFunctionDef):
            return shape_of(last)
        if name in self.collector.bindings and all(p.imports for p in found):
            return Shape("import")
        return VALUE

    def uses(self, piece: Piece) -> tuple[frozenset[Ref], frozenset[str]]:
        """The repository names ``piece`` uses, and the top-level names of its own module; a
        class member also uses what its class header does (``self.helper`` comes from a base)."""
        if piece.index not in self._uses:
            node = self.node(piece)
            refs: frozenset[Ref] = frozenset()
            free: frozenset[str] = frozenset()
            if node is not None:
                refs, free = self.collector.uses(node, self.source.text_of(piece.lines), self.source.top)
            header = self._at.get(statement_index(piece.index)) if piece.context.startswith("in ") else None
            if header is not None and header.index != piece.index:
                refs |= self.uses(header)[0]
            self._uses[piece.index] = refs, free
        return self._uses[piece.index]

    def refs_of(self, pieces: Sequence[Piece]) -> frozenset[Ref]:
        """What the pieces use from the repository, all together: the code of several pieces is
        read in one pass (``uses`` reads one)."""
        if len(pieces) == 1 or any(p.imports for p in pieces):
            return frozenset().union(*(self.uses(p)[0] for p in pieces))
        pieces = [p for p in pieces if self.node(p) is not None]
        code = [n for p in pieces for n in statements_of(self.nodes[p.index])]
        text = "\n".join(self.source.text_of(p.lines) for p in pieces)
        refs = self.collector.uses(ast.Module(body=code, type_ignores=[]), text, self.source.top)[0]
        # A class member uses what its class header does; and a piece that does not parse, nothing.
        ids = {p.index for p in pieces}
        for p in pieces:
            header = self._at.get(statement_index(p.index)) if p.context.startswith("in ") else None
            if header is not None and header.index not in ids:
                refs |= self.uses(header)[0]
        return refs

    def local(self, piece: Piece) -> frozenset[str]:
        """The top-level names of its own module that ``piece`` uses."""
        return self.uses(piece)[1] & self.source.top()

    def params(self, piece: Piece) -> frozenset[str]:
        """A function's parameter names: pytest passes fixtures by these names."""
        node = self.node(piece)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return frozenset(a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs])
        return frozenset()

    def has_tests(self) -> bool:
        """Does the module define a test (a ``test*`` function, or method of a top-level class) or
        a pytest fixture? (Asked only of a module named like a test outside a tests directory.)"""
        if _DEFINES_TESTS.search(self.source.text) is None:
            return False
        facts = self if self.window is None else self.source.everything()
        for piece in facts.pieces:
            node = facts.node(piece) if piece.context else None
            if isinstance(node, ast.ClassDef):
                members = node.body if piece.whole else []
            else:
                members = [node] if piece.context.startswith("in ") and isinstance(node, ast.stmt) else []
            if any(
                isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and m.name.startswith("test") for m in members
            ):
                return True
            text = facts.source.text_of(piece.lines)
            if not piece.context and (_TEST_DEF.search(text) or "fixture" in text.split("\n", 1)[0]):
                return True
        return False

    def rebuilt(self, pieces: Sequence[Piece], nodes: dict[int, ast.AST]) -> ModuleFacts:
        return ModuleFacts(self.source, tuple(pieces), nodes, self.window)


def _twice(lines: list[tuple[bool, str]], imports: list[ast.Import | ast.ImportFrom]) -> bool:
    """Do two imports, one of them nested, bind one name to different things? (Which wins then
    depends on the blocks they sit in, as in ``try``/``except ImportError``.)"""
    if not any(nested for nested, _ in lines):
        return False
    seen: dict[str, tuple[bool, tuple[object, ...]]] = {}
    for (nested, _), node in zip(lines, imports, strict=True):
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            what = (type(node), getattr(node, "module", None), getattr(node, "level", 0), alias.name)
            if local in seen and (nested or seen[local][0]) and seen[local][1] != what:
                return True
            seen[local] = (nested or seen.get(local, (False, ()))[0], what)
    return False


def mentions(text: str, name: str, begin: int, end: int) -> bool:
    """Is ``name`` written in ``text[begin:end]`` as a word of its own?"""
    at = text.find(name, begin, end)
    while at >= 0:
        after = at + len(name)
        if (at == 0 or not _word(text[at - 1])) and (after >= len(text) or not _word(text[after])):
            return True
        at = text.find(name, after, end)
    return False


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def is_test(path: str, facts: ModuleFacts | None = None) -> bool:
    """A test module or a pytest conftest, by the conventions pytest itself uses; a module named
    like a test inside a package (``markdown/test_tools.py``) only when it defines tests."""
    name = posixpath.basename(path)
    if name == "conftest.py" or any(part in _TEST_DIRS for part in path.split("/")[:-1]):
        return True
    if name.startswith("test_") or name.endswith("_test.py"):
        return facts is None or facts.has_tests()
    return False


def module_facts(path: str, text: str, layout: Layout, *, parse: bool = False) -> ModuleFacts | None:
    """Every statement of ``path`` as written in ``text`` (normalised), None when it does not
    parse: found by a scan of its lines, or with ``parse`` from its whole syntax tree (cheaper
    when every statement will be parsed anyway, as in a new file)."""
    text = normalise(text)
    source = Source(path, text, layout, None if parse else long_strings(text))
    facts = source.everything()
    return facts if source.parses else None


def windowed(source: Source, window: Window) -> ModuleFacts | None:
    """The statements of ``source`` in ``window`` (the rest read when asked); None when one of
    them, parsed because its first line does not say what it binds, does not parse."""
    assert source.spans is not None
    return _scanned(source, scan(source.text, source.spans, *window), window)


def _scanned(source: Source, segments: list[Segment], window: Window | None = None) -> ModuleFacts | None:
    """Pieces of the scanned statements; a statement is parsed here only when its first line does
    not say what it binds (None when it does not parse)."""
    pieces: list[Piece] = []
    nodes: dict[int, ast.AST] = {}
    top: set[str] = set()
    for seg in segments:
        index = piece_index(seg.start)
        names = seg.names
        if names is None:
            try:
                body = ast.parse(seg.text).body
            except PARSE_ERRORS:
                return None
            nodes[index] = body[0] if len(body) == 1 else ast.Module(body=body, type_ignores=[])
            names = frozenset().union(*(bound(s) for s in body))
        top |= names
        pieces.append(top_piece(index, seg.text, names, (seg.start, seg.end), seg.kind, seg.name))
    if window is None:
        source.top_ = top
    return ModuleFacts(source, tuple(pieces), nodes, window)


def _parsed(source: Source) -> ModuleFacts | None:
    try:
        tree = ast.parse(source.text, filename=source.path)
    except PARSE_ERRORS:
        return None
    pieces: list[Piece] = []
    nodes: dict[int, ast.AST] = {}
    source.top_ = set()
    for stmt in tree.body:
        start, end = span(stmt)
        names = bound(stmt)
        source.top_ |= names
        kind = (
            CLASS if isinstance(stmt, ast.ClassDef) else IMPORT if isinstance(stmt, ast.Import | ast.ImportFrom) else ""
        )
        name = stmt.name if isinstance(stmt, ast.ClassDef) else ""
        nodes[piece_index(start)] = stmt
        pieces.append(top_piece(piece_index(start), source.text_of((start, end)), names, (start, end), kind, name))
    return ModuleFacts(source, tuple(pieces), nodes)


__all__ = ["ALL", "MODULE", "Binding", "ModuleFacts", "Piece", "Ref", "is_test", "module_facts"]
