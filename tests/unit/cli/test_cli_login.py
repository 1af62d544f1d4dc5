"""The command line's login options pick the login by what is given."""

from __future__ import annotations

from pathlib import Path

import attrs
import click
import pytest

from sf_toolkit import (
    ClientCredentialsLogin,
    JwtBearerLogin,
    PasswordLogin,
    RefreshTokenLogin,
    SalesforceLogin,
    SfCliLogin,
    TokenLogin,
)
from sf_toolkit.cli.login import LoginOptions, build_login, explicit_first


def test_username_and_password_is_the_seed_login() -> None:
    """--username/--password give SalesforceLogin, domain login by default."""
    login = build_login(LoginOptions(username="user@example.com", password="password"))
    assert login == SalesforceLogin(username="user@example.com", password="password")


def test_target_org_uses_the_salesforce_cli() -> None:
    """--target-org gives SfCliLogin for that org, even with a username in the environment."""
    login = build_login(LoginOptions(target_org="prod", username="u@example.com", password="p"))
    assert login == SfCliLogin(target_org="prod")


def test_token_wins_over_everything() -> None:
    """--access-token with --instance-url is a TokenLogin."""
    login = build_login(
        LoginOptions(
            access_token="00Dxx!token",
            instance_url="https://acme.my.salesforce.com",
            target_org="prod",
        )
    )
    assert isinstance(login, TokenLogin)


def test_oauth_flows() -> None:
    """Client id plus secret, refresh token or user pick the matching OAuth flow."""
    assert isinstance(
        build_login(LoginOptions(client_id="c", client_secret="s", domain="acme.my")),
        ClientCredentialsLogin,
    )
    assert isinstance(
        build_login(LoginOptions(client_id="c", refresh_token="r")), RefreshTokenLogin
    )
    assert isinstance(
        build_login(LoginOptions(client_id="c", client_secret="s", username="u", password="p")),
        PasswordLogin,
    )


def test_jwt_reads_the_key_file(tmp_path: Path) -> None:
    """--jwt-key-file is read; a missing file is a usage error naming the option."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / "server.key").write_bytes(pem)
    login = build_login(
        LoginOptions(client_id="c", username="u", jwt_key_file=str(tmp_path / "server.key"))
    )
    assert isinstance(login, JwtBearerLogin)
    with pytest.raises(click.UsageError, match="--jwt-key-file"):
        build_login(LoginOptions(client_id="c", username="u", jwt_key_file=str(tmp_path / "x")))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (LoginOptions(), "no login given"),
        (LoginOptions(username="", password=""), "no login given"),
        (LoginOptions(username="u"), "--username and --password go together"),
        (LoginOptions(access_token="t"), "--access-token and --instance-url go together"),
        (LoginOptions(client_id="c", client_secret="s"), "--domain"),
        (LoginOptions(username="u", password="p", domain="not a domain"), "cannot log in"),
    ],
)
def test_incomplete_options_are_usage_errors(options: LoginOptions, message: str) -> None:
    """What cannot log in is a usage error saying what is missing."""
    with pytest.raises(click.UsageError, match=message):
        build_login(options)


def test_secrets_stay_out_of_the_repr() -> None:
    """The options' repr shows no password, token or secret."""
    options = LoginOptions(
        username="u", password="hunter2", client_secret="s3cr3t", access_token="tok3n"
    )
    text = repr(options)
    assert all(secret not in text for secret in ("hunter2", "s3cr3t", "tok3n")), text


@pytest.mark.parametrize(
    ("environment", "typed", "expected"),
    [
        # A leftover session or Salesforce CLI org does not beat the username typed.
        (
            {"access_token": "00D!x", "instance_url": "https://x"},
            {"username", "password"},
            SalesforceLogin,
        ),
        ({"target_org": "prod"}, {"username", "password"}, SalesforceLogin),
        ({"client_id": "id", "client_secret": "s"}, {"username", "password"}, SalesforceLogin),
        # Variables of the login typed still fill it in.
        ({"client_secret": "s", "username": "u", "password": "p"}, {"client_id"}, PasswordLogin),
        ({"username": "u"}, {"password"}, SalesforceLogin),
        # Nothing typed: the variables decide, by the usual precedence.
        (
            {"access_token": "00D!x", "instance_url": "https://x", "username": "u"},
            set(),
            TokenLogin,
        ),
    ],
)
def test_typed_options_pick_the_login(
    environment: dict[str, str], typed: set[str], expected: type
) -> None:
    """Explicit options win over leftover SF_* variables of another login."""
    values = {"username": "u", "password": "p", "client_id": "id"}
    merged = {**environment, **{name: values[name] for name in typed}}
    given = {name: merged.get(name) for name in attrs.fields_dict(LoginOptions)}
    login = build_login(LoginOptions(**explicit_first(given, typed)))
    assert type(login) is expected


def test_login_complaints_name_the_options() -> None:
    """A value a login refuses is named as its option, without internal class names."""
    with pytest.raises(click.UsageError) as caught:
        build_login(LoginOptions(access_token="00D!x", instance_url="foo"))
    message = caught.value.format_message()
    assert "--instance-url must be an http(s) URL" in message
    assert "instance_url" not in message
    assert "TokenLogin" not in message
