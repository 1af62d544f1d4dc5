"""
``python -m sf_toolkit`` and the ``sf-toolkit`` command: the demo and the org commands.

The command line needs the ``cli`` extra (click and rich); without it, one line says how to
install it.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

INSTALL_HINT = "sf-toolkit: the command line needs the 'cli' extra: pip install 'sf-toolkit[cli]'"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code (2 when the ``cli`` extra is missing)."""
    try:
        import click  # noqa: F401
        import rich  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    from .cli.app import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
