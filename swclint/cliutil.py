"""How every swclint command line behaves: `-h/--help`, errors as one line, exit status 2.

`swclint-train`, `swclint-data` and the `python -m bench.*` scripts are click commands run through
`run_click`, which keeps their `main(argv) -> int` callable from tests and console scripts alike.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

HELP = {"help_option_names": ["-h", "--help"]}  # click context_settings for every command
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
# click >= 8.2 raises this for a group called without arguments; older click prints help and exits 0.
_NO_ARGS_IS_HELP: tuple[type[Exception], ...] = tuple(
    e for e in [getattr(click.exceptions, "NoArgsIsHelpError", None)] if e is not None)


def fail(message: str) -> click.ClickException:
    """An error the command reports as one line (raise it); exit status 2."""
    return click.ClickException(" ".join(message.split()))


def invoked_args() -> list[str]:
    """The arguments the running command was given (benchmarks print the command that made a number)."""
    return list(click.get_current_context().find_root().obj["argv"])


def run_click(command: click.Command, argv: Sequence[str] | None, prog: str, *,
              errors: tuple[type[Exception], ...] = (), interrupted: str = "interrupted") -> int:
    """Run `command` on `argv` (None: the process arguments) and return its exit status.

    `prog` is how the user runs it (`swclint-train`, `python -m bench.scale`); usage and help show it.

    Exceptions of the `errors` types are the tool's own expected failures (bad data, missing
    model): one line each, like usage errors.
    """
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        result = command.main(args=args, prog_name=prog, standalone_mode=False, obj={"argv": args})
    except _NO_ARGS_IS_HELP as exc:  # a bare group: its help, as click prints it
        click.echo(exc.format_message(), err=True)
        return EXIT_ERROR
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else prog
        click.echo(f"{_short(where)}: error: {_one_line(exc)} (see `{where} --help`)", err=True)
        return EXIT_ERROR
    except click.ClickException as exc:
        click.echo(f"{_short(prog)}: error: {_one_line(exc)}", err=True)
        return EXIT_ERROR
    except click.Abort:
        click.echo(f"{_short(prog)}: {interrupted}", err=True)
        return EXIT_INTERRUPTED
    except errors as exc:
        click.echo(f"{_short(prog)}: error: {' '.join(str(exc).split())}", err=True)
        return EXIT_ERROR
    return result if isinstance(result, int) else 0


def _short(prog: str) -> str:
    """`python -m bench.scale` -> `bench.scale`: error lines name the module, help hints the command."""
    return prog.removeprefix("python -m ")


def _one_line(exc: click.ClickException) -> str:
    return " ".join(exc.format_message().split())
