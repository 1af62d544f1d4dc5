"""
How the org commands log in: options, environment variables and the Salesforce CLI's orgs.

Every org command takes the same options; each has an environment variable (``SF_USERNAME``,
...), and an option given on the command line wins over its variable. A variable that
would pick another login than the options typed is ignored (a leftover ``SF_ACCESS_TOKEN`` or
``SF_TARGET_ORG`` when ``--username`` and ``--password`` are given). Which login is used
follows from what is given, first match wins:

1. ``--access-token`` and ``--instance-url``: a session you already have (:class:`TokenLogin`);
2. ``--target-org``: an org the Salesforce CLI (``sf``) is logged in to (:class:`SfCliLogin`);
3. ``--client-id`` with ``--jwt-key-file`` and ``--username``: OAuth JWT bearer;
4. ``--client-id`` with ``--refresh-token``: OAuth refresh token;
5. ``--client-id``, ``--client-secret``, ``--username`` and ``--password``: OAuth
   username-password;
6. ``--client-id`` and ``--client-secret``: OAuth client credentials (needs the My Domain as
   ``--domain``);
7. ``--username`` and ``--password``: SOAP ``login()`` (:class:`SalesforceLogin`), which
   Salesforce is retiring: prefer one of the others.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import click

from ..auth import (
    ClientCredentialsLogin,
    JwtBearerLogin,
    Login,
    PasswordLogin,
    RefreshTokenLogin,
    SalesforceLogin,
    SfCliLogin,
    TokenLogin,
)

__all__ = ["LoginOptions", "build_login", "explicit_first", "org_options"]

F = TypeVar("F", bound=Callable[..., Any])


@attrs.frozen(kw_only=True)
class LoginOptions:
    """What the command line was given to log in with; empty strings count as not given."""

    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    security_token: str | None = attrs.field(default=None, repr=False)
    domain: str | None = None
    client_id: str | None = None
    client_secret: str | None = attrs.field(default=None, repr=False)
    refresh_token: str | None = attrs.field(default=None, repr=False)
    jwt_key_file: str | None = None
    access_token: str | None = attrs.field(default=None, repr=False)
    instance_url: str | None = None
    target_org: str | None = None
    api_version: str | None = None


_HOW = (
    "no login given: pass --target-org ORG (a Salesforce CLI org), --username and --password, "
    "--client-id and --client-secret, or --access-token and --instance-url "
    "(or their SF_* environment variables)"
)


def build_login(options: LoginOptions) -> Login:
    """
    The login the options ask for (see the module's precedence list).

    Raises:
        click.UsageError: If nothing usable was given, or a login refuses its values (a bad
            ``--domain``, an unreadable key file); the message names the option.
    """
    o = attrs.evolve(
        options,
        **{k: None for k, v in attrs.asdict(options).items() if isinstance(v, str) and not v},
    )
    domain = o.domain or "login"
    try:
        if o.access_token or o.instance_url:
            if not (o.access_token and o.instance_url):
                raise click.UsageError("--access-token and --instance-url go together")
            return TokenLogin(access_token=o.access_token, instance_url=o.instance_url)
        if o.target_org:
            return SfCliLogin(target_org=o.target_org)
        if o.client_id and o.jwt_key_file:
            if not o.username:
                raise click.UsageError("--jwt-key-file needs --username (the user to act as)")
            key = _read_key(o.jwt_key_file)
            return JwtBearerLogin(
                client_id=o.client_id, username=o.username, private_key=key, domain=domain
            )
        if o.client_id and o.refresh_token:
            return RefreshTokenLogin(
                client_id=o.client_id,
                refresh_token=o.refresh_token,
                client_secret=o.client_secret,
                domain=domain,
            )
        if o.client_id and o.client_secret and o.username and o.password:
            return PasswordLogin(
                client_id=o.client_id,
                client_secret=o.client_secret,
                username=o.username,
                password=o.password,
                security_token=o.security_token or "",
                domain=domain,
            )
        if o.client_id and o.client_secret:
            if not o.domain:
                raise click.UsageError(
                    "client credentials need the org's My Domain: pass --domain "
                    "(for example acme.my.salesforce.com)"
                )
            return ClientCredentialsLogin(
                client_id=o.client_id, client_secret=o.client_secret, domain=o.domain
            )
        if o.username and o.password:
            return SalesforceLogin(
                username=o.username,
                password=o.password,
                security_token=o.security_token or "",
                domain=domain,
                api_version=o.api_version,
            )
        if o.username or o.password:
            raise click.UsageError("--username and --password go together")
    except (TypeError, ValueError) as exc:
        raise click.UsageError(f"cannot log in with these options: {_as_options(exc)}") from exc
    raise click.UsageError(_HOW)


def _as_options(exc: Exception) -> str:
    """A login's complaint in the command line's words: ``--instance-url``, not ``instance_url``."""
    text = re.sub(r"\b[A-Z][A-Za-z]*Login\b(\.\w+)?(\(\))?:?\s*", "", str(exc))
    for name in attrs.fields_dict(LoginOptions):
        text = re.sub(rf"\b{name}\b", "--" + name.replace("_", "-"), text)
    return text


def _read_key(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise click.UsageError(
            f"cannot read --jwt-key-file {path!r}: {exc.strerror or exc}"
        ) from exc


_OPTIONS: tuple[tuple[str, str, str], ...] = (
    # (option, environment variable, help)
    ("--target-org", "SF_TARGET_ORG", "Alias or username of an org the Salesforce CLI knows."),
    ("--username", "SF_USERNAME", "Salesforce username."),
    ("--password", "SF_PASSWORD", "Password (SOAP or OAuth username-password login)."),
    ("--security-token", "SF_SECURITY_TOKEN", "Security token, appended to the password."),
    (
        "--domain",
        "SF_DOMAIN",
        "Where to log in: login (default), test, a My Domain host, or a URL.",
    ),
    ("--client-id", "SF_CLIENT_ID", "OAuth consumer key of a connected app."),
    ("--client-secret", "SF_CLIENT_SECRET", "OAuth consumer secret."),
    ("--refresh-token", "SF_REFRESH_TOKEN", "OAuth refresh token."),
    ("--jwt-key-file", "SF_JWT_KEY_FILE", "PEM private key for the OAuth JWT bearer flow."),
    ("--access-token", "SF_ACCESS_TOKEN", "A session's access token (with --instance-url)."),
    ("--instance-url", "SF_INSTANCE_URL", "The org's instance URL (with --access-token)."),
    ("--api-version", "SF_API_VERSION", "REST API version such as 62.0 (default: newest)."),
)
_NAMES = tuple(option[2:].replace("-", "_") for option, *_ in _OPTIONS)
#: Options that are not credentials: their variables apply whatever the command line says.
_SETTINGS = frozenset({"domain", "api_version"})
#: The options that pick a login, by login: a variable of another login than the one the
#: command line names is ignored (username, password and token belong to several).
_LOGIN_GROUPS = (
    frozenset({"access_token", "instance_url"}),
    frozenset({"target_org"}),
    frozenset({"client_id", "client_secret", "refresh_token", "jwt_key_file"}),
)


def explicit_first(given: dict[str, Any], from_command_line: set[str]) -> dict[str, Any]:
    """
    The options to log in with, explicit options first.

    A variable that picks another login than the one the command line names (a leftover
    ``SF_ACCESS_TOKEN`` when ``--username`` and ``--password`` are given) is ignored, so it
    cannot take precedence over the options typed.

    Args:
        given: Every option's value, from the command line or its environment variable.
        from_command_line: The names of the options given on the command line.
    """
    typed = from_command_line - _SETTINGS
    if not typed:
        return given
    ignored = set().union(*(group for group in _LOGIN_GROUPS if not group & typed))
    return {name: None if name in ignored else value for name, value in given.items()}


def org_options(command: F) -> F:
    """
    Add the login options to a command; it receives ``login`` and ``api_version`` instead.

    The login is built before the command runs, so a bad combination is a usage error.
    """

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _NAMES}
        context = click.get_current_context()
        typed = {
            name
            for name in _NAMES
            if context.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
        }
        options = LoginOptions(**explicit_first(given, typed))
        kwargs["login"] = build_login(options)
        kwargs["api_version"] = options.api_version or None
        return command(**kwargs)

    decorated: Any = wrapper
    for option, envvar, help_text in reversed(_OPTIONS):
        decorated = click.option(
            option, envvar=envvar, help=f"{help_text} [env: {envvar}]", metavar="TEXT"
        )(decorated)
    return decorated  # type: ignore[no-any-return]
