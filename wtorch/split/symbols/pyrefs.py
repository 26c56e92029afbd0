"""What a piece of Python uses from the repository: imports resolved to files, names to modules.

Imports are read from the syntax tree (statements only: cheap). The names a piece uses are read
from its source with comments and strings blanked (``_text.mask``), as identifier chains
(``m.a.b``): walking every expression node of a large module in Python costs far more, and an
identifier chain is all that resolving ``import m`` then ``m.a`` needs.
"""

from __future__ import annotations

import ast
import keyword
import posixpath
import re
from collections.abc import Iterator

from wtorch.split.scanners.layout import Layout, parent
from wtorch.split.scanners.python import module_file, roots_for

Ref = tuple[str, str]
"""(repository path of a module, a top-level name of it); the name is MODULE for the module itself."""
MODULE = ""
ALL = "__all__"
# A binding is ("dotted", "a.b", "") for `import a.b [as x]`, ("file", path, "") for a module
# object, or ("name", path, name) for `from m import name`.
Binding = tuple[str, str, str]

_CHAIN = re.compile(r"(?<![\w.\x03])([A-Za-z_]\w*)((?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*)")
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
_NESTED_IMPORT = re.compile(r"^[ \t]+(?:import|from)[ \t]", re.M)
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


def statements(node: ast.AST) -> Iterator[ast.stmt]:
    """``node`` and every statement nested in it, without descending into expressions."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.stmt):
            yield item
        for field in _BODIES:
            children = getattr(item, field, None)
            if children:
                stack.extend(reversed(children))


class Resolver:
    """Module names to repository files, as seen from one importer."""

    def __init__(self, path: str, layout: Layout) -> None:
        self.path, self.layout = path, layout
        self._roots: list[str] | None = None
        self._absolute: dict[str, str | None] = {}

    def absolute(self, dotted: str) -> str | None:
        if dotted not in self._absolute:
            if self._roots is None:
                self._roots = roots_for(self.path, self.layout)
            found = None
            for root in self._roots:
                if (found := module_file(root, dotted, self.layout)) is not None:
                    break
            self._absolute[dotted] = found
        return self._absolute[dotted]

    def module(self, level: int, dotted: str) -> str | None:
        if not level:
            return self.absolute(dotted) if dotted else None
        base: str | None = parent(self.path)
        for _ in range(level - 1):
            base = None if not base else parent(base)
        return None if base is None else module_file(base, dotted, self.layout)

    def submodule(self, package: str, name: str) -> str | None:
        if posixpath.basename(package) not in ("__init__.py", "__init__.pyi"):
            return None
        return module_file(parent(package), name, self.layout)

    def bindings(self, tree: ast.Module, text: str) -> tuple[dict[str, Binding], list[str]]:
        """Every name an import binds anywhere in the module, and the modules of ``import *``."""
        found: dict[str, Binding] = {}
        stars: list[str] = []
        # Walking every nested statement is the costly part: only when an import is indented.
        nodes = statements(tree) if _NESTED_IMPORT.search(text) else iter(tree.body)
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    found[local] = ("dotted", alias.name if alias.asname else local, "")
            elif isinstance(node, ast.ImportFrom):
                base = self.module(node.level, node.module or "")
                for alias in node.names:
                    if alias.name == "*":
                        stars += [base] if base else []
                        continue
                    dotted = f"{node.module}.{alias.name}" if node.module else alias.name
                    sub = self.module(node.level, dotted)
                    if sub is not None:
                        found[alias.asname or alias.name] = ("file", sub, "")
                    elif base is not None:
                        found[alias.asname or alias.name] = ("name", base, alias.name)
        return found, stars

    def ref(self, binding: Binding, attrs: list[str]) -> Ref | None:
        """Where ``binding.attr1.attr2…`` leads: the deepest module reached, and the next name."""
        kind, target, name = binding
        if kind == "name":
            return target, name
        dotted, current = (target, self.absolute(target)) if kind == "dotted" else ("", target)
        for attr in attrs:
            if dotted:
                dotted += f".{attr}"
                nxt = self.absolute(dotted)
            else:
                nxt = self.submodule(current, attr) if current else None
            if nxt is None:
                return None if current is None else (current, attr)
            current = nxt
        return None if current is None else (current, MODULE)

    def import_refs(self, node: ast.Import | ast.ImportFrom) -> Iterator[Ref]:
        """What an import statement needs to exist."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (hit := self.absolute(alias.name)) is not None:
                    yield hit, MODULE
            return
        base = self.module(node.level, node.module or "")
        for alias in node.names:
            if alias.name == "*":
                if base is not None:
                    yield base, ALL
                continue
            dotted = f"{node.module}.{alias.name}" if node.module else alias.name
            if (sub := self.module(node.level, dotted)) is not None:
                yield sub, MODULE
            elif base is not None:
                yield base, alias.name


class Collector:
    """The references of pieces of one module: imported names, attribute chains, local names."""

    def __init__(self, resolver: Resolver, bindings: dict[str, Binding], stars: list[str], top: set[str]) -> None:
        self.resolver, self.bindings, self.stars, self.top = resolver, bindings, stars, top

    def uses(self, node: ast.stmt, code: str) -> tuple[frozenset[Ref], frozenset[str]]:
        """``code`` is the piece's source with comments and strings blanked."""
        refs: set[Ref] = set()
        local: set[str] = set()
        for item in statements(node):
            if isinstance(item, ast.Import | ast.ImportFrom):
                refs.update(self.resolver.import_refs(item))
        if isinstance(node, ast.Import | ast.ImportFrom):
            return frozenset(refs), frozenset()
        for m in _CHAIN.finditer(code):
            root = m.group(1)
            if root in _KEYWORDS:
                continue
            attrs = [a.strip() for a in m.group(2).split(".")[1:]] if m.group(2) else []
            self._name(root, attrs, refs, local)
        return frozenset(refs), frozenset(local)

    def _name(self, name: str, attrs: list[str], refs: set[Ref], local: set[str]) -> None:
        binding = self.bindings.get(name)
        if binding is not None:
            if (hit := self.resolver.ref(binding, attrs)) is not None:
                refs.add(hit)
        elif name in self.top:
            local.add(name)
        else:
            for star in self.stars:
                refs.add((star, name))
                refs.add((star, ALL))
