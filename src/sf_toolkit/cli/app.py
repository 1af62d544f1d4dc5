"""
The ``sf-toolkit`` command group: its commands, error messages and exit codes.

The exit codes are in :mod:`.errors`. Every error is one line on stderr, without a traceback
(``--debug`` shows it).
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence

import click

from .._version import __version__
from .errors import EXIT_OK, EXIT_USAGE, RecordsFailed, Stopped, describe_error, one_line

__all__ = ["PROG", "cli", "run"]

PROG = "sf-toolkit"
EXIT_BROKEN_PIPE = 141


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name=PROG)
@click.option("--debug", is_flag=True, help="Log HTTP requests and show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """
    sf_toolkit's command line: the demo, and data in and out of a Salesforce org.

    Start with 'sf-toolkit demo' (no org needed). The other commands log in to a real org:
    see 'sf-toolkit query --help' for the login options and their SF_* environment variables.

    Exit codes: 0 success, 1 some records failed, 2 usage or login error (or a request
    Salesforce refused), 3 Salesforce or the network failed.
    """
    ctx.obj = {"debug": debug}
    if debug:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        logging.getLogger("sf_toolkit").setLevel(logging.DEBUG)
        logging.getLogger("httpx").setLevel(logging.INFO)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        # Not cli.main(): it turns a closed stdout into exit code 1, which here means
        # "some records failed".
        with cli.make_context(PROG, args) as ctx:
            result = cli.invoke(ctx)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        return 130
    except Stopped as exc:
        click.echo(f"{PROG}: error: {exc.message}", err=True)
        return exc.exit_code
    except RecordsFailed as exc:
        click.echo(f"{PROG}: {exc.message}", err=True)
        return exc.exit_code
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            click.echo(exc.ctx.get_help(), err=True)  # a group without its command (click 8.2+)
            return EXIT_USAGE
        command = exc.ctx.command_path if exc.ctx is not None else PROG
        hint = f" (see '{command} --help')"
        click.echo(f"{PROG}: error: {one_line(exc.format_message())}{hint}", err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        click.echo(f"{PROG}: error: {one_line(exc.format_message())}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        # `sf-toolkit query ... | head` closed the pipe: stop quietly, with the status a
        # program killed by SIGPIPE reports, and keep the interpreter from flushing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        if debug:  # the traceback too, but the same one line and exit code as without
            traceback.print_exc()
        message, code = describe_error(exc)
        click.echo(f"{PROG}: error: {message}", err=True)
        return code
    return int(result) if isinstance(result, int) else EXIT_OK


def _register() -> None:
    from . import commands, demo, importing

    cli.add_command(demo.demo)
    cli.add_command(importing.import_command)
    for command in commands.COMMANDS:
        cli.add_command(command)


_register()
