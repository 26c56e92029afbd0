"""One end of one changed Python file: its text, and its statements and imports read from it.

The statements are found by a scan of the lines (``outline``), or, where that cannot be trusted,
from the whole syntax tree; a statement is parsed only when its first line does not say what it
binds. The imports are read from their lines, each statement on its own, unless two of them,
one nested, bind one name (only the syntax tree then says which wins).
"""

from __future__ import annotations

import ast
import re

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
from wtorch.split.symbols.pieces import PARSE_ERRORS, Piece, bound, piece_index, span, top_piece
from wtorch.split.symbols.pyrefs import Bindings, Collector, Ref, Resolver, statements
from wtorch.split.symbols.python import ModuleFacts

_NESTED_IMPORT = re.compile(r"^[ \t]+(?:import|from)[ \t]", re.M)
Window = tuple[int, int]


class Source:
    """One end of one file: its text, and what is read from all of it (each when first needed)."""

    def __init__(self, path: str, text: str, layout: Layout, spans: Spans | None) -> None:
        self.path, self.text, self.layout, self.spans = path, text, layout, spans
        self._lines: list[str] | None = None
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
        if self._lines is None:
            self._lines = self.text.split("\n")  # most ends are read by their scanned statements only
        return "\n".join(self._lines[lines[0] - 1 : lines[1]])

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
