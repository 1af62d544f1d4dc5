"""The login-domain parser shared by every login."""

from __future__ import annotations

import pytest

from sf_toolkit.auth import login_base_url


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("login", "https://login.salesforce.com"),
        ("test", "https://test.salesforce.com"),
        ("TEST", "https://test.salesforce.com"),
        ("acme.my.salesforce.com", "https://acme.my.salesforce.com"),
        ("acme--dev.sandbox.my.salesforce.com", "https://acme--dev.sandbox.my.salesforce.com"),
        ("acme.my", "https://acme.my.salesforce.com"),
        ("acme--dev.sandbox.my", "https://acme--dev.sandbox.my.salesforce.com"),
        ("Acme.My.Salesforce.com/", "https://acme.my.salesforce.com"),
        ("http://127.0.0.1:8123", "http://127.0.0.1:8123"),
        ("http://localhost:8123/", "http://localhost:8123"),
        ("https://acme.my.site.com/customers/", "https://acme.my.site.com/customers"),
    ],
)
def test_accepted_domains(domain: str, expected: str) -> None:
    """Named domains, hosts and URLs resolve to their base URL."""
    assert login_base_url(domain) == expected


@pytest.mark.parametrize(
    "domain",
    [
        "",
        "production",
        "sandbox",
        "acme",
        "has space.example.com",
        "ftp://acme.example.com",
        "https://",
        "https://acme.my.salesforce.com/?x=1",
        "acme_.my.salesforce.com",
    ],
)
def test_unknown_domain_is_refused_by_name(domain: str) -> None:
    """An unknown domain raises ValueError quoting it and listing the accepted forms."""
    with pytest.raises(ValueError, match="login domain") as info:
        login_base_url(domain)
    assert repr(domain) in str(info.value)


def test_non_string_domain_is_a_type_error() -> None:
    """A domain that is not a str raises TypeError."""
    with pytest.raises(TypeError, match="domain must be a str"):
        login_base_url(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "domain", ["127.0.0.1:8080", "127.0.0.1", "localhost:8123", "localhost", "10.1.2.3:443"]
)
def test_a_local_address_without_a_scheme_is_refused(domain: str) -> None:
    """An IP address or localhost without a scheme is refused, suggesting http:// or https://."""
    with pytest.raises(ValueError, match="has no scheme") as info:
        login_base_url(domain)
    assert f"'http://{domain}'" in str(info.value)


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://localhost:8443", "https://localhost:8443"),
        ("acme.my.salesforce.com:8443", "https://acme.my.salesforce.com:8443"),
    ],
)
def test_local_addresses_with_a_scheme_and_named_hosts_with_a_port_work(
    domain: str, expected: str
) -> None:
    """With a scheme a local address is fine; a named host with a port implies https."""
    assert login_base_url(domain) == expected
