"""Tests of the fake org's SOQL engine, run against a tiny in-memory schema."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from sf_toolkit.ids import to_id18
from sf_toolkit.testing._protocols import ChildRelationship, FieldRef, QueryResult, SoqlError
from sf_toolkit.testing._soql import execute, parse

NOW = dt.datetime(2024, 3, 13, 15, 30, tzinfo=dt.timezone.utc)  # a Wednesday


def make_id(prefix: str, number: int) -> str:
    """A valid 18-character Id."""
    return to_id18(f"{prefix}{number:012d}")


def ref(name: str, target: str, relationship: str) -> FieldRef:
    """A lookup field."""
    return FieldRef(name, "reference", (target,), relationship)


SCHEMA: dict[str, list[FieldRef]] = {
    "User": [FieldRef("Id", "id"), FieldRef("Name", "string"), FieldRef("IsDeleted", "boolean")],
    "Account": [
        FieldRef("Id", "id"),
        FieldRef("Name", "string"),
        FieldRef("Industry", "picklist"),
        FieldRef("NumberOfEmployees", "int"),
        FieldRef("AnnualRevenue", "currency"),
        FieldRef("Colors__c", "multipicklist"),
        FieldRef("CreatedDate", "datetime"),
        FieldRef("IsDeleted", "boolean"),
        FieldRef("BillingAddress", "address"),
        ref("OwnerId", "User", "Owner"),
        ref("ParentId", "Account", "Parent"),
    ],
    "Contact": [
        FieldRef("Id", "id"),
        FieldRef("FirstName", "string"),
        FieldRef("LastName", "string"),
        FieldRef("Birthdate", "date"),
        FieldRef("IsDeleted", "boolean"),
        ref("AccountId", "Account", "Account"),
    ],
    "Note": [
        FieldRef("Id", "id"),
        FieldRef("Title", "string"),
        FieldRef("IsDeleted", "boolean"),
        FieldRef("ParentId", "reference", ("Account", "Contact"), "Parent"),
    ],
}
CHILDREN = {
    ("Account", "contacts"): ChildRelationship("Contact", "AccountId", "Contacts"),
    ("Account", "childaccounts"): ChildRelationship("Account", "ParentId", "ChildAccounts"),
}


class MemoryDb:
    """A minimal QueryDatabase over dicts, enough to exercise the engine."""

    def __init__(self) -> None:
        self.data: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SCHEMA}

    def add(self, sobject: str, **values: Any) -> str:
        """Store a row (every schema field present, null unless given) and return its Id."""
        row: dict[str, Any] = {f.name: None for f in SCHEMA[sobject]}
        row["IsDeleted"] = False
        row.update(values)
        self.data[sobject][row["Id"]] = row
        return str(row["Id"])

    def canonical_object(self, name: str) -> str | None:
        return next((s for s in SCHEMA if s.lower() == name.lower()), None)

    def field(self, sobject: str, name: str) -> FieldRef | None:
        return next((f for f in SCHEMA[sobject] if f.name.lower() == name.lower()), None)

    def fields(self, sobject: str) -> list[FieldRef]:
        return list(SCHEMA[sobject])

    def child_relationship(self, sobject: str, name: str) -> ChildRelationship | None:
        return CHILDREN.get((sobject, name.lower()))

    def rows(self, sobject: str, *, include_deleted: bool) -> Iterable[Mapping[str, Any]]:
        rows = self.data[sobject].values()
        return [r for r in rows if include_deleted or not r["IsDeleted"]]

    def row(self, sobject: str, record_id: str) -> Mapping[str, Any] | None:
        return self.data[sobject].get(to_id18(record_id))

    def record_url(self, sobject: str, record_id: str) -> str:
        return f"/services/data/v59.0/sobjects/{sobject}/{record_id}"


U1, U2 = make_id("005", 1), make_id("005", 2)
A1, A2, A3, A4 = (make_id("001", n) for n in range(1, 5))
C1, C2, C3, C4, C5 = (make_id("003", n) for n in range(1, 6))


@pytest.fixture(scope="module")
def db() -> MemoryDb:
    """Two users, three live accounts and a deleted one, five contacts (one deleted)."""
    store = MemoryDb()
    store.add("User", Id=U1, Name="Ann Owner")
    store.add("User", Id=U2, Name="Bob Owner")
    store.add(
        "Account",
        Id=A1,
        Name="Acme",
        Industry="Tech",
        NumberOfEmployees=100,
        AnnualRevenue=1_000_000.0,
        Colors__c="Red;Blue",
        CreatedDate="2024-03-12T10:00:00.000+0000",
        OwnerId=U1,
    )
    store.add(
        "Account",
        Id=A2,
        Name="Globex",
        Industry="Energy",
        NumberOfEmployees=50,
        Colors__c="Green",
        CreatedDate="2024-02-15T08:00:00.000+0000",
        OwnerId=U2,
        ParentId=A1,
    )
    store.add(
        "Account",
        Id=A3,
        Name="initech",
        Colors__c="Red",
        CreatedDate="2023-12-31T23:59:59.000+0000",
    )
    store.add("Account", Id=A4, Name="Gone Inc", IsDeleted=True)
    store.add(
        "Contact", Id=C1, FirstName="Ann", LastName="Smith", AccountId=A1, Birthdate="1990-05-01"
    )
    store.add("Contact", Id=C2, FirstName="Bob", LastName="Jones", AccountId=A1)
    store.add("Contact", Id=C3, FirstName="Cy", LastName="Smith", AccountId=A2)
    store.add("Contact", Id=C4, FirstName="Dee", LastName="Loner", Birthdate="2001-12-24")
    store.add("Contact", Id=C5, FirstName="Zed", LastName="Gone", AccountId=A1, IsDeleted=True)
    store.add("Note", Id=make_id("002", 1), Title="On Acme", ParentId=A1)
    store.add("Note", Id=make_id("002", 3), Title="", ParentId=None)
    store.add("Note", Id=make_id("002", 2), Title="On Ann", ParentId=C1)
    return store


def run(db: MemoryDb, soql: str, **kwargs: Any) -> QueryResult:
    """Parse and execute with a fixed clock."""
    return execute(parse(soql), db, now=NOW, **kwargs)


def names(result: QueryResult, key: str = "Name") -> list[Any]:
    """One field of every record, in result order."""
    return [record[key] for record in result.records]


def error(db: MemoryDb, soql: str) -> SoqlError:
    """The SoqlError a query raises."""
    with pytest.raises(SoqlError) as info:
        run(db, soql)
    return info.value


# --- SELECT ----------------------------------------------------------------------------------


def test_records_carry_attributes_and_fields_in_select_order(db: MemoryDb) -> None:
    """Each record starts with attributes, then the selected fields in SELECT order."""
    result = run(db, f"SELECT Name, Id FROM Account WHERE Id = '{A1}'")
    assert result.records == [
        {
            "attributes": {"type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{A1}"},
            "Name": "Acme",
            "Id": A1,
        }
    ]
    assert list(result.records[0]) == ["attributes", "Name", "Id"]
    assert (result.sobject, result.total_size, result.is_count) == ("Account", 1, False)


def test_names_are_case_insensitive_and_output_is_canonical(db: MemoryDb) -> None:
    """Lower-case object and field names resolve, and output keys use canonical names."""
    result = run(db, "select name, numberofemployees from ACCOUNT where name = 'acme'")
    assert result.sobject == "Account"
    assert list(result.records[0]) == ["attributes", "Name", "NumberOfEmployees"]
    assert result.columns == ["Name", "NumberOfEmployees"]


def test_unknown_object_is_invalid_type(db: MemoryDb) -> None:
    """An unknown sObject raises INVALID_TYPE with Salesforce's message."""
    err = error(db, "SELECT Id FROM Foo")
    assert err.error_code == "INVALID_TYPE"
    assert "sObject type 'Foo' is not supported." in err.message
    assert "ERROR at Row:1:Column:16" in err.message


def test_unknown_field_is_invalid_field(db: MemoryDb) -> None:
    """An unknown field raises INVALID_FIELD naming the field and the entity."""
    err = error(db, "SELECT Id, Foo FROM Account")
    assert err.error_code == "INVALID_FIELD"
    assert "No such column 'Foo' on entity 'Account'." in err.message


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id FROM Account WHERE Foo = 1",
        "SELECT Id FROM Account ORDER BY Foo",
        "SELECT Id, (SELECT Foo FROM Contacts) FROM Account",
        "SELECT Account.Foo FROM Contact",
    ],
)
def test_unknown_fields_anywhere_are_refused(db: MemoryDb, soql: str) -> None:
    """Unknown fields in WHERE, ORDER BY, subqueries and parent paths are INVALID_FIELD."""
    assert error(db, soql).error_code == "INVALID_FIELD"


def test_parent_path_yields_nested_record(db: MemoryDb) -> None:
    """A parent path gives a nested object with its own attributes, or None for no parent."""
    result = run(db, "SELECT LastName, Account.Name FROM Contact ORDER BY FirstName")
    assert result.records[0]["Account"] == {
        "attributes": {"type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{A1}"},
        "Name": "Acme",
    }
    assert result.records[3]["Account"] is None
    assert result.columns == ["LastName", "Account.Name"]


def test_parent_paths_merge_and_go_several_levels(db: MemoryDb) -> None:
    """Fields through the same relationship share one nested object, at any depth."""
    result = run(
        db,
        f"SELECT account.name, Account.Owner.Name, account.Industry FROM Contact WHERE Id = '{C1}'",
    )
    account = result.records[0]["Account"]
    assert list(account) == ["attributes", "Name", "Owner", "Industry"]
    assert account["Owner"]["Name"] == "Ann Owner"
    assert account["Owner"]["attributes"]["type"] == "User"
    assert result.columns == ["Account.Name", "Account.Owner.Name", "Account.Industry"]


def test_empty_lookup_on_a_deeper_level_is_none(db: MemoryDb) -> None:
    """A parent whose own lookup is empty shows that relationship as None."""
    result = run(db, f"SELECT Parent.Owner.Name FROM Account WHERE Id = '{A2}'")
    assert result.records[0]["Parent"]["Owner"]["Name"] == "Ann Owner"
    result = run(db, f"SELECT Owner.Name FROM Account WHERE Id = '{A3}'")
    assert result.records[0]["Owner"] is None


def test_polymorphic_lookup_finds_each_target(db: MemoryDb) -> None:
    """A polymorphic parent resolves fields on any target and reports the real type."""
    result = run(
        db,
        "SELECT Title, Parent.Name, Parent.LastName FROM Note WHERE ParentId != null "
        "ORDER BY Title",
    )
    acme, ann = (record["Parent"] for record in result.records)
    assert (acme["attributes"]["type"], acme["Name"]) == ("Account", "Acme")
    assert (ann["attributes"]["type"], ann["LastName"]) == ("Contact", "Smith")


@pytest.mark.parametrize(
    ("condition", "count"), [("Title = ''", 1), ("Title = null", 1), ("Title != null", 2)]
)
def test_empty_text_counts_as_null(db: MemoryDb, condition: str, count: int) -> None:
    """A stored empty string compares like null, as Salesforce stores empty text as null."""
    assert run(db, f"SELECT COUNT() FROM Note WHERE {condition}").total_size == count


def test_unknown_relationship_is_invalid_field(db: MemoryDb) -> None:
    """A path through a relationship the object does not have is INVALID_FIELD."""
    err = error(db, "SELECT Boss.Name FROM Contact")
    assert err.error_code == "INVALID_FIELD"
    assert "Didn't understand relationship 'Boss' in field path." in err.message


def test_child_subquery(db: MemoryDb) -> None:
    """A child subquery nests a result per parent, or None when there are no children."""
    result = run(
        db,
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account ORDER BY Name",
    )
    by_name = {record["Name"]: record["Contacts"] for record in result.records}
    assert by_name["Acme"]["totalSize"] == 2
    assert by_name["Acme"]["done"] is True
    assert [c["LastName"] for c in by_name["Acme"]["records"]] == ["Jones", "Smith"]
    assert by_name["Acme"]["records"][0]["attributes"]["type"] == "Contact"
    assert by_name["initech"] is None
    assert result.columns == ["Name"]


def test_child_subquery_filters_and_limits(db: MemoryDb) -> None:
    """WHERE and LIMIT inside a subquery apply per parent."""
    result = run(
        db,
        f"SELECT (SELECT FirstName FROM Contacts WHERE LastName != 'Jones' LIMIT 1) "
        f"FROM Account WHERE Id = '{A1}'",
    )
    assert [c["FirstName"] for c in result.records[0]["Contacts"]["records"]] == ["Ann"]


def test_child_subquery_includes_deleted_children_only_for_query_all(db: MemoryDb) -> None:
    """Deleted children appear only with include_deleted."""
    soql = f"SELECT (SELECT Id FROM Contacts) FROM Account WHERE Id = '{A1}'"
    assert run(db, soql).records[0]["Contacts"]["totalSize"] == 2
    assert run(db, soql, include_deleted=True).records[0]["Contacts"]["totalSize"] == 3


def test_unknown_child_relationship_is_invalid_type(db: MemoryDb) -> None:
    """An unknown child relationship in a subquery's FROM is INVALID_TYPE."""
    err = error(db, "SELECT Id, (SELECT Id FROM Opportunities) FROM Account")
    assert err.error_code == "INVALID_TYPE"
    assert "Didn't understand relationship 'Opportunities' in FROM part" in err.message


def test_duplicate_field_is_refused(db: MemoryDb) -> None:
    """Selecting the same field twice (in any case) is MALFORMED_QUERY."""
    err = error(db, "SELECT Name, NAME FROM Account")
    assert err.error_code == "MALFORMED_QUERY"
    assert err.message.endswith("duplicate field selected: Name")


def test_object_alias_prefix_is_dropped(db: MemoryDb) -> None:
    """Paths may start with the object's alias."""
    result = run(db, "SELECT a.Name FROM Account a WHERE a.Name = 'Acme'")
    assert names(result) == ["Acme"]


# --- COUNT, deleted rows, LIMIT/OFFSET --------------------------------------------------------


@pytest.mark.parametrize(
    ("soql", "count"),
    [
        ("SELECT COUNT() FROM Account", 3),
        ("SELECT COUNT() FROM Contact WHERE LastName = 'Smith'", 2),
        ("SELECT COUNT() FROM Account LIMIT 2", 2),
    ],
)
def test_count(db: MemoryDb, soql: str, count: int) -> None:
    """COUNT() answers with the row count and no records."""
    result = run(db, soql)
    assert (result.is_count, result.total_size, result.records) == (True, count, [])


def test_deleted_rows_only_with_include_deleted(db: MemoryDb) -> None:
    """Rows with IsDeleted are skipped unless include_deleted (queryAll)."""
    assert "Gone Inc" not in names(run(db, "SELECT Name FROM Account"))
    assert "Gone Inc" in names(run(db, "SELECT Name FROM Account", include_deleted=True))


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("LIMIT 2", ["Acme", "Globex"]),
        ("LIMIT 2 OFFSET 1", ["Globex", "initech"]),
        ("OFFSET 2", ["initech"]),
        ("OFFSET 5", []),
        ("LIMIT 0", []),
    ],
)
def test_limit_and_offset(db: MemoryDb, clause: str, expected: list[str]) -> None:
    """LIMIT and OFFSET slice the ordered rows, and totalSize counts the rows returned."""
    result = run(db, f"SELECT Name FROM Account ORDER BY Name {clause}")
    assert names(result) == expected
    assert result.total_size == len(expected)


# --- WHERE -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("Name = 'ACME'", ["Acme"]),
        ("Name != 'acme'", ["Globex", "initech"]),
        ("Industry = null", ["initech"]),
        ("Industry != null", ["Acme", "Globex"]),
        ("Industry = ''", ["initech"]),
        ("Industry != 'Tech'", ["Globex", "initech"]),
        ("NumberOfEmployees > 50", ["Acme"]),
        ("NumberOfEmployees >= 50", ["Acme", "Globex"]),
        ("NumberOfEmployees < 100", ["Globex"]),
        ("NumberOfEmployees <= 100.0", ["Acme", "Globex"]),
        ("AnnualRevenue > 999999.5", ["Acme"]),
        ("Name > 'B'", ["Globex", "initech"]),
        ("Name LIKE 'a%'", ["Acme"]),
        ("Name LIKE '%E%'", ["Acme", "Globex", "initech"]),
        ("Name LIKE 'Glo_ex'", ["Globex"]),
        ("Name LIKE 'Glo\\_ex'", []),
        ("Name IN ('acme', 'Globex')", ["Acme", "Globex"]),
        ("Name NOT IN ('acme')", ["Globex", "initech"]),
        ("Industry IN ('Tech', null)", ["Acme", "initech"]),
        ("Industry NOT IN ('Tech')", ["Globex", "initech"]),
        ("Colors__c INCLUDES ('red')", ["Acme", "initech"]),
        ("Colors__c INCLUDES ('Blue;Red')", ["Acme"]),
        ("Colors__c INCLUDES ('Blue;Green', 'green')", ["Globex"]),
        ("Colors__c EXCLUDES ('Red')", ["Globex"]),
        ("Colors__c = 'blue;red'", ["Acme"]),
        ("IsDeleted = false", ["Acme", "Globex", "initech"]),
        ("CreatedDate > 2024-01-01T00:00:00Z", ["Acme", "Globex"]),
        ("CreatedDate < 2024-01-01T01:00:00+01:00", ["initech"]),
        ("CreatedDate = 2024-02-15T08:00:00.000Z", ["Globex"]),
        ("CreatedDate = TODAY", []),
        ("CreatedDate = YESTERDAY", ["Acme"]),
        ("CreatedDate = THIS_WEEK", ["Acme"]),
        ("CreatedDate = LAST_MONTH", ["Globex"]),
        ("CreatedDate = LAST_N_DAYS:30", ["Acme", "Globex"]),
        ("CreatedDate < THIS_YEAR", ["initech"]),
        ("CreatedDate >= THIS_YEAR", ["Acme", "Globex"]),
        ("CreatedDate > LAST_YEAR", ["Acme", "Globex"]),
        ("CreatedDate <= LAST_YEAR", ["initech"]),
        ("CreatedDate != THIS_MONTH", ["Globex", "initech"]),
        (f"OwnerId = '{U1}'", ["Acme"]),
        (f"OwnerId = '{U1[:15]}'", ["Acme"]),
        ("OwnerId = null", ["initech"]),
        (f"Id IN ('{A1}', '{A3}')", ["Acme", "initech"]),
        ("Owner.Name LIKE 'Bob%'", ["Globex"]),
        ("Parent.Name = 'Acme'", ["Globex"]),
        ("Name = 'Acme' OR Name = 'Globex'", ["Acme", "Globex"]),
        ("Name != 'Acme' AND Industry != null", ["Globex"]),
        ("NOT Name = 'Acme'", ["Globex", "initech"]),
        ("NOT (Name = 'Acme' OR Industry = null)", ["Globex"]),
        ("(Name = 'Acme' OR Name = 'initech') AND Industry = null", ["initech"]),
        ("Id IN (SELECT AccountId FROM Contact WHERE LastName = 'Smith')", ["Acme", "Globex"]),
        ("Id NOT IN (SELECT AccountId FROM Contact)", ["initech"]),
    ],
)
def test_where(db: MemoryDb, condition: str, expected: list[str]) -> None:
    """WHERE keeps exactly the rows Salesforce would keep."""
    assert names(run(db, f"SELECT Name FROM Account WHERE {condition} ORDER BY Name")) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("Birthdate = 1990-05-01", ["Ann"]),
        ("Birthdate > 1995-01-01", ["Dee"]),
        ("Birthdate < NEXT_N_DAYS:3", ["Ann", "Dee"]),
        ("Birthdate = THIS_YEAR", []),
        ("Account.Owner.Name = 'Ann Owner'", ["Ann", "Bob"]),
        ("AccountId = null", ["Dee"]),
    ],
)
def test_where_on_contacts(db: MemoryDb, condition: str, expected: list[str]) -> None:
    """Date fields and multi-level parent paths filter correctly."""
    result = run(db, f"SELECT FirstName FROM Contact WHERE {condition} ORDER BY FirstName")
    assert names(result, "FirstName") == expected


@pytest.mark.parametrize(
    ("condition", "code", "detail"),
    [
        ("NumberOfEmployees = '5'", "INVALID_FIELD", "must be of type integer"),
        ("Name = 5", "INVALID_FIELD", "must be of type string and should be enclosed in quotes"),
        ("IsDeleted = 'true'", "INVALID_FIELD", "must be of type boolean"),
        ("CreatedDate > 2024-01-01", "INVALID_FIELD", "must be of type dateTime"),
        ("CreatedDate > '2024-01-01T00:00:00Z'", "INVALID_FIELD", "must be of type dateTime"),
        ("Name = TODAY", "INVALID_FIELD", "must be of type string"),
        ("Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: abc"),
        ("OwnerId = 5", "INVALID_FIELD", "must be of type id"),
        ("NumberOfEmployees LIKE '5%'", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator"),
        ("Name INCLUDES ('a')", "INVALID_QUERY_FILTER_OPERATOR", "only valid on multipicklist"),
        ("Colors__c > 'a'", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator"),
        ("BillingAddress = null", "INVALID_FIELD", "can not be filtered"),
        ("Name IN (SELECT Id FROM Contact)", "MALFORMED_QUERY", "semi join"),
        ("Id IN (SELECT FirstName FROM Contact)", "INVALID_FIELD", "semi join"),
        ("Id IN (SELECT Id FROM Nope)", "INVALID_TYPE", "sObject type 'Nope'"),
    ],
)
def test_where_type_errors(db: MemoryDb, condition: str, code: str, detail: str) -> None:
    """A literal or operator that does not fit the field's type is refused like Salesforce."""
    err = error(db, f"SELECT Id FROM Account WHERE {condition}")
    assert err.error_code == code
    assert detail in err.message


def test_type_errors_are_raised_even_without_rows(db: MemoryDb) -> None:
    """Schema checks happen before any row is read."""
    empty = MemoryDb()
    with pytest.raises(SoqlError):
        run(empty, "SELECT Id FROM Account WHERE NumberOfEmployees = 'x'")


# --- ORDER BY ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("Industry", ["initech", "Globex", "Acme"]),
        ("Industry ASC NULLS LAST", ["Globex", "Acme", "initech"]),
        ("Industry DESC", ["Acme", "Globex", "initech"]),
        ("Industry DESC NULLS FIRST", ["initech", "Acme", "Globex"]),
        ("Name", ["Acme", "Globex", "initech"]),
        ("Name DESC", ["initech", "Globex", "Acme"]),
        ("NumberOfEmployees DESC", ["Acme", "Globex", "initech"]),
        ("CreatedDate", ["initech", "Globex", "Acme"]),
        ("Owner.Name DESC", ["Globex", "Acme", "initech"]),
        ("Colors__c", None),
    ],
)
def test_order_by(db: MemoryDb, order: str, expected: list[str] | None) -> None:
    """ORDER BY sorts case-insensitively, typed, with Salesforce's null placement."""
    soql = f"SELECT Name FROM Account ORDER BY {order}"
    if expected is None:
        err = error(db, soql)
        assert (err.error_code, err.message.endswith("can not be sorted in a query call")) == (
            "INVALID_FIELD",
            True,
        )
    else:
        assert names(run(db, soql)) == expected


def test_order_by_several_keys(db: MemoryDb) -> None:
    """Later ORDER BY keys break ties of earlier ones."""
    result = run(db, "SELECT FirstName FROM Contact ORDER BY LastName DESC, FirstName DESC")
    assert names(result, "FirstName") == ["Cy", "Ann", "Dee", "Bob"]


def test_order_by_parent_path_with_nulls(db: MemoryDb) -> None:
    """Sorting by a parent field puts rows without a parent where nulls go."""
    result = run(db, "SELECT FirstName FROM Contact ORDER BY Account.Name NULLS LAST, FirstName")
    assert names(result, "FirstName") == ["Ann", "Bob", "Cy", "Dee"]


# --- performance --------------------------------------------------------------------------------


def test_twenty_thousand_rows_with_parent_paths_and_subqueries() -> None:
    """A filtered, sorted query with a parent path and a subquery over 20,000 rows is right."""
    big = MemoryDb()
    for n in range(2_000):
        big.add("Account", Id=make_id("001", n), Name=f"Account {n}", NumberOfEmployees=n)
    for n in range(20_000):
        big.add(
            "Contact",
            Id=make_id("003", n),
            LastName=f"Last {n % 97}",
            AccountId=make_id("001", n % 2_000),
        )
    contacts = run(
        big,
        "SELECT Id, LastName, Account.Name FROM Contact WHERE LastName LIKE 'Last 1%' "
        "ORDER BY Account.Name DESC, LastName",
    )
    accounts = run(
        big,
        "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account "
        "WHERE NumberOfEmployees >= 0",
    )
    assert contacts.total_size > 1_000
    assert accounts.records[0]["Contacts"]["totalSize"] == 10
    assert all(row["LastName"].startswith("Last 1") for row in contacts.records)
    names = [row["Account"]["Name"] for row in contacts.records]
    assert names == sorted(names, reverse=True)  # speed is measured in benchmarks/


# --- aggregates ---------------------------------------------------------------------------------


def test_count_field_without_group_by_is_one_aggregate_result(db: MemoryDb) -> None:
    """COUNT(Id) without GROUP BY gives one AggregateResult with expr0."""
    result = run(db, "SELECT COUNT(Id) FROM Contact")
    assert result.records == [{"attributes": {"type": "AggregateResult"}, "expr0": 4}]
    assert (result.total_size, result.columns, result.is_count) == (1, ["expr0"], False)


def test_group_by_with_aliases_and_expr_numbering(db: MemoryDb) -> None:
    """Grouped fields keep their name; unaliased aggregates are numbered expr0, expr1, ..."""
    result = run(
        db,
        "SELECT LastName, COUNT(Id), MIN(FirstName) earliest, COUNT(Birthdate) FROM Contact "
        "GROUP BY LastName ORDER BY LastName",
    )
    assert [{k: v for k, v in r.items() if k != "attributes"} for r in result.records] == [
        {"LastName": "Jones", "expr0": 1, "earliest": "Bob", "expr1": 0},
        {"LastName": "Loner", "expr0": 1, "earliest": "Dee", "expr1": 1},
        {"LastName": "Smith", "expr0": 2, "earliest": "Ann", "expr1": 1},
    ]
    assert result.columns == ["LastName", "expr0", "earliest", "expr1"]


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        ("SELECT SUM(NumberOfEmployees) FROM Account", 150),
        ("SELECT AVG(NumberOfEmployees) FROM Account", 75),
        ("SELECT MAX(CreatedDate) FROM Account", "2024-03-12T10:00:00.000+0000"),
        ("SELECT MIN(Name) FROM Account", "Acme"),
        ("SELECT COUNT_DISTINCT(LastName) FROM Contact", 3),
        ("SELECT SUM(AnnualRevenue) FROM Account WHERE Name = 'initech'", None),
    ],
)
def test_aggregate_functions(db: MemoryDb, soql: str, expected: object) -> None:
    """Each aggregate function ignores nulls and computes Salesforce's value."""
    assert run(db, soql).records[0]["expr0"] == expected


def test_group_by_ordered_by_aggregate_with_limit(db: MemoryDb) -> None:
    """Groups sort by a selected aggregate, and LIMIT applies to groups."""
    result = run(
        db,
        "SELECT Account.Name, COUNT(Id) n FROM Contact GROUP BY Account.Name "
        "ORDER BY COUNT(Id) DESC, Account.Name NULLS LAST LIMIT 2",
    )
    assert [(r["Name"], r["n"]) for r in result.records] == [("Acme", 2), ("Globex", 1)]
    assert result.total_size == 2


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT SUM(Name) FROM Account", "INVALID_FIELD"),
        ("SELECT COUNT(Foo) FROM Account", "INVALID_FIELD"),
        (
            "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry ORDER BY Name",
            "MALFORMED_QUERY",
        ),
        ("SELECT COUNT(Id) FROM Account ORDER BY MAX(Name)", "MALFORMED_QUERY"),
        ("SELECT Name FROM Account ORDER BY COUNT(Id)", "MALFORMED_QUERY"),
    ],
)
def test_aggregate_errors(db: MemoryDb, soql: str, code: str) -> None:
    """Aggregates over the wrong fields, or ordering by ungrouped fields, are refused."""
    assert error(db, soql).error_code == code


def test_subquery_key_is_the_canonical_relationship_name(db: MemoryDb) -> None:
    """A subquery written in any case comes back under the relationship's canonical name."""
    result = run(db, "SELECT Name, (SELECT LastName FROM contacts) FROM Account")
    assert all("Contacts" in record and "contacts" not in record for record in result.records)
    assert any(record["Contacts"] for record in result.records)
