"""Renderers for `wtorch gate`: a rich table (and per-file breakdown), GitHub workflow commands."""

from __future__ import annotations

from wtorch.commands.gate import GateReport, GateRow
from wtorch.counting import CountedFile, weight
from wtorch.output import console
from wtorch.output.tables import BRANCH, KEY, Column, show


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else ("es" if noun.endswith("ch") else "s"))


def _excluded(row: GateRow) -> str:
    files = row.count.excluded
    if not files:
        return "-"
    lines = sum(weight(f, row.count.count) for f in files)
    return f"{len(files)} ({_n(lines, 'line')})"


def summary(report: GateReport) -> str:
    what = f"{report.count} lines"
    if not report.rows:
        return "no branch to measure" + (f" (no branch yet: {', '.join(report.skipped)})" if report.skipped else "")
    if report.over:
        return (
            f"{len(report.over)} of {_n(len(report.rows), 'branch')} over the budget of {report.max_lines:,} {what}: "
            + ", ".join(report.over)
        )
    every = "the only branch is" if len(report.rows) == 1 else f"all {len(report.rows)} branches are"
    return f"{every} within the budget of {report.max_lines:,} {what}"


def render_table(report: GateReport, *, verbose: bool = False) -> None:
    from wtorch.output.plain import escape

    out = console()
    efforts = any(row.effort for row in report.rows)
    columns = [Column("", KEY), *([Column("effort", KEY)] if efforts else []), BRANCH]
    columns += [Column("base", 2), Column("lines/budget", 1, "right"), Column("added", 3, "right")]
    columns += [Column("deleted", 3, "right"), Column("files", 4, "right"), Column("excluded", 5, "right")]
    columns += [Column("binary", 6, "right")]
    rows = []
    for row in report.rows:
        c = row.count
        budget = f"{c.lines:,}/{row.max_lines:,}"
        rows.append(
            [
                "[red bold]OVER[/]" if row.over else "[green]ok[/]",
                *([row.effort or "-"] if efforts else []),
                escape(c.branch),
                escape(c.base),
                f"[red]{budget}[/]" if row.over else budget,
                f"{c.added:,}",
                f"{c.deleted:,}",
                str(c.counted_files),
                _excluded(row),
                str(len(c.binary)) if c.binary else "-",
            ]
        )
    if report.rows:
        show(f"Line budget: {report.max_lines:,} {report.count} lines", columns, rows)
    if verbose:
        for row in report.rows:
            _render_files(row)
    for row in report.rows:
        if row.over:
            out.print(f"{escape(row.count.branch)}: {escape(advice(row))}")
    if report.skipped and report.rows:
        out.print(f"no branch yet (not measured): {', '.join(report.skipped)}")
    out.print(f"[red]{summary(report)}[/]" if report.over else summary(report))


def _ordered(row: GateRow) -> list[CountedFile]:
    """What carries the weight first: counted files by lines, then excluded by size, then binary."""
    mode = row.count.count

    def key(f: CountedFile) -> tuple[int, int, str]:
        group = 0 if f.excluded is None and not f.binary else (1 if f.excluded else 2)
        return group, -weight(f, mode), f.path

    return sorted(row.count.files, key=key)


def _note(f: CountedFile) -> str:
    notes = []
    if f.old_path:
        notes.append(f"from {f.old_path}")
    if f.excluded:
        notes.append(f"excluded: {f.excluded}")
    elif f.binary:
        notes.append("binary")
    return "; ".join(notes)


def _render_files(row: GateRow) -> None:
    from rich.table import Table

    from wtorch.output.plain import escape

    c = row.count
    table = Table(
        title=f"{escape(c.branch)}: {c.lines:,} lines since {c.merge_base[:12]} (merge-base with {escape(c.base)})",
        title_justify="left",
    )
    for column in ("lines", "+", "-"):
        table.add_column(column, justify="right")
    table.add_column("", no_wrap=True)
    for column in ("path", "note"):
        table.add_column(column, overflow="fold")
    for f in _ordered(row):
        lines = str(f.lines) if f.excluded is None else f"({weight(f, c.count)})"
        table.add_row(lines, str(f.added), str(f.deleted), f.status, escape(f.path), escape(_note(f)))
    console().print(table)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def advice(row: GateRow) -> str:
    """What to do about a branch over budget: split it, unless it was split already."""
    if row.split_into:
        return f"already split into {len(row.split_into)} ({', '.join(row.split_into)}): gate those instead"
    return f"run `wtorch split {row.count.branch}`"


def render_github(report: GateReport, *, verbose: bool = False) -> str:
    """One `::error` (over) or `::notice` workflow command per branch; -v adds a folded file list."""
    lines = []
    for row in report.rows:
        c = row.count
        state = "over budget" if row.over else "within budget"
        excluded = sum(weight(f, c.count) for f in c.excluded)
        message = (
            f"{c.branch}: {c.lines} {c.count} lines of {row.max_lines} allowed (+{c.added} -{c.deleted}, "
            f"{c.counted_files} files; {len(c.excluded)} excluded with {excluded} lines; {len(c.binary)} binary) "
            f"since merge-base {c.merge_base[:12]} with {c.base}"
        )
        if row.over:
            message += f"; over by {c.lines - row.max_lines}: " + advice(row)
        command = "error" if row.over else "notice"
        lines.append(f"::{command} title={_escape_property(f'{state}: {c.branch}')}::{_escape_data(message)}")
        if verbose:
            lines.append(f"::group::{_escape_data(c.branch)}: files")
            for f in _ordered(row):
                note = f" ({_note(f)})" if _note(f) else ""
                line = f"{f.lines:>6} +{f.added} -{f.deleted} {f.status} {f.path}{note}"
                lines.append(line.replace("\n", "\\n"))  # one file, one log line
            lines.append("::endgroup::")
    if not report.rows:
        lines.append(f"::notice title=wtorch gate::{_escape_data(summary(report))}")
    return "\n".join(lines) + "\n"
