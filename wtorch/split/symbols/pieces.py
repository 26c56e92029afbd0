"""Pieces of a Python module: the statements a change is compared by, and what each binds (pure).

A piece is a top-level statement, a class header, or a member of a top-level class; a class both
ends have alike is one piece (``whole``). Its index is unique in its module: the statement's first
line, shifted, plus its place among the pieces of that statement.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator
from dataclasses import dataclass

from wtorch.split.symbols.outline import CLASS, IMPORT

PARSE_ERRORS = (SyntaxError, ValueError, RecursionError, MemoryError)
"""What ``ast.parse`` raises on text it cannot read (too deep, a null byte, not Python)."""


def piece_index(line: int, k: int = 0) -> int:
    """The index of the ``k``-th piece of the statement that starts on ``line``."""
    return (line << 20) + k


def statement_index(index: int) -> int:
    """The index of the first piece (a class: its header) of the statement piece ``index`` is in."""
    return index >> 20 << 20


@dataclass(slots=True)
class Piece:
    """One top-level statement (or class member, or a whole class): its fingerprint and where it is.
    Never changed once made (``dataclasses.replace`` makes another); not frozen only because a
    frozen dataclass costs four times as much to make, and a large change makes tens of thousands."""

    index: int
    """Unique in its module (``piece_index``): its statement's first line, and its place in it."""
    key: str
    names: frozenset[str]
    context: str
    """"" for a top-level statement, ``class C`` for a class header, ``in C`` for a member."""
    lines: tuple[int, int]
    """First and last line (1-based, decorators included)."""
    imports: bool = False
    """An import statement: it needs its names to exist, whatever they do."""
    whole: bool = False
    """A whole class, header and members (read as one until a change opens it)."""


def top_piece(index: int, text: str, names: frozenset[str], lines: tuple[int, int], kind: str, name: str) -> Piece:
    """A top-level statement as one piece; a class whole (its key apart from any header's)."""
    if kind == CLASS:
        return Piece(index, f"\3class {name}\0{text}", names, f"class {name}", lines, whole=True)
    return Piece(index, f"\0{text}", names, "", lines, imports=kind == IMPORT)


def statements_of(node: ast.AST | None) -> list[ast.stmt]:
    """The statements a piece's tree holds (a segment the line scan merged parses as several)."""
    if isinstance(node, ast.Module):
        return node.body
    return [node] if isinstance(node, ast.stmt) else []


def parts(
    body: list[ast.stmt], known: frozenset[str] | None = None
) -> Iterator[tuple[str, ast.stmt, frozenset[str], tuple[int, int]]]:
    """(context, node, names defined, lines) per piece; a class is its header plus its members.
    ``known``: the names of ``body``'s one statement, already found."""
    for stmt in body:
        start, end = span(stmt)
        if isinstance(stmt, ast.ClassDef) and stmt.body:
            header = copy.copy(stmt)
            header.body = []
            names = frozenset({stmt.name})
            first = span(stmt.body[0])[0]
            yield f"class {stmt.name}", header, names, (start, max(start, first - 1))
            for member in stmt.body:
                yield f"in {stmt.name}", member, names, span(member)
        else:
            yield "", stmt, bound(stmt) if known is None else known, (start, end)


def span(node: ast.stmt) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", None) or []
    start = min([node.lineno, *(d.lineno for d in decorators)])
    return start, node.end_lineno or node.lineno


def bound(stmt: ast.stmt) -> frozenset[str]:
    """Top-level names a statement binds (inside if/try/with/for too, never inside a def)."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return frozenset({stmt.name})
    if isinstance(stmt, ast.Expr):
        return frozenset()
    if isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name) for t in stmt.targets):
        return frozenset(t.id for t in stmt.targets if isinstance(t, ast.Name))
    found: set[str] = set()
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.update(a.asname or a.name.split(".")[0] for a in node.names if a.name != "*")
        for target in _targets(node):
            found.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            stack.extend(getattr(node, field, None) or ())
    return frozenset(found)


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return list(node.targets)
    if isinstance(node, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        return [node.target]
    if isinstance(node, ast.With):
        return [item.optional_vars for item in node.items if item.optional_vars is not None]
    return []
