"""Edges from what the change does: one test per rule, then properties over random Python changes."""

from __future__ import annotations

import ast
import random
from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st

from wtorch.split import Analysis, ChangedFile, Edge, SplitPlan, Why, analyse, plan_split
from wtorch.split.hunks import cut_by_hunks


def changed(path: str, status: str = "M", lines: int = 10, old_path: str | None = None) -> ChangedFile:
    return ChangedFile(path=path, status=status, lines=lines, old_path=old_path)


def facts(
    files: list[ChangedFile],
    new: Mapping[str, str],
    old: Mapping[str, str],
    *,
    extra: tuple[str, ...] = (),
    context: Mapping[str, str] | None = None,
) -> Analysis:
    paths = frozenset({f.path for f in files if f.status != "D"} | set(extra) | set(context or {}))
    return analyse(files, new_text=new, old_text=old, repo_paths=paths, context_text=context)


def plan(files: list[ChangedFile], found: Analysis, budget: int) -> SplitPlan:
    return plan_split(files, found.edges, max_lines=budget, understood=found.understood)


def where(p: SplitPlan) -> dict[str, int]:
    return {path: c.n for c in p.chunks for path in c.files}


PKG = ("pkg/__init__.py",)


# --- one rule each -------------------------------------------------------------------------


def test_a_removed_name_lands_after_every_change_that_stops_using_it() -> None:
    # The case: util drops isidentifier; a and b stop using it (one by `from`, one by `m.a`).
    files = [changed("pkg/util.py", lines=60), changed("pkg/a.py", lines=60), changed("pkg/b.py", lines=60)]
    found = facts(
        files,
        new={
            "pkg/util.py": "def other():\n    pass\n",
            "pkg/a.py": "from pkg.util import other\n",
            "pkg/b.py": "import pkg.util\nX = 1\n",
        },
        old={
            "pkg/util.py": "def other():\n    pass\ndef isidentifier(s):\n    return s.isidentifier()\n",
            "pkg/a.py": "from pkg.util import other, isidentifier\n",
            "pkg/b.py": "import pkg.util\nX = pkg.util.isidentifier('a')\n",
        },
        extra=PKG,
    )
    assert list(found.edges) == [
        Edge("pkg/util.py", "pkg/a.py", Why.REMOVES, ("isidentifier",)),
        Edge("pkg/util.py", "pkg/b.py", Why.REMOVES, ("isidentifier",)),
    ]
    p = plan(files, found, 100)
    assert where(p)["pkg/util.py"] > max(where(p)["pkg/a.py"], where(p)["pkg/b.py"])
    last = p.chunks[-1]
    assert {(r.path, r.names, r.why) for r in last.requires} >= {("pkg/a.py", ("isidentifier",), Why.REMOVES)}


def test_a_renamed_name_lands_with_the_change_that_switches_to_it() -> None:
    files = [changed("pkg/util.py", lines=60), changed("pkg/a.py", lines=60), changed("pkg/c.py", lines=60)]
    found = facts(
        files,
        new={
            "pkg/util.py": "def new_name():\n    pass\n",
            "pkg/a.py": "from pkg.util import new_name\nnew_name()\n",
            "pkg/c.py": "C = 2\n",
        },
        old={
            "pkg/util.py": "def old_name():\n    pass\n",
            "pkg/a.py": "from pkg.util import old_name\nold_name()\n",
            "pkg/c.py": "C = 1\n",
        },
        extra=PKG,
    )
    assert set(found.edges) == {
        Edge("pkg/a.py", "pkg/util.py", Why.USES_ADDED, ("new_name",)),
        Edge("pkg/util.py", "pkg/a.py", Why.REMOVES, ("old_name",)),
    }
    p = plan(files, found, 100)
    assert where(p)["pkg/a.py"] == where(p)["pkg/util.py"]
    assert [o.why for o in p.oversized] == [
        "files kept together: pkg/util.py removes old_name and adds new_name, which pkg/a.py switches to"
    ]


def test_a_re_export_through_an_unchanged_init_leads_to_the_defining_change() -> None:
    files = [changed("pkg/core.py"), changed("app.py"), changed("pkg/other.py")]
    found = facts(
        files,
        new={
            "pkg/core.py": "def thing(x, new=0):\n    return x + new\n",
            "app.py": "import pkg\nY = pkg.thing(1, new=1)\n",
            "pkg/other.py": "from pkg import thing\nZ = 2\n",
        },
        old={
            "pkg/core.py": "def thing(x):\n    return x\n",
            "app.py": "import pkg\nY = pkg.thing(1)\n",
            "pkg/other.py": "from pkg import thing\nZ = 1\n",
        },
        context={"pkg/__init__.py": "from .core import thing\n__all__ = ['thing']\n"},
    )
    # app's new line calls what core changes; other only imports it again, unchanged: no edge.
    assert list(found.edges) == [Edge("app.py", "pkg/core.py", Why.USES_CHANGED, ("thing",))]


def test_a_re_export_added_to_a_changed_init() -> None:
    files = [changed("pkg/__init__.py"), changed("pkg/core.py"), changed("app.py")]
    found = facts(
        files,
        new={
            "pkg/__init__.py": "from .core import fresh\n",
            "pkg/core.py": "def fresh():\n    pass\n",
            "app.py": "from pkg import fresh\n",
        },
        old={"pkg/__init__.py": "", "pkg/core.py": "", "app.py": ""},
    )
    assert set(found.edges) == {
        Edge("app.py", "pkg/__init__.py", Why.USES_ADDED, ("fresh",)),
        Edge("app.py", "pkg/core.py", Why.USES_ADDED, ("fresh",)),
        Edge("pkg/__init__.py", "pkg/core.py", Why.USES_ADDED, ("fresh",)),
    }


def test_a_test_asserting_new_behaviour_lands_in_the_same_chunk() -> None:
    files = [
        changed("pkg/core.py", lines=60),
        changed("tests/test_core.py", lines=50),
        changed("pkg/other.py", lines=60),
        changed("tests/test_fresh.py", "A", 30),
    ]
    found = facts(
        files,
        new={
            "pkg/core.py": "def greet(n):\n    return 'hi ' + n\ndef fresh():\n    pass\n",
            "tests/test_core.py": "from pkg.core import greet\ndef test_greet():\n    assert greet('a') == 'hi a'\n",
            "pkg/other.py": "Z = 2\n",
            "tests/test_fresh.py": "from pkg.core import fresh\ndef test_fresh():\n    fresh()\n",
        },
        old={
            "pkg/core.py": "def greet(n):\n    return 'hello ' + n\n",
            "tests/test_core.py": "from pkg.core import greet\ndef test_greet():\n    assert greet('a') == 'hello a'\n",
            "pkg/other.py": "Z = 1\n",
        },
        extra=PKG,
    )
    assert set(found.edges) == {
        Edge("tests/test_core.py", "pkg/core.py", Why.TESTS_NEW, ("greet",)),
        Edge("pkg/core.py", "tests/test_core.py", Why.TESTED_OLD, ("greet",)),
        Edge("tests/test_fresh.py", "pkg/core.py", Why.USES_ADDED, ("fresh",)),
    }
    p = plan(files, found, 100)
    at = where(p)
    assert at["tests/test_core.py"] == at["pkg/core.py"] <= at["tests/test_fresh.py"]
    assert "tests/test_core.py asserts the new behaviour of greet" in p.oversized[0].why


def test_a_test_reaches_the_behaviour_it_asserts_through_the_code_it_calls() -> None:
    files = [changed("pkg/api.py"), changed("pkg/rules.py"), changed("tests/test_api.py")]
    found = facts(
        files,
        new={
            "pkg/api.py": "from pkg.rules import limit\ndef handle(x):\n    return limit(x)\nV = 2\n",
            "pkg/rules.py": "def limit(x):\n    return min(x, 5)\n",
            "tests/test_api.py": "from pkg.api import handle\ndef test_handle():\n    assert handle(9) == 5\n",
        },
        old={
            "pkg/api.py": "from pkg.rules import limit\ndef handle(x):\n    return limit(x)\nV = 1\n",
            "pkg/rules.py": "def limit(x):\n    return min(x, 10)\n",
            "tests/test_api.py": "from pkg.api import handle\ndef test_handle():\n    assert handle(9) == 9\n",
        },
        extra=PKG,
    )
    assert set(found.edges) == {
        Edge("tests/test_api.py", "pkg/rules.py", Why.TESTS_NEW, ("handle",)),
        Edge("pkg/rules.py", "tests/test_api.py", Why.TESTED_OLD, ("handle",)),
    }


def test_a_reformat_only_change_has_no_edges_and_packs_to_the_floor() -> None:
    # Six modules importing each other in a cycle, every one reformatted: nothing needs anything.
    old = {
        f"pkg/m{i}.py": f'"""Module {i}."""\nfrom pkg import m{(i + 1) % 6}\n\n\ndef f{i}(x, y=1):\n'
        f'    """Call the next.\n\n    Really."""\n    return m{(i + 1) % 6}.f{(i + 1) % 6}(x)\n'
        for i in range(6)
    }
    new = {
        path: text.replace("(x, y=1):", "(\n    x,\n    y = 1,\n):").replace("\n\n    Really.", "\n        Really.")
        for path, text in old.items()
    }
    files = [changed(p, lines=40) for p in old]
    found = facts(files, new, old, extra=PKG)
    assert found.edges == ()
    assert found.understood == frozenset(old)
    p = plan(files, found, 100)
    assert len(p.chunks) == p.floor == 3


def test_a_true_cycle_in_the_change_is_kept_together_and_says_why() -> None:
    files = [changed("a.py", lines=60), changed("b.py", lines=60), changed("c.py", lines=60)]
    found = facts(
        files,
        new={
            "a.py": "import b\ndef f():\n    return b.g\n",
            "b.py": "import a\ndef g():\n    return a.f\n",
            "c.py": "",
        },
        old={"a.py": "import b\n", "b.py": "import a\n", "c.py": "import a\n"},
    )
    p = plan(files, found, 100)
    assert where(p)["a.py"] == where(p)["b.py"] != where(p)["c.py"]
    assert [o.why for o in p.oversized] == ["files kept together: a.py and b.py each use what the other adds"]


def test_an_import_between_changes_that_do_not_touch_each_other_is_no_edge() -> None:
    files = [changed("pkg/models.py"), changed("pkg/views.py")]
    found = facts(
        files,
        new={"pkg/models.py": "A = 1\nB = 3\n", "pkg/views.py": "from pkg.models import A\nV = A + 2\n"},
        old={"pkg/models.py": "A = 1\nB = 2\n", "pkg/views.py": "from pkg.models import A\nV = A + 1\n"},
        extra=PKG,
    )
    assert found.edges == ()


def test_a_compatible_signature_change_goes_first_an_incompatible_one_with_its_callers() -> None:
    base = {"lib.py": "def f(a, b):\n    return a\n", "app.py": "from lib import f\nX = f(1, 2)\n"}
    compatible = facts(
        [changed("lib.py"), changed("app.py")],
        new={"lib.py": "def f(a, b, c=0):\n    return a\n", "app.py": "from lib import f\nX = f(1, 2, c=3)\n"},
        old=base,
    )
    assert list(compatible.edges) == [Edge("app.py", "lib.py", Why.USES_CHANGED, ("f",))]
    incompatible = facts(
        [changed("lib.py"), changed("app.py")],
        new={"lib.py": "def f(a):\n    return a\n", "app.py": "from lib import f\nX = f(1)\n"},
        old=base,
    )
    assert set(incompatible.edges) == {
        Edge("app.py", "lib.py", Why.USES_CHANGED, ("f",)),
        Edge("lib.py", "app.py", Why.SIGNATURE, ("f",)),
    }


def test_a_deleted_module_lands_after_its_last_user() -> None:
    files = [changed("pkg/old.py", "D"), changed("pkg/user.py")]
    found = facts(
        files,
        new={"pkg/user.py": "X = 1\n"},
        old={"pkg/user.py": "from pkg import old\nX = old.X\n", "pkg/old.py": "X = 1\n"},
        extra=PKG,
    )
    assert list(found.edges) == [Edge("pkg/old.py", "pkg/user.py", Why.DELETED_AFTER_USER, ("X",))]


def test_a_star_import_uses_what_its_module_adds() -> None:
    files = [changed("pkg/base.py"), changed("pkg/use.py")]
    found = facts(
        files,
        new={"pkg/base.py": "def g():\n    pass\n", "pkg/use.py": "from pkg.base import *\nY = g()\n"},
        old={"pkg/base.py": "", "pkg/use.py": "from pkg.base import *\n"},
        extra=PKG,
    )
    assert list(found.edges) == [Edge("pkg/use.py", "pkg/base.py", Why.USES_ADDED, ("g",))]


def test_a_test_uses_the_fixture_its_conftest_adds() -> None:
    files = [changed("tests/conftest.py"), changed("tests/test_x.py", "A")]
    found = facts(
        files,
        new={
            "tests/conftest.py": "import pytest\n@pytest.fixture\ndef db():\n    return 1\n",
            "tests/test_x.py": "def test_x(db):\n    assert db\n",
        },
        old={"tests/conftest.py": "import pytest\n"},
    )
    assert list(found.edges) == [Edge("tests/test_x.py", "tests/conftest.py", Why.USES_ADDED, ("db",))]


def test_a_file_that_does_not_parse_falls_back_to_its_imports() -> None:
    files = [changed("pkg/broken.py"), changed("pkg/user.py")]
    found = facts(
        files,
        new={"pkg/broken.py": "def f(:\n", "pkg/user.py": "from pkg.broken import f\nf()\n"},
        old={"pkg/broken.py": "def f():\n    pass\n", "pkg/user.py": "from pkg.broken import f\n"},
        extra=PKG,
    )
    assert found.understood == frozenset({"pkg/user.py"})
    assert list(found.edges) == [Edge("pkg/user.py", "pkg/broken.py", Why.IMPORTS, ("f",))]


def test_a_test_and_its_source_by_name_are_not_paired_when_the_facts_say_they_are_unrelated() -> None:
    files = [changed("pkg/cart.py", lines=60), changed("tests/test_cart.py", lines=60)]
    found = facts(
        files,
        new={"pkg/cart.py": "def total():\n    return 2\n", "tests/test_cart.py": "def test_other():\n    pass\n"},
        old={"pkg/cart.py": "def total():\n    return 1\n", "tests/test_cart.py": ""},
        extra=PKG,
    )
    assert len(plan(files, found, 100).chunks) == 2


# --- other languages: top-level declarations ------------------------------------------------


def test_declarations_order_an_import_only_when_the_importer_mentions_what_changed() -> None:
    files = [changed("web/fmt.ts"), changed("web/app.ts"), changed("web/page.ts")]
    found = facts(
        files,
        new={
            "web/fmt.ts": "export function money(x: number, c: string) { return c + x }\nexport const SEP = ','\n",
            "web/app.ts": "import { money } from './fmt'\nmoney(1, '$')\n",
            "web/page.ts": "import { SEP } from './fmt'\nconsole.log(SEP + 1)\n",
        },
        old={
            "web/fmt.ts": "export function money(x: number) { return '$' + x }\nexport const SEP = ','\n",
            "web/app.ts": "import { money } from './fmt'\nmoney(1)\n",
            "web/page.ts": "import { SEP } from './fmt'\nconsole.log(SEP)\n",
        },
    )
    assert list(found.edges) == [Edge("web/app.ts", "web/fmt.ts", Why.USES_CHANGED, ("money",))]


def test_declarations_a_removed_go_function_lands_after_its_last_caller() -> None:
    files = [changed("store/store.go"), changed("api/api.go")]
    api_old = 'package api\nimport "ex.com/m/store"\nfunc A() { store.Old() }\n'
    found = analyse(
        files,
        new_text={"store/store.go": "package store\nfunc New() {}\n", "api/api.go": api_old.replace("Old", "New")},
        old_text={"store/store.go": "package store\nfunc Old() {}\nfunc New() {}\n", "api/api.go": api_old},
        repo_paths=frozenset({"store/store.go", "api/api.go"}),
        go_module="ex.com/m",
    )
    assert list(found.edges) == [Edge("store/store.go", "api/api.go", Why.REMOVES, ("Old",))]


def test_declarations_a_new_rust_module_comes_before_the_mod_line() -> None:
    files = [changed("src/lib.rs"), changed("src/wire.rs", "A")]
    found = analyse(
        files,
        new_text={"src/lib.rs": "pub mod wire;\n", "src/wire.rs": "pub fn frame() {}\n"},
        old_text={"src/lib.rs": ""},
        repo_paths=frozenset({"Cargo.toml", "src/lib.rs", "src/wire.rs"}),
    )
    assert list(found.edges) == [Edge("src/lib.rs", "src/wire.rs", Why.IMPORTS)]


# --- properties: random Python changes ------------------------------------------------------


@st.composite
def python_changes(draw: st.DrawFn) -> tuple[list[ChangedFile], dict[str, str], dict[str, str], int]:
    """Modules that define f0..f5 (some only at one end, some with a changed body) and import
    each other's names, consistently at each end; plus tests that use them."""
    rng = random.Random(draw(st.integers(0, 10**6)))
    count = draw(st.integers(2, 8))
    modules = [f"pkg/m{i}.py" for i in range(count)]
    defined = {end: {m: {f"f{j}" for j in range(6) if rng.random() < 0.6} for m in modules} for end in ("old", "new")}
    old: dict[str, str] = {}
    new: dict[str, str] = {}
    files = []
    statuses = {m: rng.choice("MMMAD") for m in modules}
    for m, status in statuses.items():
        if status == "A":
            defined["old"][m] = set()
        if status == "D":
            defined["new"][m] = set()
    for m, status in statuses.items():
        for end, texts in (("old", old), ("new", new)):
            if (end == "old" and status == "A") or (end == "new" and status == "D"):
                continue
            texts[m] = _module_text(rng, m, modules, defined[end], end)
        files.append(changed(m, status, rng.randint(1, 80)))
    for t in range(draw(st.integers(0, 3))):
        path = f"tests/test_{t}.py"
        for end, texts in (("old", old), ("new", new)):
            texts[path] = _module_text(rng, path, modules, defined[end], end)
        files.append(changed(path, "M", rng.randint(1, 80)))
    return files, new, old, draw(st.integers(20, 200))


def _module_text(rng: random.Random, path: str, modules: list[str], defined: dict[str, set[str]], end: str) -> str:
    lines = []
    for other in modules:
        names = sorted(n for n in defined[other] if rng.random() < 0.3)
        if other != path and names:
            lines.append(f"from pkg.{other[4:-3]} import {', '.join(names)}")
    for name in sorted(defined.get(path, ())):
        body = rng.choice(["1", "2"]) if end == "new" else "1"
        lines.append(f"def {name}():\n    return {body}")
    return "\n".join(lines) + "\n"


def _imports_hold(state: dict[str, str]) -> bool:
    """Every `from pkg.m import n` in the state finds n defined in m (read with ast, independently)."""
    defined: dict[str, set[str]] = {}
    for path, text in state.items():
        body = ast.parse(text).body
        defined[path] = {n.name for n in body if isinstance(n, ast.FunctionDef)}
        defined[path] |= {a.name for n in body if isinstance(n, ast.ImportFrom) for a in n.names}
    for text in state.values():
        for node in ast.parse(text).body:
            if isinstance(node, ast.ImportFrom) and node.module:
                target = node.module.replace(".", "/") + ".py"
                if any(a.name not in defined.get(target, set()) for a in node.names):
                    return False
    return True


@settings(max_examples=150, deadline=None)
@given(python_changes(), st.randoms(use_true_random=False))
def test_property_every_chunk_state_imports(
    change: tuple[list[ChangedFile], dict[str, str], dict[str, str], int], rnd: random.Random
) -> None:
    files, new, old, budget = change
    found = facts(files, new, old, extra=PKG)
    p = plan(files, found, budget)
    at = where(p)
    assert sorted(at) == sorted(f.path for f in files)  # every file placed once
    for e in found.edges:
        assert at[e.src] >= at[e.dst], e  # every edge respected
    for k in range(len(p.chunks) + 1):
        state = {f.path: (new if at[f.path] <= k else old).get(f.path) for f in files}
        assert _imports_hold({path: text for path, text in state.items() if text is not None}), k
    shuffled = files[:]
    rnd.shuffle(shuffled)
    again = facts(shuffled, dict(reversed(list(new.items()))), old, extra=PKG)
    assert again == found  # deterministic, whatever the order of the input
    assert plan(shuffled, again, budget) == p


@settings(max_examples=60, deadline=None)
@given(python_changes())
def test_property_a_reformat_changes_no_edge(
    change: tuple[list[ChangedFile], dict[str, str], dict[str, str], int],
) -> None:
    files, _, old, budget = change
    kept = [changed(f.path, "M", f.lines) for f in files if f.path in old]
    reformatted = {path: text.replace("():\n    return", "(\n):\n        return") for path, text in old.items()}
    found = facts(kept, reformatted, old, extra=PKG)
    assert found.edges == ()
    p = plan(kept, found, budget)
    # Nothing orders anything: no two chunks could have been one.
    assert all(a.lines + b.lines > budget for a in p.chunks for b in p.chunks if a.n < b.n)


# --- oversized modified files: cut by hunks ---------------------------------------------------


def _module(bodies: dict[str, int]) -> str:
    return "".join(f"def {name}():\n    return {value}\n\n\n" for name, value in bodies.items())


def test_a_modified_file_over_budget_is_cut_by_hunks_into_parseable_parts() -> None:
    old = _module({f"f{i}": 0 for i in range(40)})
    new = _module({f"f{i}": 1 for i in range(40)}) + "def fresh():\n    return f1()\n"
    parts = cut_by_hunks(old, new, 20)
    assert parts is not None and len(parts) >= 4
    assert parts[-1].text == new
    for part in parts:
        assert part.lines <= 20
        names = {n.name for n in ast.parse(part.text).body if isinstance(n, ast.FunctionDef)}
        assert {f"f{i}" for i in range(40)} <= names


def test_a_change_that_cannot_be_cut_without_breaking_the_file_stays_whole() -> None:
    old = "X = [\n" + "".join(f"    {i},\n" for i in range(50)) + "]\n"
    new = "X = [\n" + "".join(f"    {i + 1},\n" for i in range(50)) + "]\n"
    assert cut_by_hunks(old, new, 20) is None  # one hunk: nothing to cut between


def test_the_planner_stacks_the_parts_of_a_cut_file_with_its_needs_first() -> None:
    old = _module({f"f{i}": 0 for i in range(30)})
    new = _module({f"f{i}": 1 for i in range(30)}) + "from pkg.b import g\nY = g()\n"
    files = [changed("pkg/a.py", lines=62), changed("pkg/b.py", "A", 10), changed("pkg/c.py", "A", 10)]
    found = facts(
        files,
        new={"pkg/a.py": new, "pkg/b.py": "def g():\n    return 1\n", "pkg/c.py": "from pkg.a import f1\n"},
        old={"pkg/a.py": old},
        extra=PKG,
    )
    p = plan_split(files, found.edges, max_lines=25, understood=found.understood, texts={"pkg/a.py": (old, new)})
    holding = [c for c in p.chunks if "pkg/a.py" in c.files]
    assert len(holding) >= 3 and p.oversized == ()
    assert all(dict(c.partial).get("pkg/a.py") for c in holding[:-1]) and not holding[-1].partial
    at = where(p)
    assert at["pkg/b.py"] <= holding[0].n  # what the file's change uses lands before its first part
    assert sum(c.lines for c in p.chunks) == p.total_lines == 82
    for c in holding[:-1]:
        ast.parse(dict(c.partial)["pkg/a.py"])


def test_a_cut_file_in_a_cycle_is_named_by_its_parts_in_the_reason() -> None:
    old = _module({f"f{i}": 0 for i in range(30)})
    new = _module({f"f{i}": 1 for i in range(30)}) + "from pkg.b import g\nY = g()\n\n\ndef fresh():\n    return 1\n"
    files = [changed("pkg/a.py", lines=66), changed("pkg/b.py", "A", 10)]
    found = facts(
        files,
        new={"pkg/a.py": new, "pkg/b.py": "from pkg.a import fresh\n\n\ndef g():\n    return fresh()\n"},
        old={"pkg/a.py": old},
        extra=PKG,
    )
    p = plan_split(files, found.edges, max_lines=25, understood=found.understood, texts={"pkg/a.py": (old, new)})
    assert p.oversized and all("\0" not in o.why for o in p.oversized)
    assert "pkg/a.py (part 1)" in p.oversized[0].why, p.oversized[0].why


def test_a_class_interface_is_its_own_members_not_a_module_level_name_bound_with_it() -> None:
    lib_old = "class Tz:\n    def name(self):\n        return 'x'\n\n\nTz.utc = Tz()\n"
    lib_new = lib_old.replace("Tz.utc = Tz()", "UTC = Tz.utc = Tz()")
    files = [changed("lib.py"), changed("app.py")]
    found = facts(
        files,
        new={"lib.py": lib_new, "app.py": "from lib import Tz\nX = Tz()\n"},
        old={"lib.py": lib_old, "app.py": "from lib import Tz\n"},
    )
    assert found.edges == ()  # app uses Tz, whose members did not change: no order between them
