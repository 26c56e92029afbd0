"""Tables that fit the terminal: identifying columns are never cut below the id; the least important
columns are dropped first, and a note says which and how to see them (`--wide` or `--json`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wtorch.output import console, is_wide
from wtorch.output.plain import cell_len, strip_markup

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
    # Markup first, lines after: a style may open on one line of a cell and close on the next.
    return max((cell_len(line) for line in strip_markup(cell).split("\n")), default=0)


def dropped(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> list[str]:
    """The names of the columns that do not fit the console (none with --wide)."""
    keep = _layout(columns, rows)[0]
    return [c.name for i, c in enumerate(columns) if i not in keep]


def _layout(
    columns: Sequence[Column], rows: Sequence[Sequence[str]]
) -> tuple[list[int], Sequence[Sequence[str]], list[int]]:
    """The columns kept, the rows (key cells cut when even the keys do not fit), each column's width."""
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
        return keep, rows, widths
    for i in sorted(keep, key=lambda i: (-columns[i].priority, -i)):
        if needed() <= room or columns[i].priority == KEY:
            break
        keep.remove(i)
    return keep, _cut_keys(columns, rows, widths, keep, room - needed()), widths


def fitted(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> tuple[Table, list[str]]:
    """The table with the columns that fit the console (all with --wide), and the names of those dropped."""
    from rich.table import Table

    keep, rows, widths = _layout(columns, rows)
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
    from wtorch.output.plain import PlainConsole

    out = console()
    if isinstance(out, PlainConsole):
        lines = _plain(title, columns, rows, out.width)
        if lines is not None:
            out.print("".join(lines), markup=False, no_wrap=True, end="")
            return
    else:
        drawn = _drawn(title, columns, rows, out.width)
        if drawn is not None:
            out.print(drawn, no_wrap=True, overflow="ignore", crop=False, end="")
            return
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
    widths = _fitting(columns, [[c.cell_len for c in row] for row in cells], room)
    if widths is None:
        return None
    top, rule, bottom = _borders(widths)
    drawn = Text()
    if title:
        drawn.append(_title(title, widths), style="italic")
        drawn.append("\n")
    drawn.append(top + "┃")
    for column, width in zip(columns, widths, strict=True):
        drawn.append(_padded(column.name, len(column.name), width, column.justify), style="bold")
        drawn.append("┃")
    drawn.append(rule)
    for row in cells:
        drawn.append("│")
        for column, width, cell in zip(columns, widths, row, strict=True):
            gap = " " * (width - cell.cell_len)
            drawn.append(" " + (gap if column.justify == "right" else ""))
            drawn.append_text(cell)
            drawn.append(("" if column.justify == "right" else gap) + " │")
        drawn.append("\n")
    drawn.append(bottom)
    return drawn


def _plain(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]], room: int) -> list[str] | None:
    """`_drawn`'s table as plain lines: what rich writes for it where there is no colour."""
    from wtorch.output.plain import strip_markup

    if any("\n" in cell for row in rows for cell in row):
        return None
    cells = [[strip_markup(cell) for cell in row] for row in rows]
    lengths = [[cell_len(c) for c in row] for row in cells]
    widths = _fitting(columns, lengths, room)
    if widths is None:
        return None
    top, rule, bottom = _borders(widths)
    lines = [_title(title, widths) + "\n"] if title else []
    names = (_padded(c.name, len(c.name), w, c.justify) for c, w in zip(columns, widths, strict=True))
    lines += [top, "┃" + "┃".join(names) + "┃", rule]
    for row, length in zip(cells, lengths, strict=True):
        line = (_padded(*cell) for cell in zip(row, length, widths, (c.justify for c in columns), strict=True))
        lines.append("│" + "│".join(line) + "│\n")
    lines.append(bottom)
    return lines


def _fitting(columns: Sequence[Column], lengths: list[list[int]], room: int) -> list[int] | None:
    """Each column's width, when the table fits `room` (or with --wide); else None."""
    widths = [max([cell_len(c.name), *(row[i] for row in lengths)]) for i, c in enumerate(columns)]
    return widths if sum(w + 3 for w in widths) + 1 <= room or is_wide() else None


def _title(title: str, widths: list[int]) -> str:
    return title.ljust(sum(w + 3 for w in widths) + 1)


def _borders(widths: list[int]) -> tuple[str, str, str]:
    """The top border, the rule under the header (each line with its newline) and the bottom border."""
    return (
        "┏" + "┳".join("━" * (w + 2) for w in widths) + "┓\n",
        "\n┡" + "╇".join("━" * (w + 2) for w in widths) + "┩\n",
        "└" + "┴".join("─" * (w + 2) for w in widths) + "┘\n",
    )


def _padded(text: str, length: int, width: int, justify: str) -> str:
    """A cell between its borders: a space each side, padded to the column's width."""
    gap = " " * (width - length)
    return f" {gap}{text} " if justify == "right" else f" {text}{gap} "
