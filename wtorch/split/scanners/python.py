"""Python: ``import a.b``, ``from a.b import c`` (c may be a module) and relative imports."""

from __future__ import annotations

import re

from wtorch.split.scanners._text import mask
from wtorch.split.scanners.layout import Layout, join, parent

_STATEMENT = re.compile(
    r"(?:^|;)[ \t]*(?:from[ \t]+(?P<base>\.*[\w.]*)[ \t]+import[ \t]*(?P<names>\([^)]*\)|[^\n;]*)"
    r"|import[ \t]+(?P<modules>[^\n;]*))",
    re.M,
)
_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_IDENTIFIERS = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")


def import_specs(text: str) -> list[tuple[int, str, tuple[str, ...]]]:
    """(leading dots, module, imported names) per import; plain ``import`` has no names."""
    code = mask(text, "python").code.replace("\\\n", " ")
    specs: list[tuple[int, str, tuple[str, ...]]] = []
    for m in _STATEMENT.finditer(code):
        if m.group("modules") is not None:
            for part in m.group("modules").split(","):
                if name := _NAME.match(part.strip()):
                    specs.append((0, name.group(0), ()))
            continue
        base = m.group("base")
        dots = len(base) - len(base.lstrip("."))
        module = base[dots:]
        names = tuple(
            n.group(0) for part in m.group("names").strip("() \t\n").split(",") if (n := _NAME.match(part.strip()))
        )
        if "*" in m.group("names"):
            names = ()
        if dots or _NAME.fullmatch(module):
            specs.append((dots, module, names))
    return specs


def module_file(base: str, dotted: str, layout: Layout) -> str | None:
    key = (base, dotted)
    if key not in layout.files:
        layout.files[key] = _module_file(base, dotted, layout)
    return layout.files[key]


def _module_file(base: str, dotted: str, layout: Layout) -> str | None:
    if not dotted:
        return layout.first([join(base, "__init__.py"), join(base, "__init__.pyi")])
    # A dotted name is identifiers only: below a directory of the tree it needs no normalising.
    plain = dotted.replace(".", "/")
    stem = (f"{base}/{plain}" if base else plain) if _IDENTIFIERS.fullmatch(dotted) else join(base, plain)
    if stem is None:
        return None
    return layout.first([stem + ".py", stem + "/__init__.py", stem + ".pyi", stem + "/__init__.pyi"])


def roots_for(path: str, layout: Layout) -> list[str]:
    """The importer's own root first; a script outside any package also sees its own directory."""
    own = [r for r in layout.python_roots if r == "" or path.startswith(r + "/")]
    own.sort(key=lambda r: -len(r))
    rest = [r for r in layout.python_roots if r not in own]
    roots = own[:1] + rest + own[1:]
    here = parent(path)
    if join(here, "__init__.py") not in layout.paths and here not in roots:
        roots.append(here)
    return roots


def _resolve_in(base: str, module: str, names: tuple[str, ...], layout: Layout) -> set[str]:
    found: set[str] = set()
    whole = module_file(base, module, layout)
    for name in names:
        sub = module_file(base, f"{module}.{name}" if module else name, layout)
        if sub is not None:
            found.add(sub)
        elif whole is not None:
            found.add(whole)
    if not names and whole is not None:
        found.add(whole)
    return found


def targets(path: str, text: str, layout: Layout) -> set[str]:
    """Repository files that ``path`` imports."""
    found: set[str] = set()
    roots: list[str] | None = None
    for dots, module, names in import_specs(text):
        if dots:
            base: str | None = parent(path)
            for _ in range(dots - 1):
                base = None if not base else parent(base)
            if base is not None:
                found |= _resolve_in(base, module, names, layout)
            continue
        if roots is None:
            roots = roots_for(path, layout)
        for root in roots:
            hit = _resolve_in(root, module, names, layout)
            if hit:
                found |= hit
                break
    found.discard(path)
    return found
