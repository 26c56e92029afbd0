"""CLI: report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from wtorch.choices import ReportFormat
from wtorch.cli.app import app


@app.command()
def report(
    ctx: typer.Context,
    format: Annotated[ReportFormat, typer.Option("--format", "-f", help="Output format.")] = ReportFormat.MARKDOWN,
    json_: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE (atomically), not stdout.", metavar="FILE"),
    ] = None,
    timestamp: Annotated[
        bool, typer.Option("--timestamp/--no-timestamp", help="Say when it was generated (the only varying line).")
    ] = True,
    no_worktrees: Annotated[
        bool, typer.Option("--no-worktrees", help="Do not look into worktrees for uncommitted files (faster).")
    ] = False,
) -> None:
    """The status document: per wave progress, each effort's state, defunct branches, blockers, splits.

    Example: wtorch report --output STATUS.md
    """
    import json

    from wtorch import context
    from wtorch import output as out
    from wtorch.commands.report import run_report
    from wtorch.output.report import render_markdown

    repo = context.require_repo(ctx.obj)
    result = run_report(context.load(ctx.obj, repo=repo), repo, timestamp=timestamp, worktrees=not no_worktrees)
    if json_ or format is ReportFormat.JSON:
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = render_markdown(result)
    if output is None:
        out.emit_text(text)
    else:
        out.write_atomically(output, text)
        typer.echo(f"wrote {output}", err=True)
