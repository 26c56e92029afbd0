"""Whether a Python definition's new shape still accepts what its old shape accepted (pure).

A caller written against the old shape keeps working when the new one is compatible: no
parameter removed, renamed or made required, no class member removed. Only then can a change
land before the callers that adapt to it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

PRIVATE_EXCEPT = frozenset({"__init__", "__call__", "__enter__", "__exit__", "__iter__", "__getitem__"})


@dataclass(frozen=True)
class Signature:
    """What a call site can rely on: the parameters and which of them are required."""

    positional: tuple[str, ...]
    required: int
    keyword: frozenset[str]
    keyword_required: frozenset[str]
    varargs: bool
    varkw: bool


@dataclass(frozen=True)
class Shape:
    """The interface of one top-level name: a function's signature, a class's members, or a value."""

    kind: str  # "function", "class", "value" or "import"
    signature: Signature | None = None
    members: tuple[tuple[str, Signature | None], ...] = ()
    bases: str = ""


VALUE = Shape("value")


def signature_of(args: ast.arguments) -> Signature:
    positional = tuple(a.arg for a in [*args.posonlyargs, *args.args])
    keyword = frozenset(a.arg for a in args.kwonlyargs)
    return Signature(
        positional=positional,
        required=len(positional) - len(args.defaults),
        keyword=keyword,
        keyword_required=frozenset(a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None),
        varargs=args.vararg is not None,
        varkw=args.kwarg is not None,
    )


def shape_of(node: ast.stmt) -> Shape:
    """The shape of a top-level definition; anything but a def or a class is a value."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return Shape("function", signature_of(node.args))
    if isinstance(node, ast.ClassDef):
        members: dict[str, Signature | None] = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                members[item.name] = signature_of(item.args)
            elif isinstance(item, ast.Assign | ast.AnnAssign):
                for target in item.targets if isinstance(item, ast.Assign) else [item.target]:
                    if isinstance(target, ast.Name):
                        members.setdefault(target.id, None)
            elif isinstance(item, ast.ClassDef):
                members[item.name] = None
        bases = ast.dump(ast.Tuple([*node.bases, *(k.value for k in node.keywords)], ast.Load()))
        return Shape("class", members=tuple(sorted(members.items(), key=lambda kv: kv[0])), bases=bases)
    return VALUE


def accepts(old: Signature, new: Signature) -> bool:
    """Does every call that matched ``old`` still match ``new``?"""
    if (old.varargs and not new.varargs) or (old.varkw and not new.varkw):
        return False
    for i, name in enumerate(old.positional):
        if i < len(new.positional):
            if new.positional[i] != name:
                return False
        elif not new.varargs:
            return False
    if new.required > old.required:
        return False
    if not new.keyword_required <= old.keyword_required:
        return False
    return all(name in new.keyword or name in new.positional or new.varkw for name in old.keyword)


def compatible(old: Shape, new: Shape) -> bool:
    """Can callers of ``old`` use ``new`` unchanged? Values are always compatible: a changed
    value changes behaviour, not what a caller may write."""
    if old.kind == "value" and new.kind == "value":
        return True
    if old.kind != new.kind:
        # A def that became a class (or back) breaks isinstance and subclassing; a name that
        # became a value or an import may still be called as before.
        return not {old.kind, new.kind} <= {"function", "class"}
    if old.kind == "function":
        return old.signature is None or new.signature is None or accepts(old.signature, new.signature)
    if old.kind == "class":
        now = dict(new.members)
        for name, sig in old.members:
            if name.startswith("_") and name not in PRIVATE_EXCEPT:
                continue
            if name not in now:
                return False
            after = now[name]
            if sig is not None and after is not None and not accepts(sig, after):
                return False
        return True
    return True
