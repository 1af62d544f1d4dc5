"""A login that needs no request: an access token the caller already has."""

from __future__ import annotations

import attrs

from .._exports import publish
from ._base import Login, LoginFlow
from ._errors import login_error
from ._session import Session, normalize_instance_url
from ._validate import not_empty

__all__ = ["TokenLogin"]


def _check_instance_url(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    del instance, attribute
    normalize_instance_url(value)


@attrs.frozen
class TokenLogin(Login):
    """
    Use an existing access token (from another tool or a cache) with its instance URL.

    Nothing is sent to log in. Such a token cannot be renewed: when it expires, requests fail with
    :class:`~sf_toolkit.exceptions.AuthenticationError`.

    Args:
        access_token: The bearer token; never shown in repr or errors.
        instance_url: The org's instance, e.g. ``"https://acme.my.salesforce.com"``.
    """

    access_token: str = attrs.field(repr=False, validator=not_empty)
    instance_url: str = attrs.field(validator=[not_empty, _check_instance_url])

    def flow(self) -> LoginFlow:
        """Return a flow that finishes at once with the given token."""
        yield from ()
        return Session(access_token=self.access_token, instance_url=self.instance_url)

    def refresh_flow(self, session: Session) -> LoginFlow:
        """
        Return a flow that fails: a bare access token cannot be renewed.

        Raises:
            AuthenticationError: When the flow is started.
        """
        del session
        yield from ()
        raise login_error(
            "the access token expired and cannot be refreshed: pass a new TokenLogin or a login "
            "that can log in again",
            error_code="INVALID_SESSION_ID",
        )


publish("sf_toolkit.auth", [TokenLogin])  # their public path
