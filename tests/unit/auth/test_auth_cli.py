"""SfCliLogin: the Salesforce CLI's stored org, with plain CliResult answers."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import pytest

from sf_toolkit.auth import CliCommand, CliResult, Session, SfCliLogin, run_cli_command
from sf_toolkit.exceptions import AuthenticationError

TOKEN = "00D5g000004ABCD!AQ4AQ.cli-secret"
REDACTED = "[REDACTED] Use 'sf org auth show-access-token' to view"


def ok(result: dict[str, object]) -> CliResult:
    """A successful --json answer."""
    return CliResult(0, json.dumps({"status": 0, "result": result, "warnings": []}))


def failed(name: str, message: str, code: int = 1) -> CliResult:
    """A failed --json answer."""
    return CliResult(code, json.dumps({"status": 1, "name": name, "message": message}))


def display(token: str = TOKEN) -> CliResult:
    """The answer of ``sf org display --json``."""
    return ok(
        {
            "id": "00D5g000004ABCDEA2",
            "apiVersion": "62.0",
            "accessToken": token,
            "instanceUrl": "https://acme.my.salesforce.com",
            "username": "ann@example.com",
            "clientId": "PlatformCLI",
            "alias": "acme",
        }
    )


def run(login: SfCliLogin, answers: Sequence[CliResult]) -> tuple[list[CliCommand], Session]:
    """Drive a CLI flow with canned answers; return the commands it asked for and the session."""
    flow, commands, pending = login.flow(), [], list(answers)
    try:
        step = next(flow)
        while True:
            assert isinstance(step, CliCommand)
            commands.append(step)
            step = flow.send(pending.pop(0))
    except StopIteration as stop:
        return commands, stop.value


def test_old_cli_token_is_used_directly() -> None:
    """An unredacted token from org display is used with one command only."""
    commands, session = run(SfCliLogin("acme"), [display()])
    assert [c.args for c in commands] == [
        ("sf", "org", "display", "--target-org", "acme", "--json")
    ]
    assert session.access_token == TOKEN
    assert session.instance_url == "https://acme.my.salesforce.com"
    assert session.org_id == "00D5g000004ABCDEA2"


def test_redacted_token_is_read_with_show_access_token() -> None:
    """A redacted token makes the flow ask show-access-token for it."""
    commands, session = run(SfCliLogin("acme"), [display(REDACTED), ok({"accessToken": TOKEN})])
    assert commands[1].args == (
        "sf",
        "org",
        "auth",
        "show-access-token",
        "--target-org",
        "acme",
        "--json",
    )
    assert session.access_token == TOKEN
    assert session.instance_url == "https://acme.my.salesforce.com"


def test_default_org_omits_target_org() -> None:
    """Without target_org the CLI's default org is used (no --target-org argument)."""
    commands, _ = run(SfCliLogin(executable="/opt/sf/bin/sf"), [display()])
    assert commands[0].args == ("/opt/sf/bin/sf", "org", "display", "--json")


def test_absent_cli_says_to_install_it() -> None:
    """A missing CLI raises AuthenticationError telling to install it or use another login."""
    with pytest.raises(AuthenticationError, match="install it") as info:
        run(SfCliLogin(), [CliResult(127, "", "sf: command not found")])
    assert "another login" in str(info.value)
    assert info.value.error_code == "SF_CLI_NOT_FOUND"


def test_unknown_org_uses_the_cli_message() -> None:
    """An unknown org raises with the CLI's error name and message."""
    answer = failed("NoAuthInfoFound", "No authorization information found for nope.")
    with pytest.raises(AuthenticationError, match="No authorization information") as info:
        run(SfCliLogin("nope"), [answer])
    assert info.value.error_code == "NoAuthInfoFound"
    assert "'nope'" in str(info.value)


def test_redacting_cli_without_show_access_token_says_to_update() -> None:
    """A redacted token and an unknown show-access-token command ask to update the CLI."""
    unknown = CliResult(127, "", "Warning: org auth show-access-token is not a sf command.")
    with pytest.raises(AuthenticationError, match="update"):
        run(SfCliLogin("acme"), [display(REDACTED), unknown])


def test_show_access_token_failure_is_reported() -> None:
    """A failing show-access-token raises with the CLI's message."""
    answer = failed("RefreshTokenAuthError", "Error authenticating with the refresh token")
    with pytest.raises(AuthenticationError, match="refresh token") as info:
        run(SfCliLogin("acme"), [display(REDACTED), answer])
    assert info.value.error_code == "RefreshTokenAuthError"


def test_show_access_token_still_redacted_is_an_error() -> None:
    """If even show-access-token hides the token, the flow fails clearly."""
    with pytest.raises(AuthenticationError, match="did not reveal"):
        run(SfCliLogin("acme"), [display(REDACTED), ok({"accessToken": REDACTED})])


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        (CliResult(1, "Error: something broke", ""), "printed no JSON"),
        # What the CLI said on stderr is part of the message.
        (
            CliResult(1, "", "Warning: x\nNo authorization information found for acme.\n"),
            "printed no JSON: No authorization information found for acme.",
        ),
        (CliResult(124, "", "sf: timed out after 60 seconds"), "did not answer in time"),
        (ok({"accessToken": TOKEN}), "no instance URL"),
    ],
)
def test_broken_display_answers(answer: CliResult, match: str) -> None:
    """Non-JSON output, timeouts and answers without an instance URL raise clearly."""
    with pytest.raises(AuthenticationError, match=match) as info:
        run(SfCliLogin("acme"), [answer])
    assert TOKEN not in str(info.value)


def test_banner_before_json_is_skipped() -> None:
    """An update banner printed before the JSON does not hide the answer."""
    answer = display()
    noisy = CliResult(0, "Warning: a new version is available\n" + answer.stdout)
    _, session = run(SfCliLogin("acme"), [noisy])
    assert session.access_token == TOKEN


def test_error_never_contains_the_token() -> None:
    """A CLI failure whose message quotes a token or an auth URL has them masked."""
    auth_url = "force://PlatformCLI::SECRETURL@acme.my.salesforce.com"
    payload = {
        "status": 1,
        "name": "Oops",
        "message": f"bad {TOKEN} from {auth_url}",
        "result": {"accessToken": TOKEN, "sfdxAuthUrl": auth_url},
    }
    with pytest.raises(AuthenticationError) as info:
        run(SfCliLogin("acme"), [CliResult(1, json.dumps(payload))])
    assert TOKEN not in str(info.value)
    assert TOKEN not in repr(info.value)
    assert "SECRETURL" not in str(info.value)


def test_cli_result_repr_hides_stdout() -> None:
    """CliResult's repr leaves out stdout, which may hold a token."""
    assert TOKEN not in repr(display())


def test_refresh_flow_asks_the_cli_again() -> None:
    """Renewing a CLI session reads the org from the CLI again."""
    flow = SfCliLogin("acme").refresh_flow(Session("old", "https://acme.my.salesforce.com"))
    assert next(flow) == SfCliLogin("acme").display_command()


def test_repr_names_the_org() -> None:
    """repr shows the target org and executable."""
    assert repr(SfCliLogin("acme")) == "SfCliLogin(target_org='acme', executable='sf')"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"executable": ""}, "executable must not be empty"), ({"target_org": ""}, "target_org")],
)
def test_empty_arguments_are_refused(kwargs: dict[str, str], match: str) -> None:
    """An empty executable or target org raises ValueError naming the argument."""
    with pytest.raises(ValueError, match=match):
        SfCliLogin(**kwargs)


def test_run_cli_command_captures_output() -> None:
    """run_cli_command returns the exit code, stdout and stderr of a real process."""
    code = "import sys; print('{\"status\": 0}'); print('warn', file=sys.stderr); sys.exit(3)"
    result = run_cli_command(CliCommand((sys.executable, "-c", code)))
    assert result.returncode == 3
    assert json.loads(result.stdout) == {"status": 0}
    assert result.stderr.strip() == "warn"


def test_run_cli_command_reports_a_missing_program() -> None:
    """A program that is not installed gives return code 127."""
    result = run_cli_command(CliCommand(("sf-toolkit-no-such-program", "org", "display")))
    assert result.returncode == 127
    assert "not found" in result.stderr


def test_run_cli_command_reports_a_timeout() -> None:
    """A program that runs too long is killed and gives return code 124."""
    command = CliCommand((sys.executable, "-c", "import time; time.sleep(5)"))
    result = run_cli_command(command, timeout=0.2)
    assert result.returncode == 124
    assert "timed out" in result.stderr
