"""
Static typing check of the models and the query builder, used the way users will.

Not collected by pytest (no ``test_`` prefix). Run::

    .venv/bin/mypy --strict tests/unit/models/typing_check.py

``reveal_type`` prints what mypy infers (the expected text is in the comment next to it);
``assert_type`` makes mypy fail when an inferred type drifts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sf_toolkit.models import (
    SObject,
    api_name_of,
    changed_fields,
    from_payload,
    sf_field,
    to_payload,
)
from sf_toolkit.soql import SelectQuery, escape_like, select

if TYPE_CHECKING:
    from typing_extensions import assert_type, reveal_type


class Account(SObject):
    Name: str | None = None
    AnnualRevenue: Decimal | None = None
    CreatedDate: datetime | None = sf_field(default=None, read_only=True)
    class_: str | None = sf_field(api_name="Class__c", default=None)
    Contacts: list[Contact] | None = None


class Contact(SObject, connection="sandbox"):
    LastName: str
    Account: Account | None = None


def use_models(data: dict[str, Any]) -> None:
    account = Account(Name="Acme", AnnualRevenue=Decimal("1.5"), class_="x")
    reveal_type(account.Name)  # Revealed type is "str | None"
    reveal_type(account.Id)  # Revealed type is "str | None"
    assert_type(account.AnnualRevenue, Decimal | None)
    assert_type(account.CreatedDate, datetime | None)

    contact = Contact(LastName="Doe", Account=account)
    assert_type(contact.LastName, str)
    assert_type(contact.Account, Account | None)

    loaded = from_payload(data, Account)
    reveal_type(loaded)  # Revealed type is "typing_check.Account"
    assert_type(loaded, Account)
    assert_type(from_payload(data), SObject)
    assert_type(to_payload(loaded, only_changes=True), dict[str, Any])
    assert_type(changed_fields(loaded), frozenset[str])
    assert_type(api_name_of(Account), str)

    query = select(Account, "Name").where(Name=escape_like("Ac") + "%").limit(10)
    reveal_type(query)  # Revealed type is "sf_toolkit.soql.SelectQuery[typing_check.Account]"
    assert_type(query, SelectQuery[Account])
    assert_type(query.model, type[Account])


def misuse() -> None:
    Account("positional")  # type: ignore[call-arg]
    Account(Nmae="typo")  # type: ignore[call-arg]
    Contact()  # type: ignore[call-arg]
    Account(Name=42)  # type: ignore[arg-type]
    Account().Nmae  # type: ignore[attr-defined]  # noqa: B018
