"""Output that is not a terminal is written without rich: the same characters rich writes there."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from wtorch import output
from wtorch.output import plain, tables
from wtorch.output.tables import KEY, Column

_PIECES = st.sampled_from(["[bold]", "[/]", "[/bold]", "\\[", "\\\\[", "[1/3]", "[x=y]", "]", "[", "a", " ", "é", "\\"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_markup_is_taken_out_as_rich_reads_it(text: str) -> None:
    try:
        expected = Text.from_markup(text).plain
    except Exception:  # rich refuses unbalanced closing tags: wtorch never writes those
        return
    assert plain.strip_markup(text) == expected


def _rich_text(title: str, columns: list[Column], rows: list[list[str]], width: int) -> str:
    buffer = io.StringIO()
    out = Console(file=buffer, width=width, no_color=True, highlight=False, soft_wrap=False, force_terminal=False)
    drawn = tables._drawn(title, columns, rows, width)
    assert drawn is not None
    out.print(drawn, no_wrap=True, overflow="ignore", crop=False, end="")
    return buffer.getvalue()


def test_a_table_piped_is_what_rich_draws(capsys: Any, monkeypatch: Any) -> None:
    columns = [Column("effort", KEY), Column("lines", 1, justify="right"), Column("state", 2)]
    rows = [
        ["a", "[red]812[/]/800", "[bold]over[/] budget"],
        ["bée-宽", "12/800", "ok \\[draft]"],
        ["c", "0/800", ""],
    ]
    monkeypatch.setenv("COLUMNS", "100")
    output.configure(color=True)
    tables.show("Wave 1", columns, rows)
    assert capsys.readouterr().out == _rich_text("Wave 1", columns, rows, 100)
    output.configure(color=True)


def test_rich_draws_what_plain_text_cannot(capsys: Any, monkeypatch: Any) -> None:
    """A cell over two lines: rich's own table layout, through the plain console."""
    monkeypatch.setenv("COLUMNS", "100")
    output.configure(color=True)
    tables.show("", [Column("effort", KEY), Column("why", 1)], [["a", "one\ntwo"]])
    out = capsys.readouterr().out
    assert "│ a      │ one │" in out and "│        │ two │" in out
    output.console().print("[dim]plain[/] and \\[kept]")
    assert capsys.readouterr().out == "plain and [kept]\n"
    output.configure(color=True)


def test_colour_asked_for_goes_through_rich(monkeypatch: Any) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not plain.colourless()
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    assert plain.colourless()


_WORDS = st.sampled_from(
    ["a", "word", "longer-word", "x" * 30, " ", "  ", "é", "宽字", "[bold]b[/]", "\n", "/path/to/a/file"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=30).map("".join), st.integers(min_value=8, max_value=40))
def test_lines_are_wrapped_where_rich_wraps_them(text: str, width: int) -> None:
    buffer = io.StringIO()
    Console(file=buffer, width=width, no_color=True, highlight=False, soft_wrap=False).print(text)
    assert plain.wrapped(plain.strip_markup(text), width) + "\n" == buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_escaped_text_shows_as_itself(text: str) -> None:
    from rich.markup import escape

    assert plain.escape(text) == escape(text)
    assert plain.strip_markup(plain.escape(text)) == Text.from_markup(escape(text)).plain
