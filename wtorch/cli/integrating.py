"""CLI: integrate."""

from __future__ import annotations

from typing import Annotated

import typer

from wtorch.cli import completion
from wtorch.cli.app import app


@app.command()
def integrate(
    ctx: typer.Context,
    wave: Annotated[int, typer.Argument(metavar="N", help="The wave to trial-merge.", autocompletion=completion.waves)],
    branch: Annotated[
        str | None,
        typer.Option("--branch", metavar="NAME", help="Write the merged result as this new branch (only when clean)."),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Trial-merge every branch of wave N onto the base, touching no worktree: which pairs conflict, on which
    files, and whether the whole wave merges in dependency order. Exit 1 on any conflict.

    Example: wtorch integrate 2 --branch integration/wave-2
    """
    from wtorch import context, output
    from wtorch.commands.integrate import run_integrate
    from wtorch.output import integrate as render

    repo = context.require_repo(ctx.obj)
    manifest = context.load(ctx.obj, repo=repo)
    report = run_integrate(manifest, repo, wave, branch=branch, argv=ctx.obj.argv)
    if json_:
        output.emit_json(report.to_json())
    else:
        render.render_integrate(report)
    raise typer.Exit(report.exit_code)
