"""Which request each record operation sends, decided without I/O."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from sf_toolkit import SObject
from sf_toolkit._query import (
    child_continuations,
    count_result,
    has_subquery,
    plan_count,
    plan_query,
)
from sf_toolkit._rest import (
    blob_call,
    check,
    delete_call,
    download_target,
    fetch_call,
    insert_call,
    update_call,
    upsert_call,
)
from sf_toolkit.exceptions import (
    InvalidIdError,
    MultipleChoicesError,
    NotFoundError,
    SalesforceApiError,
)
from sf_toolkit.models import from_payload, mark_clean, sf_field
from sf_toolkit.soql import select

ID = "001D000000IRFmaIAH"


class Widget(SObject, api_name="Widget__c"):
    Name: str | None = None
    Colour__c: str | None = None


class Document(SObject):
    Name: str | None = None


def loaded(**values: object) -> Widget:
    return from_payload({"attributes": {"type": "Widget__c"}, "Id": ID, **values}, Widget)


def test_fetch_asks_for_the_model_fields() -> None:
    """fetch GETs the record by its 18-character Id with the model's field list."""
    call = fetch_call(Widget, ID[:15])
    assert (call.method, call.url) == ("GET", f"sobjects/Widget__c/{ID}")
    assert call.params == {"fields": "Id,Name,Colour__c"}


def test_insert_sends_only_set_fields() -> None:
    """An insert body holds the fields the user set, including explicit nulls."""
    call = insert_call(Widget(Name="W", Colour__c=None))
    assert (call.method, call.url, call.json) == (
        "POST",
        "sobjects/Widget__c",
        {"Name": "W", "Colour__c": None},
    )


def test_update_sends_loaded_fields_or_only_changes() -> None:
    """A full update sends every loaded field; only_changes sends the changed ones."""
    record = loaded(Name="W", Colour__c="red")
    record.Colour__c = "blue"
    assert update_call(record).json == {"Name": "W", "Colour__c": "blue"}  # type: ignore[union-attr]
    assert update_call(record, only_changes=True).json == {"Colour__c": "blue"}  # type: ignore[union-attr]
    mark_clean(record)
    assert update_call(record, only_changes=True) is None


def test_upsert_encodes_the_external_id_as_one_segment() -> None:
    """The external id value is percent-encoded, removed from the body, and the call idempotent."""
    call = upsert_call(Widget(Name="W", Colour__c="a/b?c"), "Colour__c")
    assert call.url == "sobjects/Widget__c/Colour__c/a%2Fb%3Fc"
    assert call.json == {"Name": "W"}
    assert call.extensions() == {"sf_toolkit.idempotent": True}


@pytest.mark.parametrize("field", ["", "Bad Field", "x/y", "a;b", "Missing__c"])
def test_upsert_refuses_unknown_field_names(field: str) -> None:
    """A name that is no field of the model is refused, naming it and the fields there are."""
    with pytest.raises(ValueError, match="is not a field of Widget") as info:
        upsert_call(Widget(Name="W"), field)
    assert repr(field) in str(info.value)
    assert "Colour__c" in str(info.value)


class Tagged(SObject, api_name="Tagged__c"):
    Name: str | None = None
    ext: str | None = sf_field(api_name="External_ID__c", default=None)


@pytest.mark.parametrize("field", ["ext", "External_ID__c", "external_id__C"])
def test_upsert_takes_the_attribute_or_the_api_name(field: str) -> None:
    """The external id field may be named by attribute or by API name, in any case."""
    call = upsert_call(Tagged(Name="T", ext="E-1"), field)
    assert call.url == "sobjects/Tagged__c/External_ID__c/E-1"
    assert call.json == {"Name": "T"}


@pytest.mark.parametrize("field", [123, None, b"ext", ["ext"]])
def test_upsert_refuses_a_field_name_that_is_not_a_str(field: object) -> None:
    """A non-str external_id_field is a TypeError before anything else."""
    with pytest.raises(TypeError, match="external_id_field must be a str"):
        upsert_call(Tagged(ext="E-1"), field)  # type: ignore[arg-type]


def test_upsert_of_a_generic_record_takes_any_api_name() -> None:
    """A GenericRecord has no declared fields: any well-formed API name with a value works."""
    record = from_payload({"attributes": {"type": "Thing__c"}, "Key__c": "k1", "Name": "n"})
    assert upsert_call(record, "Key__c").url == "sobjects/Thing__c/Key__c/k1"
    with pytest.raises(ValueError, match="is not a field of GenericRecord"):
        upsert_call(record, "x/y")


def test_delete_and_blob_need_an_id() -> None:
    """Operations on an existing record refuse a record without Id."""
    with pytest.raises(ValueError, match="delete needs a record with an Id"):
        delete_call(Widget(Name="x"))
    assert delete_call(loaded()).url == f"sobjects/Widget__c/{ID}"


def test_blob_call_needs_a_blob_model() -> None:
    """Only models with a body field can be downloaded."""
    with pytest.raises(TypeError, match="got Widget"):
        blob_call(loaded())
    document = from_payload(
        {"attributes": {"type": "Document"}, "Id": "015000000000001AAA"}, Document
    )
    assert blob_call(document).url == "sobjects/Document/015000000000001AAA/Body"


def test_invalid_id_on_a_record_is_refused() -> None:
    """A malformed Id never reaches a URL."""
    record = Widget(Name="x")
    record.__dict__["Id"] = "../limits"
    with pytest.raises(InvalidIdError):
        delete_call(record)


def test_download_target_names_file_after_record(tmp_path: Path) -> None:
    """A directory target gets the record's file name; an existing file is protected."""
    document = Document(Name="../report.pdf")
    assert download_target(document, tmp_path) == tmp_path / "report.pdf"
    (tmp_path / "report.pdf").write_bytes(b"x")
    with pytest.raises(FileExistsError):
        download_target(document, tmp_path)
    assert download_target(document, tmp_path, overwrite=True) == tmp_path / "report.pdf"
    with pytest.raises(ValueError, match="no file name"):
        download_target(Document(), tmp_path)


def response(
    status: int, body: object, path: str = "/services/data/v62.0/sobjects/X/1"
) -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("GET", f"https://h{path}"))


def test_check_maps_errors_and_passes_success() -> None:
    """check returns 2xx answers and raises the matching error for others, 300 included."""
    ok = response(200, {"id": ID})
    assert check(ok) is ok
    with pytest.raises(NotFoundError, match=r"404 NOT_FOUND on GET /sobjects/X/1"):
        check(response(404, [{"errorCode": "NOT_FOUND", "message": "gone"}]))
    with pytest.raises(MultipleChoicesError):
        check(
            response(
                300, ["/services/data/v62.0/sobjects/X/1", "/services/data/v62.0/sobjects/X/2"]
            )
        )


def test_query_plans() -> None:
    """Builders and strings become the right endpoint, text and batch header."""
    plan = plan_query(select(Widget).where(Name="O'Neil"), batch_size=500)
    assert plan.endpoint == "query"
    assert plan.soql == "SELECT Id, Name, Colour__c FROM Widget__c WHERE Name = 'O\\'Neil'"
    assert plan.headers == {"Sforce-Query-Options": "batchSize=500"}
    assert plan.model is Widget
    assert plan_query("SELECT Id FROM X", include_deleted=True).endpoint == "queryAll"
    assert plan_count(select(Widget)).soql == "SELECT COUNT() FROM Widget__c"
    with pytest.raises(ValueError, match="empty"):
        plan_query("  ")
    with pytest.raises(TypeError, match="SOQL string or select"):
        plan_query(42)  # type: ignore[arg-type]


def test_child_continuations_finds_unfinished_subqueries() -> None:
    """Only child results that are not done and have a next page are continued."""
    record = {
        "Contacts": {"done": False, "nextRecordsUrl": "/q/01g-200", "records": []},
        "Cases": {"done": True, "records": []},
        "Owner": None,
    }
    assert list(child_continuations(record)) == [("Contacts", "/q/01g-200")]


def test_subquery_scan_only_when_the_soql_nests_a_select() -> None:
    """Rows are scanned for child pages only when the SOQL has a nested SELECT."""
    assert not plan_query("SELECT Id, Name FROM Account").subqueries
    assert not plan_query(select(Widget)).subqueries
    assert plan_query("SELECT Id, (SELECT Id FROM Contacts) FROM Account").subqueries
    assert has_subquery("select Id, ( select Id from Contacts ) from Account")


# Answers shaped as Salesforce documents them: COUNT() gives totalSize and no rows;
# COUNT(field) gives one AggregateResult row whose unaliased value is expr0.
_AGGREGATE = {"attributes": {"type": "AggregateResult"}}


@pytest.mark.parametrize(
    ("soql", "answer", "expected"),
    [
        ("SELECT COUNT() FROM Account", {"totalSize": 7, "done": True, "records": []}, 7),
        (
            "SELECT COUNT(Id) FROM Account",
            {"totalSize": 1, "done": True, "records": [{**_AGGREGATE, "expr0": 7}]},
            7,
        ),
        (
            "select count ( Industry ) n from Account where Name != 'x'",
            {"totalSize": 1, "done": True, "records": [{**_AGGREGATE, "n": 3}]},
            3,
        ),
        (
            "SELECT COUNT_DISTINCT(Industry) FROM Account",
            {"totalSize": 1, "done": True, "records": [{**_AGGREGATE, "expr0": 2}]},
            2,
        ),
        ("SELECT Id FROM Account", {"totalSize": 4512, "done": False, "records": []}, 4512),
    ],
)
def test_count_reads_the_number_where_salesforce_puts_it(
    soql: str, answer: dict[str, object], expected: int
) -> None:
    """COUNT() and plain SELECTs count by totalSize; COUNT(field) by its one aggregate value."""
    assert count_result(plan_count(soql), answer) == expected


def test_count_of_a_grouped_aggregate_is_refused() -> None:
    """COUNT(field) with GROUP BY answers one row per group: refused before any request."""
    with pytest.raises(ValueError, match="GROUP BY"):
        plan_count("SELECT COUNT(Id) FROM Account GROUP BY Industry")


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT COUNT(Id), MAX(AnnualRevenue) FROM Account",
        "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry",
        "SELECT SUM(Amount) FROM Opportunity",
    ],
)
def test_count_of_other_aggregates_is_refused(soql: str) -> None:
    """A select list with other aggregates has no one count: refused before any request."""
    with pytest.raises(ValueError, match="other aggregates"):
        plan_count(soql)


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id, (SELECT COUNT() FROM Contacts) FROM Account",
        "SELECT Id FROM Account WHERE Name = 'max(x) from'",
        "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)",
    ],
)
def test_count_of_a_plain_select_is_its_total_size(soql: str) -> None:
    """Aggregates only in a subquery, a string or the WHERE clause leave a plain SELECT."""
    assert not plan_count(soql).aggregate_count
    assert plan_count("SELECT COUNT(Id) FROM Account WHERE Name = 'group by'").aggregate_count


@pytest.mark.parametrize(
    ("soql", "answer"),
    [
        ("SELECT COUNT() FROM Account", {"done": True, "records": []}),
        ("SELECT COUNT() FROM Account", ["not", "an", "object"]),
        ("SELECT COUNT(Id) FROM Account", {"totalSize": 0, "done": True, "records": []}),
        ("SELECT COUNT(Id) FROM Account", {"records": [{**_AGGREGATE, "expr0": "7"}]}),
    ],
)
def test_an_answer_without_a_count_is_a_typed_error(soql: str, answer: object) -> None:
    """An answer missing its count raises SalesforceApiError naming the query."""
    with pytest.raises(SalesforceApiError, match="no count in Salesforce's answer"):
        count_result(plan_count(soql), answer)
