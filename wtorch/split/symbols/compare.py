"""The two ends of a changed Python file, piece against piece (pure); and a file all change.

Only what differs is parsed: statements whose text one end has and the other has not are opened
(a class into its header and members) and parsed; those whose text still differs are keyed by
their syntax tree, so that a piece only reformatted compares equal to its old self. A statement
the line scan got wrong does not parse: that end is then read from its whole syntax tree.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import replace
from typing import Any

from wtorch.split.scanners.layout import Layout
from wtorch.split.symbols.outline import CLASS, IMPORT, long_strings, normalise, region
from wtorch.split.symbols.pieces import PARSE_ERRORS, Piece, bound, parts, piece_index, span, statements_of, top_piece
from wtorch.split.symbols.pyrefs import statements
from wtorch.split.symbols.python import ModuleFacts, is_test
from wtorch.split.symbols.source import Source, module_facts, windowed


def change_facts(
    old_path: str, old_text: str, new_path: str, new_text: str, base: Layout, tip: Layout
) -> tuple[ModuleFacts | None, ModuleFacts | None]:
    """Both ends of a changed file, with the pieces only one end has opened and parsed; an end is
    None when it does not parse. Where the line scan can be trusted, only the statements between
    the first and the last difference are read (the rest is alike at both ends)."""
    a, b = normalise(old_text), normalise(new_text)
    spans = long_strings(a), long_strings(b)
    if spans[0] is not None and spans[1] is not None:
        start, end_a, end_b = region(a, b, (spans[0], spans[1]))
        old = windowed(Source(old_path, a, base, spans[0]), (start, end_a))
        new = windowed(Source(new_path, b, tip, spans[1]), (start, end_b))
        if old is not None and new is not None and (found := _compare(old, new)) is not None:
            return found
    # The scan got a statement wrong (or cannot tell strings apart): read both ends whole.
    whole = module_facts(old_path, a, base, parse=True), module_facts(new_path, b, tip, parse=True)
    if whole[0] is None or whole[1] is None:
        return whole
    found = _compare(whole[0], whole[1])
    assert found is not None, "a module read from its whole syntax tree always opens"
    return found


def all_change(path: str, text: str, layout: Layout) -> ModuleFacts | None:
    """A file the change adds or deletes, read from its whole syntax tree (all of it is change);
    None when it does not parse. Each top-level statement is a piece; a class is one piece
    (what it uses is what its header and members use together), but in a test module, where
    pytest passes fixtures to methods by their parameters, each member is a piece of its own."""
    source = Source(path, normalise(text), layout, None)
    try:
        tree = ast.parse(source.text, filename=path)
    except PARSE_ERRORS:
        return None
    members = is_test(path)
    pieces: list[Piece] = []
    nodes: dict[int, ast.AST] = {}
    top: set[str] = set()
    for stmt in tree.body:
        names = bound(stmt)
        top |= names
        start, end = span(stmt)
        if isinstance(stmt, ast.ClassDef) and members:
            for k, (context, node, defined, lines) in enumerate(parts([stmt])):
                nodes[piece_index(start, k)] = node
                key = f"{context}\0{source.text_of(lines)}"
                pieces.append(Piece(piece_index(start, k), key, defined, context, lines))
            continue
        nodes[piece_index(start)] = stmt
        kind = (
            CLASS if isinstance(stmt, ast.ClassDef) else IMPORT if isinstance(stmt, ast.Import | ast.ImportFrom) else ""
        )
        pieces.append(
            top_piece(
                piece_index(start), source.text_of((start, end)), names, (start, end), kind, getattr(stmt, "name", "")
            )
        )
    return source.keep(ModuleFacts(source, tuple(pieces), nodes), top)


def opened(facts: ModuleFacts, which: set[int] | None = None) -> ModuleFacts | None:
    """``facts`` with the pieces ``which`` (default: all) cut down to single statements and class
    members, each with its syntax tree; None when one of them does not parse."""
    if which is not None and not which:
        return facts
    pieces: list[Piece] = []
    nodes = dict(facts.nodes)
    for piece in facts.pieces:
        if which is not None and piece.index not in which:
            pieces.append(piece)
            continue
        node = facts.node(piece)
        if node is None:
            return None
        nodes.pop(piece.index, None)  # what is opened has its trees in its parts
        offset = piece.lines[0] - span(node)[0] if isinstance(node, ast.stmt) else piece.lines[0] - 1
        known = piece.names if isinstance(node, ast.stmt) else None
        for k, (context, stmt, names, (start, end)) in enumerate(parts(statements_of(node), known)):
            lines = (start + offset, end + offset)
            index = piece_index(piece.lines[0], k)
            nodes[index] = stmt
            text = facts.source.text_of(lines)
            pieces.append(
                Piece(index, f"{context}\0{text}", names, context, lines, isinstance(stmt, ast.Import | ast.ImportFrom))
            )
    return facts.rebuilt(pieces, nodes)


def _compare(old: ModuleFacts, new: ModuleFacts) -> tuple[ModuleFacts, ModuleFacts] | None:
    a, b = opened(old, _unmatched(old, new)), opened(new, _unmatched(new, old))
    return None if a is None or b is None else _rekeyed(a, b)


def _unmatched(facts: ModuleFacts, other: ModuleFacts) -> set[int]:
    """The pieces of ``facts`` whose text ``other`` does not have (as often)."""
    left: dict[str, int] = {}
    for p in other.pieces:
        left[p.key] = left.get(p.key, 0) + 1
    found = set()
    for p in facts.pieces:
        if count := left.get(p.key, 0):
            left[p.key] = count - 1
        else:
            found.add(p.index)
    return found


def _rekeyed(old: ModuleFacts, new: ModuleFacts) -> tuple[ModuleFacts, ModuleFacts]:
    """Pieces whose text appears at one end only but that have a counterpart at the other (the
    same place, the same names: only those can be a reformatting) compared by syntax tree; a
    piece alike to its counterpart takes its counterpart's key."""
    keys = [{p.key for p in old.pieces}, {p.key for p in new.pieces}]
    if keys[0] <= keys[1] or keys[1] <= keys[0]:
        return old, new  # one end only adds (or only drops): no piece has a counterpart
    groups: dict[tuple[str, frozenset[str]], tuple[list[Piece], list[Piece]]] = {}
    for side, (facts, other) in enumerate(((old, keys[1]), (new, keys[0]))):
        for p in facts.pieces:
            if p.key not in other:
                groups.setdefault((p.context, p.names), ([], []))[side].append(p)
    rekey: list[dict[int, str]] = [{}, {}]
    for (context, _), (before, after) in groups.items():
        if len(before) == 1 and len(after) == 1:
            a, b = old.node(before[0]), new.node(after[0])
            if a is not None and b is not None and _same(_plain(a), _plain(b)):
                rekey[1][after[0].index] = before[0].key
        elif before and after:  # several alike: keyed, so that each finds its own twin
            for side, (facts, found) in enumerate(((old, before), (new, after))):
                for p in found:
                    if (node := facts.node(p)) is not None:
                        rekey[side][p.index] = _tree_key(context, node)
    fixed = []
    for facts, change in zip((old, new), rekey, strict=True):
        pieces = [replace(p, key=change[p.index]) if p.index in change else p for p in facts.pieces]
        fixed.append(facts.rebuilt(pieces, facts.nodes) if change else facts)
    return fixed[0], fixed[1]


def _same(a: object, b: object) -> bool:
    """Are two syntax trees alike, positions aside (what ``ast.dump`` compares), to the first
    difference? (A loop over a stack of pairs: a recursive generator per node cost more than
    the comparing.)"""
    todo: list[tuple[Any, Any]] = [(a, b)]
    while todo:
        x, y = todo.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, ast.AST):
            todo.extend((getattr(x, f, None), getattr(y, f, None)) for f in x._fields)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            todo.extend(zip(x, y, strict=True))
        elif x != y:
            return False
    return True


def _plain(node: ast.AST) -> ast.AST:
    """``node`` with its docstrings' whitespace collapsed, in place (nothing else reads them)."""
    for item in statements(node):
        body = getattr(item, "body", None)
        if isinstance(item, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body:
            first = body[0]
            value = first.value if isinstance(first, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                # A reformatter re-indents docstrings; what they say is what counts.
                value.value = " ".join(value.value.split())
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        node.value.value = " ".join(node.value.value.split())
    return node


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _tree_key(context: str, node: ast.AST) -> str:
    return "\2" + _digest(f"{context}\0{ast.dump(_plain(node))}")
