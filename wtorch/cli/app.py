"""The typer app, its global options, and the one place errors become messages and exit codes."""

from __future__ import annotations

import copy
import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from wtorch import __version__
from wtorch.errors import EXIT_GIT, EXIT_INTERRUPTED, EXIT_USAGE, ManifestError, WtorchError

ARGV_KEY = "wtorch.argv"
EPILOG = (
    "Docs: docs/ in the wtorch repository. "
    "Exit codes: 0 ok, 1 check failed, 2 usage or manifest error, 3 git failed, 130 interrupted."
)


class _Group(TyperGroup):
    """Turns every error into a message and an exit code (SPEC §5); tracebacks only with --verbose."""

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        from wtorch.cli.options import hoist

        # Global options are accepted after the command name too; the operations log records the
        # command as typed from its name on (-C, --manifest, --no-color say where and how, not what).
        hoisted = hoist(self, list(args))
        try:
            ctx = super().make_context(info_name, hoisted.args, parent=parent, **extra)
        except Exception as exc:
            _usage(exc, hoisted.command)
            raise
        ctx.meta[ARGV_KEY] = hoisted.command
        return ctx

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except WtorchError as exc:
            _report(ctx, exc, exc.exit_code)
        except KeyboardInterrupt:
            sys.stderr.write("wtorch: interrupted\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            _usage(exc, ctx.meta.get(ARGV_KEY, ()))
            if hasattr(exc, "show") and hasattr(exc, "exit_code"):
                raise  # typer's other errors (help requested, say): it shows them
            _report(ctx, exc, EXIT_GIT, prefix="internal error: ")


def _usage(exc: BaseException, typed: Any) -> None:
    """A usage error (bad option value, unknown option, missing argument) in wtorch's words; exit 2."""
    from wtorch.cli.options import usage_message

    if type(exc).__name__ not in _USAGE_ERRORS:
        return
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "wtorch"
    sys.stderr.write(f"wtorch: {usage_message(exc, typed)}\nSee `{where} --help`.\n")
    raise typer.Exit(EXIT_USAGE)


_USAGE_ERRORS = {"UsageError", "BadParameter", "MissingParameter", "NoSuchOption", "BadOptionUsage", "BadArgumentUsage"}


def _verbose(ctx: Any) -> bool:
    return bool(ctx.params.get("verbose")) or os.environ.get("WTORCH_DEBUG") == "1"


def _report(ctx: Any, exc: BaseException, code: int, prefix: str = "") -> None:
    if _verbose(ctx):
        traceback.print_exc(file=sys.stderr)
    if isinstance(exc, ManifestError):
        message = "\n".join(exc.problems)
    else:
        message = f"wtorch: {prefix}{exc}"
        if prefix and not _verbose(ctx):
            message += " (run with --verbose for the traceback)"
    sys.stderr.write(message + "\n")
    raise typer.Exit(code)


app = typer.Typer(
    cls=_Group,
    name="wtorch",
    help="Git worktree and branch orchestration for waves of parallel efforts, driven by wtorch.toml.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wtorch {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest", envvar="WTORCH_MANIFEST", help="Path to wtorch.toml (default: the main worktree's)."
        ),
    ] = None,
    repo: Annotated[Path | None, typer.Option("-C", "--repo", help="Run as if started in DIR.")] = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour (NO_COLOR is honoured too).")] = False,
    wide: Annotated[bool, typer.Option("--wide", help="Every table column, whatever the terminal's width.")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="More detail; tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    from wtorch import output
    from wtorch.context import Options

    output.configure(color=not no_color, wide=wide)
    _interrupt_on_termination()
    argv = tuple(ctx.meta.get(ARGV_KEY, ()))
    ctx.obj = Options(manifest=manifest, repo=repo, verbose=verbose, color=not no_color, argv=argv)


def _on_termination(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _interrupt_on_termination() -> None:
    """SIGTERM and SIGHUP take the same road as Ctrl-C: whatever git operation is under way is
    finished or aborted before wtorch exits (SPEC §10), never left half-done."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        for name in ("SIGTERM", "SIGHUP"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), _on_termination)


def lean(args: list[str]) -> typer.Typer:
    """The app with only the command `args` name: typer builds every registered command's parameters
    (from their annotations) before it parses anything, a cost each invocation pays for all of them."""
    from wtorch.cli.options import command_name

    name = command_name(args)
    if name is None or any(variable.startswith("_WTORCH_COMPLETE") for variable in os.environ):
        return app
    chosen = [info for info in app.registered_commands if _name_of(info) == name]
    if not chosen:
        return app  # an unknown command: the whole app says so, and lists the real ones
    only = copy.copy(app)
    only.registered_commands = chosen
    return only


def _name_of(info: Any) -> str:
    return str(info.name or info.callback.__name__).lower().replace("_", "-")


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: returns the exit code instead of raising SystemExit."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        lean(args)(args=args, prog_name="wtorch", standalone_mode=True)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
