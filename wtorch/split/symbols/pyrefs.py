"""What a piece of Python uses from the repository: imports resolved to files, names to modules.

Imports are read from their statements. The names a piece uses are read from its source as
identifier chains (``m.a.b``), comments and string literals left out: walking every expression
node of a large module in Python costs far more, and an identifier chain is all that resolving
``import m`` then ``m.a`` needs. An imported name is resolved when a piece first uses it.
"""

from __future__ import annotations

import ast
import keyword
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator

from wtorch.split.scanners._text import DQ_LINE, DQ_LONG, SQ_LINE, SQ_LONG
from wtorch.split.scanners.layout import Layout, parent
from wtorch.split.scanners.python import module_file, roots_for

Ref = tuple[str, str]
"""(repository path of a module, a top-level name of it); the name is MODULE for the module itself."""
MODULE = ""
ALL = "__all__"
# A binding is ("dotted", "a.b", "") for `import a.b [as x]`, ("file", path, "") for a module
# object, or ("name", path, name) for `from m import name`.
Binding = tuple[str, str, str]

# Comments and string literals are matched (and left out), so that the identifier chains found
# are those of the code: the same as ``_text.mask`` then a search, in one pass and no callback.
_CHAIN = re.compile(
    rf"#[^\n]*|{DQ_LONG}|{SQ_LONG}|{DQ_LINE}|{SQ_LINE}"
    r"|(?<![\w.])([A-Za-z_]\w*)((?:[ \t]*\.[ \t]*[A-Za-z_]\w*)*)",
    re.S,
)
_KEYWORDS = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist)
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
        self._here = parent(path)

    def absolute(self, dotted: str) -> str | None:
        # Every importer in one directory sees the same roots: their answers are shared.
        key = (self._here, dotted)
        if key not in self.layout.resolved:
            found = None
            for root in self._roots():
                if (found := module_file(root, dotted, self.layout)) is not None:
                    break
            self.layout.resolved[key] = found
        return self.layout.resolved[key]

    def _roots(self) -> list[str]:
        roots = self.layout.roots.get(self._here)
        if roots is None:
            roots = self.layout.roots[self._here] = roots_for(self.path, self.layout)
        return roots

    def module(self, level: int, dotted: str) -> str | None:
        if not level:
            return self.absolute(dotted) if dotted else None
        base: str | None = self._here
        for _ in range(level - 1):
            base = None if not base else parent(base)
        return None if base is None else module_file(base, dotted, self.layout)

    def submodule(self, package: str, name: str) -> str | None:
        if posixpath.basename(package) not in ("__init__.py", "__init__.pyi"):
            return None
        return module_file(parent(package), name, self.layout)

    def binding(self, node: ast.Import | ast.ImportFrom, alias: ast.alias) -> Binding | None:
        """What one imported name is bound to; None when an ImportFrom finds no repository module."""
        if isinstance(node, ast.Import):
            local = alias.asname or alias.name.split(".")[0]
            return "dotted", alias.name if alias.asname else local, ""
        dotted = f"{node.module}.{alias.name}" if node.module else alias.name
        if (sub := self.module(node.level, dotted)) is not None:
            return "file", sub, ""
        base = self.module(node.level, node.module or "")
        return None if base is None else ("name", base, alias.name)

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


class Bindings:
    """The names a module's import statements bind, each resolved when first looked up: a later
    statement wins, where it finds a repository module (so an external import hides nothing)."""

    def __init__(self, resolver: Resolver, imports: Iterable[ast.stmt]) -> None:
        self.resolver = resolver
        self._candidates: dict[str, list[tuple[ast.Import | ast.ImportFrom, ast.alias]]] = {}
        self._star_imports: list[ast.ImportFrom] = []
        for node in imports:
            if isinstance(node, ast.ImportFrom):
                plain = False
            elif isinstance(node, ast.Import):
                plain = True
            else:
                continue
            for alias in node.names:
                if alias.name == "*" and isinstance(node, ast.ImportFrom):
                    self._star_imports.append(node)
                    continue
                local = alias.asname or (alias.name.split(".")[0] if plain else alias.name)
                self._candidates.setdefault(local, []).append((node, alias))
        self._found: dict[str, Binding | None] = {}
        self._stars: list[str] | None = None

    def get(self, name: str) -> Binding | None:
        if name not in self._found:
            self._found[name] = next(
                (
                    b
                    for node, alias in reversed(self._candidates.get(name, ()))
                    if (b := self.resolver.binding(node, alias))
                ),
                None,
            )
        return self._found[name]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    @property
    def stars(self) -> list[str]:
        """The modules of ``from m import *``, in order."""
        if self._stars is None:
            found = (self.resolver.module(n.level, n.module or "") for n in self._star_imports)
            self._stars = [base for base in found if base]
        return self._stars


class Collector:
    """The references of pieces of one module: imported names, attribute chains, local names."""

    def __init__(self, resolver: Resolver, bindings: Bindings) -> None:
        self.resolver, self.bindings = resolver, bindings

    @property
    def stars(self) -> list[str]:
        return self.bindings.stars

    def uses(self, node: ast.AST, code: str, top: Callable[[], set[str]]) -> tuple[frozenset[Ref], frozenset[str]]:
        """What the piece uses from the repository, and the names no import binds (its module's
        own top-level names among them). ``code`` is its source."""
        refs: set[Ref] = set()
        free: set[str] = set()
        if "import" in code:
            for item in statements(node):
                if isinstance(item, ast.Import | ast.ImportFrom):
                    refs.update(self.resolver.import_refs(item))
        if isinstance(node, ast.Import | ast.ImportFrom):
            return frozenset(refs), frozenset()
        stars = self.stars
        for root, rest in set(_CHAIN.findall(code)):
            if not root or root in _KEYWORDS:
                continue
            binding = self.bindings.get(root)
            if binding is not None:
                attrs = [a.strip() for a in rest.split(".")[1:]] if rest else []
                if (hit := self.resolver.ref(binding, attrs)) is not None:
                    refs.add(hit)
            elif not stars or root in top():
                free.add(root)
            else:
                for star in stars:
                    refs.add((star, root))
                    refs.add((star, ALL))
        return frozenset(refs), frozenset(free)
