"""Tables that fit the terminal: identifying columns are never cut below the id; the least important
columns are dropped first, and a note says which and how to see them (`--wide` or `--json`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wtorch.output import console, is_wide

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

KEY = 0
"""The priority of an identifying column (effort, branch): never dropped, never folded."""
FOLD_WIDTH = 12
"""How narrow a folding column may become before it is dropped instead."""


@dataclass(frozen=True)
class Column:
    name: str
    priority: int = 1
    """0 (KEY) is kept whatever the width; of the rest, the highest numbers are dropped first."""
    justify: str = "left"
    cut: bool = False
    """A key column that may lose its start when even the keys do not fit (a branch keeps its tail,
    where the effort id is: `…/p6w1-synctarget-controller`)."""


BRANCH = Column("branch", 0, cut=True)


def _width(cell: str) -> int:
    from rich.text import Text

    # Markup first, lines after: a style may open on one line of a cell and close on the next.
    return max((line.cell_len for line in Text.from_markup(cell).split("\n")), default=0)


def cell_len(text: str) -> int:
    """Terminal cells a plain string takes."""
    from rich.cells import cell_len as length

    return length(text)


def fitted(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> tuple[Table, list[str]]:
    """The table with the columns that fit the console (all with --wide), and the names of those dropped."""
    from rich.table import Table

    widths = [max([_width(c.name), *(_width(row[i]) for row in rows)]) for i, c in enumerate(columns)]
    # A folding column can give way down to a few words' width; an identifying one never does.
    least = [
        w if c.priority == KEY else min(w, max(_width(c.name), FOLD_WIDTH))
        for c, w in zip(columns, widths, strict=True)
    ]
    keep = list(range(len(columns)))
    room = console().width

    def needed() -> int:
        return sum(least[i] + 3 for i in keep) + 1  # a cell's padding and border, and the last border

    if is_wide():
        console().width = max(room, sum(widths[i] + 3 for i in keep) + 1)
    else:
        for i in sorted(keep, key=lambda i: (-columns[i].priority, -i)):
            if needed() <= room or columns[i].priority == KEY:
                break
            keep.remove(i)
        rows = _cut_keys(columns, rows, widths, keep, room - needed())
    table = Table(title=title, title_justify="left")
    for i in keep:
        column = columns[i]
        if column.priority == KEY:
            table.add_column(column.name, no_wrap=True, min_width=widths[i], justify=column.justify)  # type: ignore[arg-type]
        else:
            table.add_column(column.name, overflow="fold", justify=column.justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(row[i] for i in keep))
    return table, [columns[i].name for i in range(len(columns)) if i not in keep]


def _cut_keys(
    columns: Sequence[Column], rows: Sequence[Sequence[str]], widths: list[int], keep: list[int], spare: int
) -> Sequence[Sequence[str]]:
    """When even the key columns do not fit, shorten the cuttable ones from the left, never below the
    last path component (the id)."""
    if spare >= 0:
        return rows
    cut = [i for i in keep if columns[i].cut]
    if not cut:
        return rows
    i = cut[0]
    tails = [row[i].rsplit("/", 1)[-1] for row in rows]
    width = max(widths[i] + spare, max((len(t) for t in tails), default=0) + 2)
    widths[i] = min(widths[i], width)

    def shorten(cell: str) -> str:
        return cell if len(cell) <= width else "…" + cell[-(width - 1) :]

    return [[shorten(cell) if j == i else cell for j, cell in enumerate(row)] for row in rows]


def show(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> None:
    """Print a fitted table, and the note naming the columns left out."""
    out = console()
    drawn = _drawn(title, columns, rows, out.width)
    if drawn is not None:
        out.print(drawn, no_wrap=True, overflow="ignore", crop=False, end="")
    else:
        table, dropped = fitted(title, columns, rows)
        out.print(table)
        if dropped:
            out.print(f"[dim]not shown at this width: {', '.join(dropped)} (--wide or --json shows them)[/]")


def _drawn(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]], room: int) -> Text | None:
    """The table as rich would draw it, when every column fits whole on one line per row: drawn
    here, line by line, because rich's general layout costs a tenth of a second at a hundred rows.
    None when it does not fit (then rich folds and drops columns, see `fitted`)."""
    from rich.text import Text

    if any("\n" in cell for row in rows for cell in row):
        return None
    cells = [[Text.from_markup(cell) if "[" in cell else Text(cell) for cell in row] for row in rows]
    widths = [max([cell_len(c.name), *(row[i].cell_len for row in cells)]) for i, c in enumerate(columns)]
    if sum(w + 3 for w in widths) + 1 > room and not is_wide():
        return None
    drawn = Text()
    if title:
        drawn.append(title.ljust(sum(w + 3 for w in widths) + 1), style="italic")
        drawn.append("\n")
    drawn.append("┏" + "┳".join("━" * (w + 2) for w in widths) + "┓\n")
    drawn.append("┃")
    for column, width in zip(columns, widths, strict=True):
        drawn.append(f" {_aligned(column.name, width, column.justify)} ", style="bold")
        drawn.append("┃")
    drawn.append("\n┡" + "╇".join("━" * (w + 2) for w in widths) + "┩\n")
    for row in cells:
        drawn.append("│")
        for column, width, cell in zip(columns, widths, row, strict=True):
            gap = " " * (width - cell.cell_len)
            drawn.append(" " + (gap if column.justify == "right" else ""))
            drawn.append_text(cell)
            drawn.append(("" if column.justify == "right" else gap) + " │")
        drawn.append("\n")
    drawn.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘\n")
    return drawn


def _aligned(text: str, width: int, justify: str) -> str:
    return text.rjust(width) if justify == "right" else text.ljust(width)
