"""The command line's frame: the entry point, --help everywhere, the missing extra."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from sf_toolkit.cli.app import cli

from .conftest import clean_env, run_cli

ROOT = Path(__file__).resolve().parents[2]


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_command_paths(command, (*prefix, name)))
    return paths


COMMAND_PATHS = [(), *_command_paths(cli)]


def test_every_issue_command_exists() -> None:
    """The commands the issue names are all there."""
    assert {path for path in COMMAND_PATHS if path} >= {
        ("demo",),
        ("query",),
        ("export",),
        ("describe",),
        ("models",),
        ("models", "generate"),
        ("limits",),
    }


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "sf-toolkit")
def test_help(path: tuple[str, ...]) -> None:
    """--help works on every command and subcommand, exits 0 and says what it does."""
    result = run_cli(*path, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: sf-toolkit")
    assert len(result.stdout.splitlines()) > 3


def test_console_script_points_at_main() -> None:
    """pyproject's sf-toolkit script is sf_toolkit.__main__:main, which exists."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '\nsf-toolkit = "sf_toolkit.__main__:main"\n' in pyproject
    cli_extra = re.search(r"^cli = \[(.*)\]$", pyproject, re.MULTILINE)
    dev_extra = re.search(r"^dev = \[(.*?)^\]$", pyproject, re.MULTILINE | re.DOTALL)
    assert cli_extra is not None
    assert dev_extra is not None
    for requirement in re.findall(r'"([^"]+)"', cli_extra.group(1)):
        assert f'"{requirement}"' in dev_extra.group(1), requirement


def test_version() -> None:
    """--version prints the package version."""
    from sf_toolkit import __version__

    result = run_cli("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_without_the_extra_one_line_says_how_to_install() -> None:
    """Without click or rich, the command prints one install line and exits 2."""
    code = (
        "import sys; sys.modules['click'] = None; "
        "from sf_toolkit.__main__ import main; sys.exit(main(['demo']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "sf-toolkit: the command line needs the 'cli' extra: pip install 'sf-toolkit[cli]'"
    ]


def test_unknown_command_is_a_usage_error() -> None:
    """An unknown command exits 2 with one line."""
    result = run_cli("frobnicate")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert "frobnicate" in result.stderr


def test_commands_register_no_models() -> None:
    """Loading the commands declares no model: raw SOQL rows stay generic records."""
    code = (
        "import sf_toolkit.cli.app; from sf_toolkit.models import sobject_class; "
        "print(sobject_class('Account'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.split() == ["None"], result.stderr


def test_library_does_not_import_the_cli() -> None:
    """import sf_toolkit does not load the command line (httpx itself may load click)."""
    code = "import sys, sf_toolkit, sf_toolkit.io.api; print('sf_toolkit.cli' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.split() == ["False"]


@pytest.mark.parametrize("args", [[], ["models"]])
def test_a_group_without_its_command_shows_help(args: list[str]) -> None:
    """`sf-toolkit` or `sf-toolkit models` alone prints the help and exits 2."""
    result = run_cli(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("Usage: sf-toolkit")
    assert "Traceback" not in result.stderr
