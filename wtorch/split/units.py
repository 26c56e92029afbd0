"""Units of a split: the files that must travel together, and the order between units (pure)."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from wtorch.graph import strongly_connected
from wtorch.split.model import ChangedFile, Edge, Why
from wtorch.split.scanners.cfamily import HEADERS, SOURCES

RENAME = "rename"
TEST = "test with its source"
GENERATED = "generated file with its source"
LOCK = "lock file with its manifest"
GO_PACKAGE = "one Go package"
HEADER = "header with its source"
CYCLE = "import cycle"
_USES = frozenset({Why.USES_ADDED, Why.USES_CHANGED})
_TESTS = frozenset({Why.TESTS_NEW, Why.TESTED_OLD})

LOCK_FILES = {
    "package-lock.json": "package.json",
    "yarn.lock": "package.json",
    "pnpm-lock.yaml": "package.json",
    "npm-shrinkwrap.json": "package.json",
    "poetry.lock": "pyproject.toml",
    "uv.lock": "pyproject.toml",
    "Cargo.lock": "Cargo.toml",
    "go.sum": "go.mod",
    "Gemfile.lock": "Gemfile",
    "composer.lock": "composer.json",
    "Pipfile.lock": "Pipfile",
}
_JS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_SUBJECT_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...] = (
    (re.compile(r"test_(.+)\.py"), (".py",), TEST),
    (re.compile(r"(.+)_test\.py"), (".py",), TEST),
    (re.compile(r"(.+)\.(?:test|spec)\.(?:[cm]?[jt]sx?)"), _JS, TEST),
    (re.compile(r"(.+?)(?:Tests?|IT)\.(?:java|kt)"), (".java", ".kt"), TEST),
    (re.compile(r"Test(.+)\.(?:java|kt)"), (".java", ".kt"), TEST),
    (re.compile(r"(.+)_(?:unit)?test\.(?:c|cc|cpp|cxx)"), SOURCES, TEST),
    (re.compile(r"test_(.+)\.(?:c|cc|cpp|cxx)"), SOURCES, TEST),
    (re.compile(r"(.+?)(?:_grpc)?\.pb(?:\.\w+)?\.(?:go|cc|h)"), (".proto",), GENERATED),
    (re.compile(r"(.+)_pb2(?:_grpc)?\.pyi?"), (".proto",), GENERATED),
    (re.compile(r"(.+?)(?:_grpc)?_pb\.(?:js|ts|d\.ts)"), (".proto",), GENERATED),
)
# Layout words that tell nothing about which source a test or generated file belongs to.
_NOISE = frozenset(
    {
        "src",
        "lib",
        "main",
        "test",
        "tests",
        "__tests__",
        "spec",
        "specs",
        "java",
        "kotlin",
        "include",
        "gen",
        "generated",
        "proto",
        "protos",
        "pb",
        "unit",
        "integration",
        "testing",
    }
)


@dataclass
class Unit:
    """Files kept together, with the units they need (by index)."""

    files: tuple[ChangedFile, ...]
    lines: int
    reasons: tuple[str, ...]
    needs: frozenset[int]
    key: str
    directory: str


class _Groups:
    """Union-find over file paths that remembers why files were joined."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.parent = {p: p for p in paths}
        self.why: dict[str, set[str]] = defaultdict(set)

    def find(self, p: str) -> str:
        root = p
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[p] != root:
            self.parent[p], p = root, self.parent[p]
        return root

    def union(self, a: str, b: str, reason: str) -> None:
        ra, rb = sorted((self.find(a), self.find(b)))
        if ra != rb:
            self.parent[rb] = ra
            self.why[ra] |= self.why.pop(rb, set())
        self.why[ra].add(reason)


def _norm_dirs(path: str) -> list[str]:
    return [d for d in posixpath.dirname(path).split("/") if d and d not in _NOISE]


def _score(a: str, b: str) -> int:
    if posixpath.dirname(a) == posixpath.dirname(b):
        return 1 << 20
    da, db = _norm_dirs(a), _norm_dirs(b)
    n = 0
    while n < min(len(da), len(db)) and da[-1 - n] == db[-1 - n]:
        n += 1
    return n


# Any of the rules' names at all: most files match none, and one test rules them out.
_ANY_SUBJECT = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _, _ in _SUBJECT_RULES))


def _subject(path: str, by_name: dict[str, list[str]]) -> tuple[str, str] | None:
    """The one changed file that ``path`` tests or is generated from, if it is unambiguous."""
    name = path.rpartition("/")[2]
    if not _ANY_SUBJECT.fullmatch(name):
        return None
    for pattern, extensions, reason in _SUBJECT_RULES:
        if not (m := pattern.fullmatch(name)):
            continue
        candidates = [c for ext in extensions for c in by_name.get(m.group(1) + ext, ()) if c != path]
        if reason == TEST:
            candidates = [c for c in candidates if _subject_rule(c) is None]
        if not candidates:
            continue
        scored = sorted(((_score(path, c), c) for c in candidates), reverse=True)
        if len(scored) == 1 or scored[0][0] > scored[1][0]:
            return scored[0][1], reason
    return None


def _subject_rule(path: str) -> str | None:
    name = path.rpartition("/")[2]
    if not _ANY_SUBJECT.fullmatch(name):
        return None
    return next((r for p, _, r in _SUBJECT_RULES if p.fullmatch(name)), None)


def _rust_subject(path: str, paths: set[str]) -> str | None:
    if not path.endswith(".rs"):
        return None
    parts = path.split("/")
    if len(parts) < 2 or parts[-2] != "tests" or not path.endswith(".rs"):
        return None
    crate = "/".join(parts[:-2])
    stem = parts[-1][: -len(".rs")]
    for cand in (f"src/{stem}.rs", f"src/{stem}/mod.rs"):
        full = f"{crate}/{cand}" if crate else cand
        if full in paths:
            return full
    return None


def kept_together(
    files: Sequence[ChangedFile], understood: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str, str]]:
    """(a, b, reason): pairs of changed files that must land in the same chunk.

    A test and its source by name are paired only when their changes are not ``understood``
    (symbol facts then say whether the test needs the source's change).
    """
    paths = {f.path for f in files}
    by_name: dict[str, list[str]] = defaultdict(list)
    go_dirs: dict[str, list[str]] = defaultdict(list)
    for f in sorted(files, key=lambda f: f.path):
        by_name[f.path.rpartition("/")[2]].append(f.path)
        if f.path.endswith(".go"):
            go_dirs[posixpath.dirname(f.path)].append(f.path)
    for f in files:
        if f.status == "R" and f.old_path in paths:
            yield f.path, f.old_path, RENAME
        directory, _, name = f.path.rpartition("/")
        if name in LOCK_FILES:
            manifest = posixpath.join(directory, LOCK_FILES[name])
            if manifest in paths:
                yield f.path, manifest, LOCK
        if (rust := _rust_subject(f.path, paths)) is not None:
            yield f.path, rust, TEST
        elif (subject := _subject(f.path, by_name)) is not None and not (
            subject[1] == TEST and f.path in understood and subject[0] in understood
        ):
            yield f.path, subject[0], subject[1]
        if f.path.endswith(SOURCES):
            stem, ext = posixpath.splitext(f.path)
            if ext in SOURCES and (header := _subject_header(stem, by_name)) is not None:
                yield f.path, header, HEADER
    for members in go_dirs.values():
        for other in members[1:]:
            yield members[0], other, GO_PACKAGE


def _subject_header(stem: str, by_name: dict[str, list[str]]) -> str | None:
    name = posixpath.basename(stem)
    candidates = [c for ext in HEADERS for c in by_name.get(name + ext, ())]
    if not candidates:
        return None
    source = stem + ".c"
    scored = sorted(((_score(source, c), c) for c in candidates), reverse=True)
    if len(scored) == 1 or scored[0][0] > scored[1][0]:
        return scored[0][1]
    return None


def build_units(
    files: Sequence[ChangedFile], edges: Sequence[Edge], understood: frozenset[str] = frozenset()
) -> list[Unit]:
    """Units in a stable order (by first path), each with the units it needs."""
    by_path = {f.path: f for f in files}
    # Edges may name the old side of a rename: it belongs to the renamed file.
    alias = {f.old_path: f.path for f in files if f.old_path and f.status == "R" and f.old_path not in by_path}
    groups = _Groups(sorted(by_path))
    for a, b, reason in kept_together(files, understood):
        groups.union(a, b, reason)

    pairs: dict[tuple[str, str], list[Edge]] = defaultdict(list)
    for e in edges:
        src, dst = alias.get(e.src, e.src), alias.get(e.dst, e.dst)
        if src in by_path and dst in by_path and src != dst:
            pairs[(src, dst)].append(e)
    graph: dict[str, set[str]] = {groups.find(p): set() for p in by_path}
    for src, dst in pairs:
        rs, rd = groups.find(src), groups.find(dst)
        if rs != rd:
            graph[rs].add(rd)
    # graph.py's Tarjan is iterative too; only components of several units are cycles here, and
    # only what a topological sort cannot peel off can be in one.
    cyclic = _unpeeled(graph)
    ordered = {node: sorted(graph[node] & cyclic) for node in sorted(cyclic)}
    for component in sorted(sorted(c) for c in strongly_connected(ordered) if len(c) > 1):
        roots = set(component)
        inside = {k: v for k, v in pairs.items() if groups.find(k[0]) in roots and groups.find(k[1]) in roots}
        reason = cycle_reason(inside)
        for other in component[1:]:
            groups.union(component[0], other, reason)
    return _assemble(by_path, groups, set(pairs))


def _unpeeled(graph: dict[str, set[str]]) -> set[str]:
    """The nodes left after repeatedly removing those that need nothing left (Kahn): every cycle,
    and what needs one."""
    waiting = {node: len(needs) for node, needs in graph.items()}
    needed_by: dict[str, list[str]] = defaultdict(list)
    for node, needs in graph.items():
        for dst in needs:
            needed_by[dst].append(node)
    free = [node for node, n in waiting.items() if n == 0]
    while free:
        node = free.pop()
        del waiting[node]
        for user in needed_by.get(node, ()):
            waiting[user] -= 1
            if waiting[user] == 0:
                free.append(user)
    return set(waiting)


def cycle_reason(inside: dict[tuple[str, str], list[Edge]]) -> str:
    """Why files that need each other's changes are kept together, in a reviewer's words."""
    whys = {e.why for es in inside.values() for e in es}
    if whys <= {Why.IMPORTS}:
        return CYCLE
    files = sorted({p for pair in inside for p in pair})
    if len(files) == 2:
        if whys <= _USES:
            return f"{files[0]} and {files[1]} each use what the other adds"
        if phrase := _pair_reason(inside, whys):
            return phrase
    steps = []
    for (src, dst), es in sorted(inside.items()):
        names = sorted({n for e in es for n in e.names})
        steps.append(f"{src} {es[0].why}{' ' + ', '.join(names[:3]) if names else ''} ({dst})")
    return "the change is cyclic: " + "; ".join(steps[:4]) + ("; …" if len(steps) > 4 else "")


def _pair_reason(inside: dict[tuple[str, str], list[Edge]], whys: set[str]) -> str | None:
    def names(why: str) -> tuple[str, str, str]:
        for (src, dst), es in sorted(inside.items()):
            found = sorted({n for e in es if e.why == why for n in e.names})
            if any(e.why == why for e in es):
                return src, dst, ", ".join(found) or "it"
        return "", "", ""

    if Why.TESTS_NEW in whys and whys <= _TESTS | _USES:
        test, _, what = names(Why.TESTS_NEW)
        return f"{test} asserts the new behaviour of {what}"
    if whys == {Why.USES_ADDED, Why.REMOVES}:
        user, owner, added = names(Why.USES_ADDED)
        return f"{owner} removes {names(Why.REMOVES)[2]} and adds {added}, which {user} switches to"
    return None


def _assemble(by_path: dict[str, ChangedFile], groups: _Groups, pairs: set[tuple[str, str]]) -> list[Unit]:
    members: dict[str, list[str]] = defaultdict(list)
    for p in sorted(by_path):
        members[groups.find(p)].append(p)
    roots = sorted(members, key=lambda r: members[r][0])
    index = {r: i for i, r in enumerate(roots)}
    needs: dict[int, set[int]] = defaultdict(set)
    for src, dst in pairs:
        s, d = index[groups.find(src)], index[groups.find(dst)]
        if s != d:
            needs[s].add(d)
    units = []
    for i, r in enumerate(roots):
        fs = tuple(by_path[p] for p in members[r])
        if len(fs) == 1:
            f = fs[0]
            lines = 0 if f.excluded else f.lines
            directory = f.path.rpartition("/")[0]
        else:
            weight: dict[str, int] = defaultdict(int)
            for f in fs:
                weight[f.path.rpartition("/")[0]] += 0 if f.excluded else f.lines
            directory = min(weight, key=lambda d: (-weight[d], d))
            lines = sum(0 if f.excluded else f.lines for f in fs)
        units.append(
            Unit(
                files=fs,
                lines=lines,
                reasons=tuple(sorted(groups.why.get(r, ()))),
                needs=frozenset(needs[i]) if i in needs else frozenset(),
                key=members[r][0],
                directory=directory,
            )
        )
    return units
