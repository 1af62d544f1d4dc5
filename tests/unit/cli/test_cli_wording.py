"""Words users read: counts agree with their nouns, option errors say what is wrong."""

from __future__ import annotations

import pytest

from sf_toolkit.cli.walkthrough import plural
from sf_toolkit.testing.__main__ import main as serve_main


def test_plural() -> None:
    """One Account, but 0 and 2 Accounts."""
    assert [plural(n, "Account") for n in (0, 1, 2)] == ["0 Accounts", "1 Account", "2 Accounts"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "99999"], "--port 99999 is not a TCP port (0 to 65535"),
        (["--records", "-1"], "--records and --latency-ms must not be negative"),
    ],
)
def test_fake_server_refuses_bad_options(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m sf_toolkit.testing` names the problem before serving anything."""
    assert serve_main(argv) == 2
    assert message in capsys.readouterr().err
