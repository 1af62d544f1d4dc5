"""Record operations against the fake org: the seed's "Record Operations" section and more."""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from sf_toolkit import AsyncSalesforceClient, SObject
from sf_toolkit.exceptions import (
    InvalidIdError,
    NoClientError,
    NotFoundError,
    SalesforceApiError,
    SalesforceConnectionError,
)
from sf_toolkit.io.api import (
    delete_async,
    describe_async,
    download_file_async,
    fetch_async,
    reload_async,
    save_async,
    save_insert_async,
    save_update_async,
    save_upsert_async,
)
from sf_toolkit.models import changed_fields, sf_field
from sf_toolkit.testing import FakeOrg


class Account(SObject):
    Name: str | None = None
    Industry: str | None = None
    AnnualRevenue: float | None = None
    External_ID__c: str | None = None


class Attachment(SObject):
    Name: str | None = None
    ParentId: str | None = None


class Deal(SObject, api_name="Deal__c"):
    Name: str | None = None
    Amount: Decimal | None = None
    Probability: float | None = None


class Tagged(SObject, api_name="Account"):
    Name: str | None = None
    ext: str | None = sf_field(api_name="External_ID__c", default=None)


class Sandboxed(SObject, api_name="Account", connection="nowhere"):
    Name: str | None = None


def add_account(org: FakeOrg, name: str = "Acme", **values: object) -> str:
    return org.insert("Account", {"Name": name, **values})


async def assert_nothing_to_send(
    record: SObject, client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """An only_changes update of a clean record sends no request."""
    sent = len(org.requests)
    await save_update_async(record, client, only_changes=True)
    assert len(org.requests) == sent


async def test_seed_fetch(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """`fetch_async(Account, id, client)` returns a typed record with the model's fields."""
    account_id = add_account(org, Industry="Energy")
    account = await fetch_async(Account, account_id, client)
    assert isinstance(account, Account)
    assert (account.Id, account.Name, account.Industry) == (account_id, "Acme", "Energy")
    request = org.requests[-1]
    assert set(request.params["fields"].split(",")) >= {"Id", "Name", "Industry"}


async def test_fetch_accepts_15_character_id(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """A 15-character Id is normalised to 18 before the request."""
    account_id = add_account(org)
    account = await fetch_async(Account, account_id[:15], sf_client=client)
    assert account.Id == account_id


async def test_seed_error_handling_invalid_id(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """`fetch_async(Account, "invalid_id", client)` raises SalesforceApiError, sending nothing."""
    sent = len(org.requests)
    with pytest.raises(SalesforceApiError) as info:
        await fetch_async(Account, "invalid_id", client)
    assert isinstance(info.value, InvalidIdError)
    assert "invalid_id" in str(info.value)
    assert len(org.requests) == sent


@pytest.mark.parametrize("bad", ["001/../../limits", "001XXXXXXXXXXXX?q=1", ""])
async def test_nothing_can_be_smuggled_into_the_path(
    client: AsyncSalesforceClient, org: FakeOrg, bad: str
) -> None:
    """Ids with path or query characters are refused before any request."""
    sent = len(org.requests)
    with pytest.raises(InvalidIdError):
        await fetch_async(Account, bad, client)
    assert len(org.requests) == sent


async def test_fetch_unknown_record_is_not_found(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """A well-formed Id of no record raises NotFoundError with method and path."""
    account_id = add_account(org)
    await delete_async(await fetch_async(Account, account_id, client), client)
    with pytest.raises(NotFoundError) as info:
        await fetch_async(Account, account_id, client)
    assert info.value.status_code == 404
    assert f"GET /sobjects/Account/{account_id}" in str(info.value)


async def test_seed_save_inserts_new_record(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """`save_async(account, client)` inserts a record without Id and sets its Id."""
    account = Account(Name="New Co", Industry="Retail")
    await save_async(account, client)
    assert account.Id is not None
    assert org.get("Account", account.Id)["Name"] == "New Co"  # type: ignore[index]
    assert org.requests[-1].body == {"Name": "New Co", "Industry": "Retail"}


async def test_save_updates_existing_record(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """`save_async` on a record with an Id updates it."""
    account = await fetch_async(Account, add_account(org), client)
    account.Name = "Renamed"
    await save_async(account, client)
    assert org.get("Account", account.Id)["Name"] == "Renamed"  # type: ignore[arg-type,index]
    assert org.requests[-1].method == "PATCH"


async def test_only_changes_sends_exactly_the_changed_fields(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """`save_update_async(..., only_changes=True)` sends only what changed since load."""
    account = await fetch_async(Account, add_account(org, Industry="Energy"), client)
    account.Industry = "Banking"
    account.AnnualRevenue = None
    await save_update_async(account, client, only_changes=True)
    assert org.requests[-1].body == {"Industry": "Banking", "AnnualRevenue": None}
    stored = org.get("Account", account.Id)  # type: ignore[arg-type]
    assert stored is not None
    assert (stored["Industry"], stored["Name"]) == ("Banking", "Acme")


async def test_only_changes_without_changes_sends_nothing(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """An update with nothing changed makes no request at all."""
    account = await fetch_async(Account, add_account(org), client)
    sent = len(org.requests)
    await save_update_async(account, client, only_changes=True)
    assert len(org.requests) == sent


async def test_save_clears_the_change_set(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """After a save, a second only_changes update has nothing to send."""
    account = Account(Name="Once")
    await save_insert_async(account, client)
    account.Name = "Twice"
    await save_update_async(account, client, only_changes=True)
    await assert_nothing_to_send(account, client, org)


async def test_insert_of_saved_record_is_refused(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """save_insert on a record that has an Id raises ValueError instead of duplicating it."""
    account = await fetch_async(Account, add_account(org), client)
    with pytest.raises(ValueError, match="without an Id"):
        await save_insert_async(account, client)


async def test_upsert_creates_then_updates(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """save_upsert_async inserts on a new external id and updates on a known one."""
    account = Account(Name="Ext", External_ID__c="EXT/1 ?&")
    assert await save_upsert_async(account, client, external_id_field="External_ID__c") is True
    assert account.Id is not None
    again = Account(Name="Ext renamed", External_ID__c="EXT/1 ?&")
    assert await save_upsert_async(again, client, external_id_field="External_ID__c") is False
    assert again.Id == account.Id
    assert [r["Name"] for r in org.records("Account")] == ["Ext renamed"]
    assert org.requests[-1].path.endswith("/External_ID__c/EXT/1 ?&")
    assert org.requests[-1].status == 200


async def test_upsert_needs_the_external_id_value(client: AsyncSalesforceClient) -> None:
    """An upsert without a value in the external id field is refused before sending."""
    with pytest.raises(ValueError, match=r"needs a value in Account\.External_ID__c"):
        await save_upsert_async(Account(Name="x"), client, external_id_field="External_ID__c")


async def test_seed_delete(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """`delete_async(account, client)` deletes the record."""
    account = await fetch_async(Account, add_account(org), client)
    await delete_async(account, client)
    assert org.get("Account", account.Id) is None  # type: ignore[arg-type]


async def test_delete_without_id_is_refused(client: AsyncSalesforceClient) -> None:
    """Deleting a record that was never inserted is a clear error."""
    with pytest.raises(ValueError, match="delete needs a record with an Id"):
        await delete_async(Account(Name="ghost"), client)


async def test_seed_reload_discards_local_changes(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """`reload_async(account, client)` refreshes the record in place."""
    account = await fetch_async(Account, add_account(org), client)
    account.Name = "Local edit"
    org.insert("Account", {"Name": "unrelated"})
    same = await reload_async(account, client)
    assert same is account
    assert account.Name == "Acme"


async def test_validation_error_carries_salesforce_code(
    client: AsyncSalesforceClient,
) -> None:
    """A record Salesforce refuses raises SalesforceApiError with its error code."""
    with pytest.raises(SalesforceApiError) as info:
        await save_insert_async(Account(Industry="No name"), client)
    assert info.value.error_code == "REQUIRED_FIELD_MISSING"
    assert info.value.status_code == 400


async def test_wrong_argument_type_is_refused(client: AsyncSalesforceClient) -> None:
    """A non-record argument raises TypeError naming what was given."""
    with pytest.raises(TypeError, match="dict"):
        await save_async({"Name": "x"}, client)  # type: ignore[arg-type]


async def test_default_connection_is_used_without_a_client(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """Without a client argument, the registered default connection is used."""
    account = await fetch_async(Account, add_account(org))
    assert account.Name == "Acme"


async def test_unregistered_connection_name_is_a_clear_error(org: FakeOrg) -> None:
    """A model bound to a connection nobody registered raises NoClientError saying what to do."""
    with pytest.raises(NoClientError, match=r"'nowhere'.*sf_client="):
        await fetch_async(Sandboxed, add_account(org))


async def test_describe_returns_typed_fields(client: AsyncSalesforceClient) -> None:
    """describe_async returns the object's field metadata."""
    description = await describe_async(Account, client)
    names = {field.name for field in description.fields}
    assert {"Id", "Name", "External_ID__c"} <= names


async def test_seed_download_file_streams_exact_bytes(
    client: AsyncSalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """An 8 MB attachment body downloads byte for byte to the path returned."""
    body = bytes(range(256)) * (8 * 1024 * 4)
    attachment_id = org.insert(
        "Attachment",
        {"Name": "big.bin", "ParentId": add_account(org), "Body": base64.b64encode(body).decode()},
    )
    attachment = await fetch_async(Attachment, attachment_id, client)
    content = await download_file_async(attachment, tmp_path, client)
    assert content == tmp_path / "big.bin"
    assert content.read_bytes() == body
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


async def test_download_refuses_to_overwrite(
    client: AsyncSalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """An existing file is kept unless overwrite=True."""
    attachment_id = org.insert(
        "Attachment",
        {"Name": "a.txt", "ParentId": add_account(org), "Body": base64.b64encode(b"new").decode()},
    )
    attachment = await fetch_async(Attachment, attachment_id, client)
    target = tmp_path / "kept.txt"
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        await download_file_async(attachment, target, client)
    assert target.read_bytes() == b"old"
    await download_file_async(attachment, target, client, overwrite=True)
    assert target.read_bytes() == b"new"


async def test_download_needs_a_file_record(
    client: AsyncSalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """download_file on a record without a body field raises TypeError naming it."""
    account = await fetch_async(Account, add_account(org), client)
    with pytest.raises(TypeError, match="got Account"):
        await download_file_async(account, tmp_path, client)


async def test_deleting_a_deleted_record_is_done(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """Deleting twice succeeds: the record is gone either way (safe after a dropped reply)."""
    account = await fetch_async(Account, add_account(org), client)
    await delete_async(account, client)
    await delete_async(account, client)
    assert org.get("Account", account.Id) is None  # type: ignore[arg-type]


async def test_fetch_needs_a_model_class(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """Passing a record where the model class belongs raises TypeError saying so."""
    with pytest.raises(TypeError, match="must be a model class such as Account, got Account"):
        await fetch_async(Account(Name="x"), add_account(org), client)  # type: ignore[arg-type]


async def test_failed_download_leaves_no_file(
    client: AsyncSalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """A download that cannot complete raises a connection error and leaves nothing behind."""
    attachment_id = org.insert(
        "Attachment",
        {"Name": "lost.bin", "ParentId": add_account(org), "Body": base64.b64encode(b"x").decode()},
    )
    attachment = await fetch_async(Attachment, attachment_id, client)
    org.faults.rate_drop = 1.0
    with pytest.raises(SalesforceConnectionError):
        await download_file_async(attachment, tmp_path, client)
    org.faults.rate_drop = 0.0
    assert list(tmp_path.iterdir()) == []


def add_attachment(org: FakeOrg, name: str, body: bytes) -> str:
    return org.insert(
        "Attachment",
        {"Name": name, "ParentId": add_account(org), "Body": base64.b64encode(body).decode()},
    )


async def test_insert_leaves_the_record_clean(client: AsyncSalesforceClient, org: FakeOrg) -> None:
    """After an insert (save_insert or save) nothing is left to send: the change set is empty."""
    for insert in (save_insert_async, save_async):
        account = Account(Name="Clean", Industry="Energy")
        await insert(account, client)
        assert account.Id is not None
        assert changed_fields(account) == frozenset()
        await assert_nothing_to_send(account, client, org)


async def test_exact_values_are_saved_and_others_refused_before_sending(
    client: AsyncSalesforceClient, org: FakeOrg
) -> None:
    """An int is a fine Decimal; NaN or a str in a number field is refused, naming them."""
    org.add_model(Deal)
    deal = Deal(Name="Deal", Amount=1500)  # type: ignore[arg-type]
    await save_insert_async(deal, client)
    assert org.get("Deal__c", deal.Id)["Amount"] == 1500  # type: ignore[arg-type,index]
    sent = len(org.requests)
    with pytest.raises(ValueError, match=r"Deal\.Probability .*finite.*nan"):
        await save_insert_async(Deal(Name="x", Probability=float("nan")), client)
    with pytest.raises(TypeError, match=r"Deal\.Amount .*got str.*'12'"):
        await save_insert_async(Deal(Name="x", Amount="12"), client)  # type: ignore[arg-type]
    assert len(org.requests) == sent


@pytest.mark.parametrize("field", ["ext", "External_ID__c"])
async def test_upsert_takes_the_attribute_or_the_api_name(
    client: AsyncSalesforceClient, org: FakeOrg, field: str
) -> None:
    """external_id_field may name the attribute or the API name: both upsert by External_ID__c."""
    assert await save_upsert_async(Tagged(Name="A", ext="E-7"), client, external_id_field=field)
    assert org.records("Account")[0]["External_ID__c"] == "E-7"
    assert org.requests[-1].path.endswith("/sobjects/Account/External_ID__c/E-7")


@pytest.mark.parametrize(
    ("field", "error", "message"),
    [
        (123, TypeError, "external_id_field must be a str"),
        ("Nope__c", ValueError, "'Nope__c' is not a field of Tagged"),
    ],
)
async def test_upsert_refuses_a_bad_field_before_sending(
    client: AsyncSalesforceClient,
    org: FakeOrg,
    field: object,
    error: type[Exception],
    message: str,
) -> None:
    """A non-str or unknown external_id_field raises before any request."""
    sent = len(org.requests)
    with pytest.raises(error, match=message):
        await save_upsert_async(Tagged(ext="E"), client, external_id_field=field)  # type: ignore[arg-type]
    assert len(org.requests) == sent


@pytest.mark.parametrize(
    "name",
    ["a" * 237 + ".txt", "b" * 246 + ".bin", "c" * 251 + ".pdf", "é" * 125 + ".txt"],
)
async def test_download_keeps_a_long_file_name(
    client: AsyncSalesforceClient, org: FakeOrg, tmp_path: Path, name: str
) -> None:
    """A record file name of 241 to 255 bytes downloads under that name (the temp name fits)."""
    assert 241 <= len(name.encode()) <= 255
    attachment = await fetch_async(Attachment, add_attachment(org, name, b"long"), client)
    written = await download_file_async(attachment, tmp_path, client)
    assert written == tmp_path / name
    assert written.read_bytes() == b"long"
    assert [p.name for p in tmp_path.iterdir()] == [name]


async def test_download_into_a_missing_directory_is_refused(
    client: AsyncSalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """ "newdir/" that does not exist is an error before any request; nothing is created."""
    attachment = await fetch_async(Attachment, add_attachment(org, "a.txt", b"x"), client)
    sent = len(org.requests)
    for dest in (f"{tmp_path}/newdir/", tmp_path / "newdir" / "a.txt"):
        with pytest.raises(FileNotFoundError, match=r"newdir.* does not exist"):
            await download_file_async(attachment, dest, client)
    (tmp_path / "plain").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        await download_file_async(attachment, f"{tmp_path}/plain/", client)
    assert len(org.requests) == sent
    assert [p.name for p in tmp_path.iterdir()] == ["plain"]


async def test_an_error_answer_never_reaches_the_file(
    client: AsyncSalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """A download answered with an error raises it; the existing file keeps its bytes."""
    attachment_id = add_attachment(org, "gone.txt", b"new")
    attachment = await fetch_async(Attachment, attachment_id, client)
    target = tmp_path / "gone.txt"
    target.write_bytes(b"mine")
    await delete_async(attachment, client)
    with pytest.raises(NotFoundError):
        await download_file_async(attachment, target, client, overwrite=True)
    assert target.read_bytes() == b"mine"
    assert [p.name for p in tmp_path.iterdir()] == ["gone.txt"]


async def test_a_file_that_appears_during_the_download_is_kept(
    org: FakeOrg, make_client: Callable[..., AsyncSalesforceClient], tmp_path: Path
) -> None:
    """Without overwrite, a file created at the target mid-download is not replaced."""
    target = tmp_path / "late.txt"

    async def someone_else_writes(response: httpx.Response) -> None:
        if response.request.url.path.endswith("/Body"):
            target.write_bytes(b"theirs")

    attachment_id = add_attachment(org, "late.txt", b"ours")
    async with make_client(event_hooks={"response": [someone_else_writes]}) as client:
        attachment = await fetch_async(Attachment, attachment_id, client)
        with pytest.raises(FileExistsError, match="overwrite=True"):
            await download_file_async(attachment, target, client)
    assert target.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["late.txt"]
