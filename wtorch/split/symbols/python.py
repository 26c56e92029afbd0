"""Python change facts read with ``ast`` (the code is parsed, never executed).

A module is cut into *pieces*: each top-level statement, and each member of a top-level class
on its own. Two ends of a change are compared piece by piece: first by source text, and where
the text differs by syntax tree (``ast.dump`` carries no positions; docstrings are compared with
their whitespace collapsed), so a reformatting changes no piece. A piece uses repository names
as ``(module path, top-level name)``: ``from m import a`` and ``import m`` then ``m.a`` both
give ``(m.py, "a")`` (see ``pyrefs``).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import posixpath
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from wtorch.split.scanners._text import mask
from wtorch.split.scanners.layout import Layout
from wtorch.split.symbols.pyrefs import ALL, MODULE, Binding, Collector, Ref, Resolver, statements
from wtorch.split.symbols.signature import VALUE, Shape, shape_of

_TEST_DIRS = frozenset({"tests", "test", "testing"})


@dataclass(frozen=True)
class Piece:
    """One top-level statement (or class member): its fingerprint and where it is."""

    index: int
    key: str
    names: frozenset[str]
    context: str
    lines: tuple[int, int]
    """First and last line (1-based, decorators included)."""
    imports: bool = False
    """An import statement: it needs its names to exist, whatever they do."""
    params: frozenset[str] = frozenset()
    """A function's parameter names: pytest passes fixtures by these names."""


class ModuleFacts:
    """What one Python file defines and uses, at one end of the change."""

    def __init__(
        self,
        pieces: tuple[Piece, ...],
        nodes: tuple[ast.stmt, ...],
        code: str,
        collector: Collector,
        bound: dict[str, Ref],
        stars: tuple[str, ...],
    ) -> None:
        self.pieces, self.nodes, self._text, self.collector = pieces, nodes, code, collector
        self._code: list[str] | None = None
        self.bound = bound
        """Names the module binds by importing them (re-exports): name -> where it comes from."""
        self.stars = stars
        """Modules whose names it takes with ``from m import *``."""
        self.defs, self._defining = _fingerprints(pieces)
        """Top-level name -> fingerprint of its definition."""
        self._uses: dict[int, tuple[frozenset[Ref], frozenset[str]]] = {}
        self._shapes: dict[str, Shape] = {}

    def defining(self, name: str) -> list[Piece]:
        """The pieces that define ``name`` (a class: its header, then its members)."""
        return self._defining.get(name, [])

    def shape(self, name: str) -> Shape:
        """What a caller of ``name`` relies on: a function's signature, a class's members."""
        if name not in self._shapes:
            self._shapes[name] = self._shape(name)
        return self._shapes[name]

    def _shape(self, name: str) -> Shape:
        found = self.defining(name)
        if not found:
            return VALUE
        first, last = self.nodes[found[0].index], self.nodes[found[-1].index]
        if isinstance(first, ast.ClassDef):
            whole = copy.copy(first)
            whole.body = [self.nodes[p.index] for p in found[1:]]
            return shape_of(whole)
        if isinstance(last, ast.FunctionDef | ast.AsyncFunctionDef):
            return shape_of(last)
        if name in self.collector.bindings and all(p.imports for p in found):
            return Shape("import")
        return VALUE

    @property
    def code(self) -> list[str]:
        """The source lines with comments and strings blanked (made when first needed)."""
        if self._code is None:
            self._code = mask(self._text, "python").code.split("\n")
        return self._code

    def uses(self, piece: Piece) -> tuple[frozenset[Ref], frozenset[str]]:
        """The repository names ``piece`` uses, and the top-level names of its own module; a
        class member also uses what its class header does (``self.helper`` comes from a base)."""
        if piece.index not in self._uses:
            first, last = piece.lines
            code = "\n".join(self.code[first - 1 : last])
            refs, local = self.collector.uses(self.nodes[piece.index], code)
            header = self.defining(next(iter(piece.names)))[0] if piece.context.startswith("in ") else None
            if header is not None and header.index != piece.index:
                refs |= self.uses(header)[0]
            self._uses[piece.index] = refs, local
        return self._uses[piece.index]

    def has_tests(self) -> bool:
        """Does the module define a test (a ``test*`` function or method) or a pytest fixture?"""
        for piece in self.pieces:
            node = self.nodes[piece.index]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                return True
            if not piece.context and "fixture" in self.code[piece.lines[0] - 1]:
                return True
        return False

    def rekeyed(self, keys: dict[int, str]) -> ModuleFacts:
        pieces = tuple(replace(p, key=keys[p.index]) if p.index in keys else p for p in self.pieces)
        return ModuleFacts(pieces, self.nodes, self._text, self.collector, self.bound, self.stars)


def is_test(path: str, facts: ModuleFacts | None = None) -> bool:
    """A test module or a pytest conftest, by the conventions pytest itself uses; a module named
    like a test inside a package (``markdown/test_tools.py``) only when it defines tests."""
    name = posixpath.basename(path)
    if name == "conftest.py" or any(part in _TEST_DIRS for part in path.split("/")[:-1]):
        return True
    if name.startswith("test_") or name.endswith("_test.py"):
        return facts is None or facts.has_tests()
    return False


def module_facts(path: str, text: str, layout: Layout) -> ModuleFacts | None:
    """The facts of ``path`` as written in ``text``; None when it does not parse. Pieces are
    keyed by their source text (see ``reconcile``)."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = text.split("\n")
    resolver = Resolver(path, layout)
    bindings, stars = resolver.bindings(tree, text)
    parts = list(_parts(tree))
    top = {name for _, _, names, _ in parts for name in names}
    pieces = []
    for index, (context, node, names, span) in enumerate(parts):
        segment = "\n".join(lines[span[0] - 1 : span[1]])
        key = f"{context}\0{segment}"  # compared as is: hashing a string is cheaper than digesting it
        imports = isinstance(node, ast.Import | ast.ImportFrom)
        pieces.append(Piece(index, key, names, context, span, imports, _params(node)))
    collector = Collector(resolver, bindings, stars, top)
    bound = {name: ref for name, b in bindings.items() if name in top and (ref := resolver.ref(b, [])) is not None}
    nodes = tuple(node for _, node, _, _ in parts)
    return ModuleFacts(tuple(pieces), nodes, text, collector, bound, tuple(sorted(set(stars))))


def reconcile(old: ModuleFacts, new: ModuleFacts) -> tuple[ModuleFacts, ModuleFacts]:
    """Re-key the pieces whose text appears at one end only by their syntax tree, so that a piece
    only reformatted compares equal to its old self (the tree is costly: only where text differs)."""
    old_keys, new_keys = Counter(p.key for p in old.pieces), Counter(p.key for p in new.pieces)
    fixed = []
    for facts, other in ((old, new_keys), (new, old_keys)):
        keys = {p.index: _tree_key(p.context, facts.nodes[p.index]) for p in facts.pieces if p.key not in other}
        fixed.append(facts.rekeyed(keys) if keys else facts)
    return fixed[0], fixed[1]


def _parts(tree: ast.Module) -> Iterator[tuple[str, ast.stmt, frozenset[str], tuple[int, int]]]:
    """(context, node, names defined, lines) per piece; a class is its header plus its members."""
    for stmt in tree.body:
        start, end = _span(stmt)
        if isinstance(stmt, ast.ClassDef) and stmt.body:
            header = copy.copy(stmt)
            header.body = []
            names = frozenset({stmt.name})
            first = _span(stmt.body[0])[0]
            yield f"class {stmt.name}", header, names, (start, max(start, first - 1))
            for member in stmt.body:
                yield f"in {stmt.name}", member, names, _span(member)
        else:
            yield "", stmt, _bound(stmt), (start, end)


def _span(node: ast.stmt) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", None) or []
    start = min([node.lineno, *(d.lineno for d in decorators)])
    return start, node.end_lineno or node.lineno


def _bound(stmt: ast.stmt) -> frozenset[str]:
    """Top-level names a statement binds (inside if/try/with/for too, never inside a def)."""
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return frozenset({stmt.name})
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


def _params(node: ast.stmt) -> frozenset[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return frozenset(a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs])
    return frozenset()


def _fingerprints(pieces: tuple[Piece, ...]) -> tuple[dict[str, str], dict[str, list[Piece]]]:
    """Each top-level name's fingerprint (from the pieces that define it), and those pieces."""
    by_name: dict[str, list[Piece]] = {}
    for p in pieces:
        for name in p.names:
            by_name.setdefault(name, []).append(p)
    defs = {
        name: found[0].key if len(found) == 1 else "\1".join(p.key for p in found) for name, found in by_name.items()
    }
    return defs, by_name


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _tree_key(context: str, node: ast.stmt) -> str:
    # Docstrings are collapsed in place: nothing else reads them from these trees.
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
    return "\2" + _digest(f"{context}\0{ast.dump(node)}")


__all__ = ["ALL", "MODULE", "Binding", "ModuleFacts", "Piece", "Ref", "is_test", "module_facts"]
