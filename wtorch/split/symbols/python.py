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
from typing import TYPE_CHECKING

from wtorch.split.symbols.pieces import PARSE_ERRORS, Piece, statement_index, statements_of
from wtorch.split.symbols.pyrefs import ALL, MODULE, Binding, Collector, Ref
from wtorch.split.symbols.signature import VALUE, Shape, shape_of

if TYPE_CHECKING:
    from wtorch.split.symbols.source import Source, Window

_TEST_DIRS = frozenset({"tests", "test", "testing"})
_DEFINES_TESTS = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+test|fixture", re.M)
_TEST_DEF = re.compile(r"^(?:async[ \t]+)?def[ \t]+test", re.M)


class ModuleFacts:
    """What one Python file defines and uses, at one end of the change. ``pieces`` are those in
    ``window`` (offsets), where the two ends differ, or all of them when ``window`` is None."""

    def __init__(
        self, source: Source, pieces: tuple[Piece, ...], nodes: dict[int, ast.AST], window: Window | None = None
    ) -> None:
        self.source, self.pieces, self.nodes, self.window = source, pieces, nodes, window
        self._names: dict[str, list[Piece]] | None = None
        self._at: dict[int, Piece] | None = None
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

    @property
    def _by_name(self) -> dict[str, list[Piece]]:
        """The pieces by the names they define (indexed when first asked: the facts a change is
        compared by are rebuilt a few times before anything asks)."""
        if self._names is None:
            self._names = {}
            for p in self.pieces:
                for name in p.names:
                    self._names.setdefault(name, []).append(p)
        return self._names

    def _header(self, piece: Piece) -> Piece | None:
        """The class header of a class member's piece (None for anything else)."""
        if not piece.context.startswith("in "):
            return None
        if self._at is None:
            self._at = {p.index: p for p in self.pieces}
        return self._at.get(statement_index(piece.index))

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
            header = self._header(piece)
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
            header = self._header(p)
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


__all__ = ["ALL", "MODULE", "Binding", "ModuleFacts", "Piece", "Ref", "is_test"]
