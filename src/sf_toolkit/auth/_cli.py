"""
The Salesforce CLI's stored org as a token source (``sf org display``).

Running the CLI is I/O, so the flow yields :class:`CliCommand` objects and the client runs them
with :func:`run_cli_command`. Current CLIs redact the token in ``sf org display --json``; the
flow then asks ``sf org auth show-access-token --json`` for it. Older CLIs show the token
directly, and that is used as is.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

import attrs

from .._exports import publish
from ._base import CliCommand, CliResult, Login, LoginFlow, expect
from ._errors import login_error
from ._session import Session, is_instance_url
from ._validate import not_empty

__all__ = ["CLI_NOT_FOUND", "CLI_TIMED_OUT", "SfCliLogin", "run_cli_command"]

CLI_NOT_FOUND = 127
"""The return code :func:`run_cli_command` reports when the program is not installed."""
CLI_TIMED_OUT = 124
"""The return code :func:`run_cli_command` reports when the program did not finish in time."""

_REDACTED = "[REDACTED]"
_SECRET_KEYS = ("token", "secret", "password", "authurl")


def run_cli_command(command: CliCommand, *, timeout: float = 60.0) -> CliResult:
    """
    Run a command a login flow asked for and return its result.

    A missing program is reported as return code 127 and a timeout as 124 (with a note on
    stderr), so the flow turns them into clear errors.

    Args:
        command: The command; ``args[0]`` is looked up on ``PATH`` (``sf.cmd`` on Windows too).
        timeout: Seconds before the command is killed.
    """
    import subprocess  # only logins through the CLI pay for importing it

    program, *rest = command.args
    resolved = shutil.which(program)
    if resolved is None:
        return CliResult(CLI_NOT_FOUND, "", f"{program}: command not found")
    try:
        completed = subprocess.run(
            [resolved, *rest],
            stdin=subprocess.DEVNULL,  # never wait for an answer to a prompt
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        return CliResult(CLI_NOT_FOUND, "", f"{program}: command not found")
    except subprocess.TimeoutExpired:
        return CliResult(CLI_TIMED_OUT, "", f"{program}: timed out after {timeout:g} seconds")
    return CliResult(completed.returncode, completed.stdout or "", completed.stderr or "")


@attrs.frozen
class SfCliLogin(Login):
    """
    Use an org the Salesforce CLI (``sf``) is logged in to.

    Args:
        target_org: The CLI's alias or username of the org; ``None`` uses the CLI's default org.
        executable: The CLI program, ``"sf"`` unless it has another name or path.
    """

    target_org: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(not_empty)
    )
    executable: str = attrs.field(default="sf", validator=not_empty)

    @property
    def _org_args(self) -> tuple[str, ...]:
        return ("--target-org", self.target_org) if self.target_org else ()

    @property
    def _org_name(self) -> str:
        return f"org {self.target_org!r}" if self.target_org else "the default org"

    def display_command(self) -> CliCommand:
        """Return ``sf org display --json`` for the target org."""
        return CliCommand((self.executable, "org", "display", *self._org_args, "--json"))

    def show_token_command(self) -> CliCommand:
        """Return ``sf org auth show-access-token --json`` for the target org."""
        return CliCommand(
            (self.executable, "org", "auth", "show-access-token", *self._org_args, "--json")
        )

    def flow(self) -> LoginFlow:
        """Return a flow that reads the instance URL and the token from the CLI."""
        display = expect(CliResult, (yield self.display_command()))
        result = self._result(display, "display")
        instance_url, token = result.get("instanceUrl"), result.get("accessToken")
        if not isinstance(instance_url, str) or not instance_url:
            raise login_error(f"the Salesforce CLI shows no instance URL for {self._org_name}")
        if not is_instance_url(instance_url):
            raise login_error(
                f"the Salesforce CLI shows {instance_url!r} as the instance URL of "
                f"{self._org_name}, which is not an http(s) URL"
            )
        org_id = result.get("id") if isinstance(result.get("id"), str) else None
        if not isinstance(token, str) or not token or token.startswith(_REDACTED):
            shown = expect(CliResult, (yield self.show_token_command()))
            token = self._result(shown, "show-access-token").get("accessToken")
            if not isinstance(token, str) or not token or token.startswith(_REDACTED):
                raise login_error(
                    f"the Salesforce CLI did not reveal the access token of {self._org_name}"
                )
        return Session(access_token=token, instance_url=instance_url, org_id=org_id)

    def _result(self, answer: CliResult, step: str) -> dict[str, Any]:
        """
        Return the ``result`` object of a successful ``--json`` answer.

        Raises:
            AuthenticationError: If the CLI is missing, timed out, failed, or printed no JSON.
        """
        if answer.returncode == CLI_NOT_FOUND and not answer.stdout.strip():
            if step == "display":
                message = (
                    f"the Salesforce CLI ({self.executable!r}) was not found: install it from "
                    "https://developer.salesforce.com/tools/salesforcecli and run "
                    "'sf org login web', or pass another login"
                )
            else:
                message = (
                    f"this Salesforce CLI hides the access token of {self._org_name} and cannot "
                    "show it ('sf org auth show-access-token' is unknown): update the CLI with "
                    "'sf update'"
                )
            raise login_error(message, error_code="SF_CLI_NOT_FOUND")
        if answer.returncode == CLI_TIMED_OUT and not answer.stdout.strip():
            raise login_error(
                f"the Salesforce CLI did not answer in time ({answer.stderr.strip()})",
                error_code="SF_CLI_TIMEOUT",
            )
        payload = _json_payload(answer.stdout)
        if payload is None:
            raise login_error(
                f"the Salesforce CLI's 'sf org {step}' for {self._org_name} failed with exit code "
                f"{answer.returncode} and printed no JSON{_said(answer.stderr)}",
                error_code="SF_CLI_ERROR",
            )
        result = payload.get("result")
        if answer.returncode != 0 or payload.get("status", 0) != 0 or not isinstance(result, dict):
            name = payload.get("name") or payload.get("code") or "SF_CLI_ERROR"
            detail = payload.get("message") or "no message"
            if step == "show-access-token" and _is_unknown_command(payload, answer):
                detail = (
                    f"{detail} (this CLI redacts tokens but lacks 'sf org auth "
                    "show-access-token': update it with 'sf update')"
                )
            raise login_error(
                f"the Salesforce CLI could not give the session of {self._org_name}: {detail}",
                error_code=str(name),
                secrets=_tokens_in(payload),
            )
        return result


def _said(stderr: str) -> str:
    """What the CLI wrote on stderr, in short (its last line), to put after a message."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return f": {lines[-1][:300]}" if lines else ""


def _json_payload(stdout: str) -> dict[str, Any] | None:
    """Parse the CLI's JSON, skipping any banner printed before it."""
    start, end = stdout.find("{"), stdout.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        payload = json.loads(stdout[start : end + 1])
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _is_unknown_command(payload: dict[str, Any], answer: CliResult) -> bool:
    """Tell whether the CLI did not know the command it was given."""
    text = f"{payload.get('name', '')} {payload.get('message', '')} {answer.stderr}".lower()
    return "not a sf command" in text or "command not found" in text or "commandnotfound" in text


def _tokens_in(payload: dict[str, Any]) -> tuple[str, ...]:
    """Collect secret-looking values of a CLI answer, so an error message cannot echo them."""
    result = payload.get("result")
    if not isinstance(result, dict):
        return ()
    return tuple(
        value
        for key, value in result.items()
        if isinstance(value, str) and any(word in key.lower() for word in _SECRET_KEYS)
    )


publish("sf_toolkit.auth", [SfCliLogin, run_cli_command])  # their public path
