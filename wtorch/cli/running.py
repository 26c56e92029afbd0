"""CLI: run and validate-wave."""

from __future__ import annotations

from typing import Annotated

import typer

from wtorch.cli import completion
from wtorch.cli.app import app

_JOBS_HELP = "How many at a time (default: the number of cores)."
_TIMEOUT_HELP = "Stop a command (and everything it started) after this many seconds; it is reported as timed out."


# Everything from the first word of CMD on belongs to CMD (`wtorch run pytest -x` works), and
# `--` ends wtorch's own options explicitly.
@app.command(context_settings={"allow_interspersed_args": False})
def run(
    ctx: typer.Context,
    cmd: Annotated[
        list[str], typer.Argument(metavar="CMD", help="The command and its arguments, after -- (no shell).")
    ],
    wave: Annotated[
        list[int] | None, typer.Option("--wave", autocompletion=completion.waves, help="Only this wave (repeatable).")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", autocompletion=completion.efforts, help="Only these efforts (repeatable)."),
    ] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help=_JOBS_HELP)] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", metavar="SECONDS", help=_TIMEOUT_HELP)] = None,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Run CMD in the worktree of every effort (of --wave N), in parallel; each output kept in a log file.

    Exit 1 when CMD failed or timed out anywhere (or ran nowhere). Use sh -c '...' for a shell.

    Example: wtorch run --wave 2 --timeout 600 -- make test
    """
    from wtorch import context, output
    from wtorch.commands.run import choose, run_run
    from wtorch.output import lifecycle as progress
    from wtorch.output import run as render

    repo = context.require_repo(ctx.obj)
    manifest = context.load(ctx.obj, repo=repo)
    total = len(choose(manifest, tuple(wave or ()), tuple(only or ())))
    with progress.progress_bar(total, "run") as step:
        report = run_run(
            manifest,
            repo,
            tuple(cmd),
            waves=tuple(wave or ()),
            only=tuple(only or ()),
            jobs=jobs,
            timeout=timeout,
            progress=step,
        )
    if json_:
        output.emit_json(report.to_json())
    else:
        render.render_run(report, verbose=ctx.obj.verbose)
    raise typer.Exit(report.exit_code)


@app.command("validate-wave")
def validate_wave(
    ctx: typer.Context,
    wave: Annotated[int, typer.Argument(help="The wave number.", autocompletion=completion.waves)],
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help=_JOBS_HELP)] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", metavar="SECONDS", help=_TIMEOUT_HELP)] = None,
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable result.")] = False,
) -> None:
    """Check every effort of wave N: worktree clean, within the line budget, validate.command passes.

    Changes nothing in the repository. Exit 1 when any check fails.

    Example: wtorch validate-wave 2 --timeout 900
    """
    from wtorch import context, output
    from wtorch.commands.validate import run_validate_wave
    from wtorch.output import lifecycle as progress
    from wtorch.output import run as render

    repo = context.require_repo(ctx.obj)
    manifest = context.load(ctx.obj, repo=repo)
    with progress.progress_bar(len(manifest.in_wave(wave)), f"validate wave {wave}") as step:
        report = run_validate_wave(manifest, repo, wave, jobs=jobs, timeout=timeout, progress=step)
    if json_:
        output.emit_json(report.to_json())
    else:
        render.render_validate(report, verbose=ctx.obj.verbose)
    raise typer.Exit(report.exit_code)
