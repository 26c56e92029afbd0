"""Python read by lines: top-level statements, imports, where two versions differ; and, over random
modules and edits, the same pieces of change as parsing both ends whole."""

from __future__ import annotations

import ast
import random
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from wtorch.split.rules import _difference
from wtorch.split.scanners import build_layout
from wtorch.split.symbols.compare import _compare, change_facts
from wtorch.split.symbols.outline import _line_starts, import_lines, import_statement, long_strings, region, scan
from wtorch.split.symbols.python import ModuleFacts
from wtorch.split.symbols.source import module_facts

LAYOUT = build_layout({"m.py", "pkg/__init__.py", "pkg/a.py", "pkg/b.py"}, {})


def statements(text: str) -> list[tuple[int, int, str]]:
    spans = long_strings(text)
    assert spans is not None
    return [(s.start, s.end, s.kind) for s in scan(text, spans)]


def test_statements_are_cut_at_column_0_lines_that_start_one() -> None:
    text = (
        '"""Doc.\n\nmore doc at column 0\ndef not_code():\n"""\n'  # 1-5
        "import os  # why\n"  # 6
        "\n# a comment at column 0\n"  # 7-8
        "@decorator(\n    arg,\n)\n@other\ndef f(x,\n      y):\n    return x\n# inside\n    # still\n\n"  # 9-18
        "try:\n    import json\nexcept ImportError:\n    json = None\nelse:\n    pass\nfinally:\n    pass\n"  # 19-26
        "X = [\n    1,\n]\n"  # 27-29
        "Y = 1 + \\\n2\n"  # 30-31
        "class C:\n    a = 1\n\n    def m(self):\n        return 2\n"  # 32-36
    )
    assert statements(text) == [
        (1, 5, "other"),
        (6, 6, "import"),
        (9, 15, "def"),
        (19, 26, "other"),
        (27, 29, "other"),
        (30, 31, "other"),
        (32, 36, "class"),
    ]


def test_what_a_statement_binds_is_read_from_its_first_line_or_left_to_the_parser() -> None:
    text = "X: int = 1\nY += 2\nA = B = 3\nprint(a=1)\nd[k] = 4\nif Z:\n    W = 1\nasync def g():\n    pass\n"
    spans = long_strings(text)
    assert spans is not None
    assert [s.names for s in scan(text, spans)] == [
        frozenset({"X"}),
        frozenset({"Y"}),
        None,  # chained: the parser says
        frozenset(),
        None,
        None,
        frozenset({"g"}),
    ]


def test_import_statements_read_from_their_text_are_what_the_parser_gives() -> None:
    for source in [
        "import os",
        "import os.path as p, sys",
        "from . import a",
        "from ..pkg.mod import (\n    a as b,\n    c,  # why\n)",
        "from m import *",
        "from m import a, \\\n    b",
    ]:
        read = import_statement(source)
        assert read is not None, source
        assert ast.dump(read) == ast.dump(ast.parse(source).body[0]), source
    assert import_statement("import a; import b") is None


_NAMES = st.sampled_from(["a", "b1", "_c", "pkg", "mod_x", "é"])
_DOTTED = st.lists(_NAMES, min_size=1, max_size=3).map(".".join)
_LISTED = st.lists(_NAMES, min_size=1, max_size=3)
_GAP = st.sampled_from([" ", "\t", "  "])


@settings(max_examples=300, deadline=None)
@given(_DOTTED, _LISTED, _GAP, st.booleans())
def test_property_one_line_imports_read_by_one_match_are_what_the_parser_gives(
    module: str, names: list[str], gap: str, plain: bool
) -> None:
    listed = f",{gap}".join(names)
    source = f"import{gap}{module},{gap}{listed}" if plain else f"from{gap}{module}{gap}import{gap}{listed}"
    read = import_statement(source)
    assert read is not None, source
    assert ast.dump(read) == ast.dump(ast.parse(source).body[0]), source


def _starts_line_by_line(text: str, begin: int, stop: int) -> list[int]:
    """Where a statement may start, the plain way: every line start in range, tested on its own."""
    found = []
    for pos in range(begin, stop):
        if pos and text[pos - 1] != "\n":
            continue
        after_backslash = pos > 1 and text[pos - 2] == "\\"
        code = not text[pos].isspace() and text[pos] not in "#)]}"
        clause = re.match(r"(?:else|elif|except|finally)\b", text[pos:]) is not None
        if code and not clause and not after_backslash:
            found.append(pos)
    return found


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(["\n", "\n", " ", "\t", "#", ")", "\\", "else", "elsewhere", "x", "@", "\xa0", ":"])),
    st.integers(0, 40),
    st.integers(0, 40),
)
def test_property_statement_starts_found_by_one_search_are_those_of_a_line_by_line_look(
    parts: list[str], a: int, b: int
) -> None:
    text = "".join(parts)
    begin, stop = sorted((min(a, len(text)), min(b, len(text))))
    assert _line_starts(text, begin, stop) == _starts_line_by_line(text, begin, stop)


def test_nested_imports_are_found_outside_strings() -> None:
    text = 'def f():\n    from pkg import a\n    """\n    import not_this\n    """\n'
    spans = long_strings(text)
    assert spans is not None
    assert import_lines(text, spans) == [(True, "from pkg import a")]


def test_a_triple_quote_in_a_comment_leaves_the_strings_to_the_parser() -> None:
    assert long_strings('# a """ quote\nX = 1\n') is None
    assert long_strings('X = \'"""\'\n') is None


def test_the_region_where_two_versions_differ_is_widened_to_whole_statements() -> None:
    old = "import os\n\n\n@dec\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n"
    new = old.replace("return 1", "return 3")
    begin, end_old, end_new = region(old, new, ([], []))
    assert old[begin:end_old].startswith("@dec\n") and old[end_old:].startswith("def g")
    assert new[begin:end_new] == old[begin:end_old].replace("return 1", "return 3")
    appended = old + "# trailing comment\n"
    begin, end_old, end_new = region(old, appended, ([], []))
    assert old[begin:end_old] == "def g():\n    return 2\n"


def test_the_same_text_after_a_line_start_and_after_indentation_is_no_boundary() -> None:
    old = "import warnings\n\nnis = helper.load('nis')\n\n\ndef f():\n    pass\n"
    new = "import warnings\n\nwith warnings.catch():\n    nis = helper.load('nis')\n\n\ndef f():\n    pass\n"
    begin, end_old, end_new = region(old, new, ([], []))
    assert old[begin:end_old] == "nis = helper.load('nis')\n\n\n"
    assert new[begin:end_new] == "with warnings.catch():\n    nis = helper.load('nis')\n\n\n"


def test_a_syntax_error_the_change_does_not_touch_leaves_the_file_understood() -> None:
    old = "def f(:\n    pass\n\n\ndef g():\n    return 1\n"
    new = old.replace("return 1", "return 2")
    a, b = change_facts("m.py", old, "m.py", new, LAYOUT, LAYOUT)
    assert a is not None and b is not None
    added, dropped = _difference(b, a)
    assert [p.names for p in added] == [frozenset({"g"})] and [p.names for p in dropped] == [frozenset({"g"})]
    a, b = change_facts("m.py", old, "m.py", new.replace("return 2", "return ("), LAYOUT, LAYOUT)
    assert b is None  # the changed statement does not parse


def test_a_name_imported_in_try_and_in_except_is_bound_by_the_try_body() -> None:
    text = "try:\n    from pkg.a import x\nexcept ImportError:\n    from pkg.b import x\nY = x\n"
    facts = module_facts("m.py", text, LAYOUT)
    assert facts is not None
    assert facts.collector.bindings.get("x") == ("name", "pkg/a.py", "x")


# --- the same pieces as parsing both ends whole ------------------------------------------------

TEMPLATES = [
    "def f{i}(x, y=1):\n    return x + y + {v}\n",
    "@decorator\ndef g{i}():\n    '''Doc {v}.'''\n    pass\n",
    "@decorator({v})\n@other\ndef h{i}():\n    pass\n",
    "class C{i}(Base):\n    '''Doc.'''\n\n    a = {v}\n\n    def m(self):\n        return {v}\n",
    'TEXT{i} = """\nline at column 0 {v}\ndef not_code():\n"""\n',
    "if FLAG:\n    Y{i} = {v}\nelse:\n    Y{i} = 0\n",
    "try:\n    import json\nexcept ImportError:\n    json = None\n",
    "from pkg.a import x{i}\n",
    "import pkg.b as b{i}\n",
    "L{i} = [\n    {v},\n    2,\n]\n",
    "Z{i} = 1 + \\\n    {v}\n",
    "A{i}, B{i} = {v}, 2\n",
    "# a comment {v}\n",
    "\n",
    "print({v})\n",
    "X{i} = load({v})\n",
    "with ctx:\n    X{i} = load({v})\n",  # the one before, moved into a block
]
SIMPLE, WRAPPED = len(TEMPLATES) - 2, len(TEMPLATES) - 1


def _module(parts: list[tuple[int, int, int]]) -> str:
    """(template, id, value) each; the blank lines after a statement depend on its id alone."""
    return "".join(TEMPLATES[t].format(i=i, v=v) + "\n" * (i % 3) for t, i, v in parts)


def _pieces(facts: ModuleFacts, pieces: list[object]) -> list[tuple[str, str]]:
    return sorted((p.context, facts.source.text_of(p.lines)) for p in pieces)  # type: ignore[attr-defined]


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 10**6))
def test_property_the_statements_a_change_adds_and_drops_are_those_of_the_whole_trees(seed: int) -> None:
    rng = random.Random(seed)
    parts = [(rng.randrange(len(TEMPLATES)), i, rng.randrange(5)) for i in range(rng.randint(0, 12))]
    changed = list(parts)
    for fresh in range(100, 100 + rng.randint(1, 3)):
        edit = rng.choice(["value", "insert", "delete", "swap", "wrap"])
        k = rng.randrange(len(changed) + 1)
        if edit == "wrap" and changed:
            t, i, v = changed[k % len(changed)]
            changed[k % len(changed)] = (WRAPPED if t == SIMPLE else SIMPLE if t == WRAPPED else t, i, v)
        elif edit == "insert" or not changed:
            changed.insert(k, (rng.randrange(len(TEMPLATES)), fresh, rng.randrange(5)))
        elif edit == "value":
            t, i, v = changed[k % len(changed)]
            changed[k % len(changed)] = (t, i, v + 1)
        elif edit == "delete":
            del changed[k % len(changed)]
        else:
            j = rng.randrange(len(changed))
            changed[k % len(changed)], changed[j] = changed[j], changed[k % len(changed)]
    old, new = _module(parts), _module(changed)
    a, b = change_facts("m.py", old, "m.py", new, LAYOUT, LAYOUT)
    whole_a, whole_b = module_facts("m.py", old, LAYOUT, parse=True), module_facts("m.py", new, LAYOUT, parse=True)
    assert a is not None and b is not None and whole_a is not None and whole_b is not None
    assert a.window is not None and b.window is not None  # read by lines: no statement misread
    found = _compare(whole_a, whole_b)
    assert found is not None
    added, dropped = _difference(b, a)
    whole_added, whole_dropped = _difference(found[1], found[0])
    assert _pieces(b, added) == _pieces(found[1], whole_added)
    assert _pieces(a, dropped) == _pieces(found[0], whole_dropped)
    names = {n for p in [*whole_added, *whole_dropped] for n in p.names}
    for name in names:
        assert a.defines(name) == found[0].defines(name), name
        assert b.defines(name) == found[1].defines(name), name
        assert (a.fingerprint(name) == b.fingerprint(name)) == (
            found[0].fingerprint(name) == found[1].fingerprint(name)
        )
