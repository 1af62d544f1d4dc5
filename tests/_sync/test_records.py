# Generated from tests/_async/test_records.py by scripts/generate_sync.py.
# Do not edit: change the async source and regenerate.
"""Record operations against the fake org: the seed's "Record Operations" section and more."""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from sf_toolkit import SalesforceClient, SObject
from sf_toolkit.exceptions import (
    InvalidIdError,
    NoClientError,
    NotFoundError,
    SalesforceApiError,
    SalesforceConnectionError,
)
from sf_toolkit.io.api import (
    delete,
    describe,
    download_file,
    fetch,
    reload,
    save,
    save_insert,
    save_update,
    save_upsert,
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


def assert_nothing_to_send(record: SObject, client: SalesforceClient, org: FakeOrg) -> None:
    """An only_changes update of a clean record sends no request."""
    sent = len(org.requests)
    save_update(record, client, only_changes=True)
    assert len(org.requests) == sent


def test_seed_fetch(client: SalesforceClient, org: FakeOrg) -> None:
    """`fetch(Account, id, client)` returns a typed record with the model's fields."""
    account_id = add_account(org, Industry="Energy")
    account = fetch(Account, account_id, client)
    assert isinstance(account, Account)
    assert (account.Id, account.Name, account.Industry) == (account_id, "Acme", "Energy")
    request = org.requests[-1]
    assert set(request.params["fields"].split(",")) >= {"Id", "Name", "Industry"}


def test_fetch_accepts_15_character_id(client: SalesforceClient, org: FakeOrg) -> None:
    """A 15-character Id is normalised to 18 before the request."""
    account_id = add_account(org)
    account = fetch(Account, account_id[:15], sf_client=client)
    assert account.Id == account_id


def test_seed_error_handling_invalid_id(client: SalesforceClient, org: FakeOrg) -> None:
    """`fetch(Account, "invalid_id", client)` raises SalesforceApiError, sending nothing."""
    sent = len(org.requests)
    with pytest.raises(SalesforceApiError) as info:
        fetch(Account, "invalid_id", client)
    assert isinstance(info.value, InvalidIdError)
    assert "invalid_id" in str(info.value)
    assert len(org.requests) == sent


@pytest.mark.parametrize("bad", ["001/../../limits", "001XXXXXXXXXXXX?q=1", ""])
def test_nothing_can_be_smuggled_into_the_path(
    client: SalesforceClient, org: FakeOrg, bad: str
) -> None:
    """Ids with path or query characters are refused before any request."""
    sent = len(org.requests)
    with pytest.raises(InvalidIdError):
        fetch(Account, bad, client)
    assert len(org.requests) == sent


def test_fetch_unknown_record_is_not_found(client: SalesforceClient, org: FakeOrg) -> None:
    """A well-formed Id of no record raises NotFoundError with method and path."""
    account_id = add_account(org)
    delete(fetch(Account, account_id, client), client)
    with pytest.raises(NotFoundError) as info:
        fetch(Account, account_id, client)
    assert info.value.status_code == 404
    assert f"GET /sobjects/Account/{account_id}" in str(info.value)


def test_seed_save_inserts_new_record(client: SalesforceClient, org: FakeOrg) -> None:
    """`save(account, client)` inserts a record without Id and sets its Id."""
    account = Account(Name="New Co", Industry="Retail")
    save(account, client)
    assert account.Id is not None
    assert org.get("Account", account.Id)["Name"] == "New Co"  # type: ignore[index]
    assert org.requests[-1].body == {"Name": "New Co", "Industry": "Retail"}


def test_save_updates_existing_record(client: SalesforceClient, org: FakeOrg) -> None:
    """`save` on a record with an Id updates it."""
    account = fetch(Account, add_account(org), client)
    account.Name = "Renamed"
    save(account, client)
    assert org.get("Account", account.Id)["Name"] == "Renamed"  # type: ignore[arg-type,index]
    assert org.requests[-1].method == "PATCH"


def test_only_changes_sends_exactly_the_changed_fields(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """`save_update(..., only_changes=True)` sends only what changed since load."""
    account = fetch(Account, add_account(org, Industry="Energy"), client)
    account.Industry = "Banking"
    account.AnnualRevenue = None
    save_update(account, client, only_changes=True)
    assert org.requests[-1].body == {"Industry": "Banking", "AnnualRevenue": None}
    stored = org.get("Account", account.Id)  # type: ignore[arg-type]
    assert stored is not None
    assert (stored["Industry"], stored["Name"]) == ("Banking", "Acme")


def test_only_changes_without_changes_sends_nothing(client: SalesforceClient, org: FakeOrg) -> None:
    """An update with nothing changed makes no request at all."""
    account = fetch(Account, add_account(org), client)
    sent = len(org.requests)
    save_update(account, client, only_changes=True)
    assert len(org.requests) == sent


def test_save_clears_the_change_set(client: SalesforceClient, org: FakeOrg) -> None:
    """After a save, a second only_changes update has nothing to send."""
    account = Account(Name="Once")
    save_insert(account, client)
    account.Name = "Twice"
    save_update(account, client, only_changes=True)
    assert_nothing_to_send(account, client, org)


def test_insert_of_saved_record_is_refused(client: SalesforceClient, org: FakeOrg) -> None:
    """save_insert on a record that has an Id raises ValueError instead of duplicating it."""
    account = fetch(Account, add_account(org), client)
    with pytest.raises(ValueError, match="without an Id"):
        save_insert(account, client)


def test_upsert_creates_then_updates(client: SalesforceClient, org: FakeOrg) -> None:
    """save_upsert inserts on a new external id and updates on a known one."""
    account = Account(Name="Ext", External_ID__c="EXT/1 ?&")
    assert save_upsert(account, client, external_id_field="External_ID__c") is True
    assert account.Id is not None
    again = Account(Name="Ext renamed", External_ID__c="EXT/1 ?&")
    assert save_upsert(again, client, external_id_field="External_ID__c") is False
    assert again.Id == account.Id
    assert [r["Name"] for r in org.records("Account")] == ["Ext renamed"]
    assert org.requests[-1].path.endswith("/External_ID__c/EXT/1 ?&")
    assert org.requests[-1].status == 200


def test_upsert_needs_the_external_id_value(client: SalesforceClient) -> None:
    """An upsert without a value in the external id field is refused before sending."""
    with pytest.raises(ValueError, match=r"needs a value in Account\.External_ID__c"):
        save_upsert(Account(Name="x"), client, external_id_field="External_ID__c")


def test_seed_delete(client: SalesforceClient, org: FakeOrg) -> None:
    """`delete(account, client)` deletes the record."""
    account = fetch(Account, add_account(org), client)
    delete(account, client)
    assert org.get("Account", account.Id) is None  # type: ignore[arg-type]


def test_delete_without_id_is_refused(client: SalesforceClient) -> None:
    """Deleting a record that was never inserted is a clear error."""
    with pytest.raises(ValueError, match="delete needs a record with an Id"):
        delete(Account(Name="ghost"), client)


def test_seed_reload_discards_local_changes(client: SalesforceClient, org: FakeOrg) -> None:
    """`reload(account, client)` refreshes the record in place."""
    account = fetch(Account, add_account(org), client)
    account.Name = "Local edit"
    org.insert("Account", {"Name": "unrelated"})
    same = reload(account, client)
    assert same is account
    assert account.Name == "Acme"


def test_validation_error_carries_salesforce_code(
    client: SalesforceClient,
) -> None:
    """A record Salesforce refuses raises SalesforceApiError with its error code."""
    with pytest.raises(SalesforceApiError) as info:
        save_insert(Account(Industry="No name"), client)
    assert info.value.error_code == "REQUIRED_FIELD_MISSING"
    assert info.value.status_code == 400


def test_wrong_argument_type_is_refused(client: SalesforceClient) -> None:
    """A non-record argument raises TypeError naming what was given."""
    with pytest.raises(TypeError, match="dict"):
        save({"Name": "x"}, client)  # type: ignore[arg-type]


def test_default_connection_is_used_without_a_client(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """Without a client argument, the registered default connection is used."""
    account = fetch(Account, add_account(org))
    assert account.Name == "Acme"


def test_unregistered_connection_name_is_a_clear_error(org: FakeOrg) -> None:
    """A model bound to a connection nobody registered raises NoClientError saying what to do."""
    with pytest.raises(NoClientError, match=r"'nowhere'.*sf_client="):
        fetch(Sandboxed, add_account(org))


def test_describe_returns_typed_fields(client: SalesforceClient) -> None:
    """describe returns the object's field metadata."""
    description = describe(Account, client)
    names = {field.name for field in description.fields}
    assert {"Id", "Name", "External_ID__c"} <= names


def test_seed_download_file_streams_exact_bytes(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """An 8 MB attachment body downloads byte for byte to the path returned."""
    body = bytes(range(256)) * (8 * 1024 * 4)
    attachment_id = org.insert(
        "Attachment",
        {"Name": "big.bin", "ParentId": add_account(org), "Body": base64.b64encode(body).decode()},
    )
    attachment = fetch(Attachment, attachment_id, client)
    content = download_file(attachment, tmp_path, client)
    assert content == tmp_path / "big.bin"
    assert content.read_bytes() == body
    assert [p.name for p in tmp_path.iterdir()] == ["big.bin"]


def test_download_refuses_to_overwrite(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """An existing file is kept unless overwrite=True."""
    attachment_id = org.insert(
        "Attachment",
        {"Name": "a.txt", "ParentId": add_account(org), "Body": base64.b64encode(b"new").decode()},
    )
    attachment = fetch(Attachment, attachment_id, client)
    target = tmp_path / "kept.txt"
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        download_file(attachment, target, client)
    assert target.read_bytes() == b"old"
    download_file(attachment, target, client, overwrite=True)
    assert target.read_bytes() == b"new"


def test_download_needs_a_file_record(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """download_file on a record without a body field raises TypeError naming it."""
    account = fetch(Account, add_account(org), client)
    with pytest.raises(TypeError, match="got Account"):
        download_file(account, tmp_path, client)


def test_deleting_a_deleted_record_is_done(client: SalesforceClient, org: FakeOrg) -> None:
    """Deleting twice succeeds: the record is gone either way (safe after a dropped reply)."""
    account = fetch(Account, add_account(org), client)
    delete(account, client)
    delete(account, client)
    assert org.get("Account", account.Id) is None  # type: ignore[arg-type]


def test_fetch_needs_a_model_class(client: SalesforceClient, org: FakeOrg) -> None:
    """Passing a record where the model class belongs raises TypeError saying so."""
    with pytest.raises(TypeError, match="must be a model class such as Account, got Account"):
        fetch(Account(Name="x"), add_account(org), client)  # type: ignore[arg-type]


def test_failed_download_leaves_no_file(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """A download that cannot complete raises a connection error and leaves nothing behind."""
    attachment_id = org.insert(
        "Attachment",
        {"Name": "lost.bin", "ParentId": add_account(org), "Body": base64.b64encode(b"x").decode()},
    )
    attachment = fetch(Attachment, attachment_id, client)
    org.faults.rate_drop = 1.0
    with pytest.raises(SalesforceConnectionError):
        download_file(attachment, tmp_path, client)
    org.faults.rate_drop = 0.0
    assert list(tmp_path.iterdir()) == []


def add_attachment(org: FakeOrg, name: str, body: bytes) -> str:
    return org.insert(
        "Attachment",
        {"Name": name, "ParentId": add_account(org), "Body": base64.b64encode(body).decode()},
    )


def test_insert_leaves_the_record_clean(client: SalesforceClient, org: FakeOrg) -> None:
    """After an insert (save_insert or save) nothing is left to send: the change set is empty."""
    for insert in (save_insert, save):
        account = Account(Name="Clean", Industry="Energy")
        insert(account, client)
        assert account.Id is not None
        assert changed_fields(account) == frozenset()
        assert_nothing_to_send(account, client, org)


def test_exact_values_are_saved_and_others_refused_before_sending(
    client: SalesforceClient, org: FakeOrg
) -> None:
    """An int is a fine Decimal; NaN or a str in a number field is refused, naming them."""
    org.add_model(Deal)
    deal = Deal(Name="Deal", Amount=1500)  # type: ignore[arg-type]
    save_insert(deal, client)
    assert org.get("Deal__c", deal.Id)["Amount"] == 1500  # type: ignore[arg-type,index]
    sent = len(org.requests)
    with pytest.raises(ValueError, match=r"Deal\.Probability .*finite.*nan"):
        save_insert(Deal(Name="x", Probability=float("nan")), client)
    with pytest.raises(TypeError, match=r"Deal\.Amount .*got str.*'12'"):
        save_insert(Deal(Name="x", Amount="12"), client)  # type: ignore[arg-type]
    assert len(org.requests) == sent


@pytest.mark.parametrize("field", ["ext", "External_ID__c"])
def test_upsert_takes_the_attribute_or_the_api_name(
    client: SalesforceClient, org: FakeOrg, field: str
) -> None:
    """external_id_field may name the attribute or the API name: both upsert by External_ID__c."""
    assert save_upsert(Tagged(Name="A", ext="E-7"), client, external_id_field=field)
    assert org.records("Account")[0]["External_ID__c"] == "E-7"
    assert org.requests[-1].path.endswith("/sobjects/Account/External_ID__c/E-7")


@pytest.mark.parametrize(
    ("field", "error", "message"),
    [
        (123, TypeError, "external_id_field must be a str"),
        ("Nope__c", ValueError, "'Nope__c' is not a field of Tagged"),
    ],
)
def test_upsert_refuses_a_bad_field_before_sending(
    client: SalesforceClient,
    org: FakeOrg,
    field: object,
    error: type[Exception],
    message: str,
) -> None:
    """A non-str or unknown external_id_field raises before any request."""
    sent = len(org.requests)
    with pytest.raises(error, match=message):
        save_upsert(Tagged(ext="E"), client, external_id_field=field)  # type: ignore[arg-type]
    assert len(org.requests) == sent


@pytest.mark.parametrize(
    "name",
    ["a" * 237 + ".txt", "b" * 246 + ".bin", "c" * 251 + ".pdf", "é" * 125 + ".txt"],
)
def test_download_keeps_a_long_file_name(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path, name: str
) -> None:
    """A record file name of 241 to 255 bytes downloads under that name (the temp name fits)."""
    assert 241 <= len(name.encode()) <= 255
    attachment = fetch(Attachment, add_attachment(org, name, b"long"), client)
    written = download_file(attachment, tmp_path, client)
    assert written == tmp_path / name
    assert written.read_bytes() == b"long"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_download_into_a_missing_directory_is_refused(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """ "newdir/" that does not exist is an error before any request; nothing is created."""
    attachment = fetch(Attachment, add_attachment(org, "a.txt", b"x"), client)
    sent = len(org.requests)
    for dest in (f"{tmp_path}/newdir/", tmp_path / "newdir" / "a.txt"):
        with pytest.raises(FileNotFoundError, match=r"newdir.* does not exist"):
            download_file(attachment, dest, client)
    (tmp_path / "plain").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        download_file(attachment, f"{tmp_path}/plain/", client)
    assert len(org.requests) == sent
    assert [p.name for p in tmp_path.iterdir()] == ["plain"]


def test_an_error_answer_never_reaches_the_file(
    client: SalesforceClient, org: FakeOrg, tmp_path: Path
) -> None:
    """A download answered with an error raises it; the existing file keeps its bytes."""
    attachment_id = add_attachment(org, "gone.txt", b"new")
    attachment = fetch(Attachment, attachment_id, client)
    target = tmp_path / "gone.txt"
    target.write_bytes(b"mine")
    delete(attachment, client)
    with pytest.raises(NotFoundError):
        download_file(attachment, target, client, overwrite=True)
    assert target.read_bytes() == b"mine"
    assert [p.name for p in tmp_path.iterdir()] == ["gone.txt"]


def test_a_file_that_appears_during_the_download_is_kept(
    org: FakeOrg, make_client: Callable[..., SalesforceClient], tmp_path: Path
) -> None:
    """Without overwrite, a file created at the target mid-download is not replaced."""
    target = tmp_path / "late.txt"

    def someone_else_writes(response: httpx.Response) -> None:
        if response.request.url.path.endswith("/Body"):
            target.write_bytes(b"theirs")

    attachment_id = add_attachment(org, "late.txt", b"ours")
    with make_client(event_hooks={"response": [someone_else_writes]}) as client:
        attachment = fetch(Attachment, attachment_id, client)
        with pytest.raises(FileExistsError, match="overwrite=True"):
            download_file(attachment, target, client)
    assert target.read_bytes() == b"theirs"
    assert [p.name for p in tmp_path.iterdir()] == ["late.txt"]
