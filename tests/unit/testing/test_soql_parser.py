"""Tests of the fake org's SOQL parser (syntax only, no schema)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sf_toolkit.testing import _soql_ast as ast
from sf_toolkit.testing._protocols import SoqlError
from sf_toolkit.testing._soql_parser import parse

UTC = dt.timezone.utc


def quote(text: str) -> str:
    """Write ``text`` as a SOQL string literal with Salesforce's escapes."""
    escapes = {
        "\\": "\\\\",
        "'": "\\'",
        '"': '\\"',
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "\b": "\\b",
        "\f": "\\f",
    }
    return "'" + "".join(escapes.get(char, char) for char in text) + "'"


def where_value(condition_sql: str) -> ast.Value:
    """The literal on the right of a single WHERE comparison."""
    query = parse(f"SELECT Id FROM Account WHERE {condition_sql}")
    assert isinstance(query.where, ast.Comparison)
    return query.where.value


def malformed(soql: str) -> SoqlError:
    """The error a query raises, asserting it is MALFORMED_QUERY."""
    with pytest.raises(SoqlError) as info:
        parse(soql)
    assert info.value.error_code == "MALFORMED_QUERY"
    return info.value


def test_select_list_keeps_order_and_paths() -> None:
    """Plain fields and parent paths come back in SELECT order, split on dots."""
    query = parse("SELECT Id, Name, Account.Owner.Name FROM Contact")
    assert [item.parts for item in query.select if isinstance(item, ast.FieldPath)] == [
        ("Id",),
        ("Name",),
        ("Account", "Owner", "Name"),
    ]
    assert query.sobject == "Contact"


def test_keywords_are_case_insensitive() -> None:
    """Lower-case and mixed-case keywords parse like upper-case ones."""
    query = parse("select id from account where name = 'x' order by name desc limit 5")
    assert (query.sobject, query.limit) == ("account", 5)
    assert query.order_by[0].descending


def test_child_subquery_is_parsed() -> None:
    """A parenthesised SELECT in the field list becomes a SubQuery with its own clauses."""
    query = parse(
        "SELECT Id, (SELECT LastName FROM Contacts ORDER BY LastName LIMIT 3) FROM Account"
    )
    sub = query.select[1]
    assert isinstance(sub, ast.SubQuery)
    assert (sub.query.sobject, sub.query.limit) == ("Contacts", 3)
    assert query.has_subqueries


def test_count_query_helpers() -> None:
    """COUNT() sets is_count, and the bulk helpers report offsets and aggregates."""
    query = parse("SELECT COUNT() FROM Account OFFSET 5")
    assert query.is_count
    assert query.has_offset
    assert query.has_aggregates
    assert not query.has_subqueries


def test_aggregate_with_group_by() -> None:
    """COUNT(Id) with GROUP BY parses into an Aggregate and group paths."""
    query = parse("SELECT Industry, COUNT(Id) total FROM Account GROUP BY Industry")
    aggregate = query.select[1]
    assert isinstance(aggregate, ast.Aggregate)
    assert (aggregate.function, aggregate.alias) == ("COUNT", "total")
    assert query.has_group_by


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("Name = 'Acme'", "Acme"),
        ("NumberOfEmployees = 42", 42),
        ("Amount = -12.5", -12.5),
        ("IsDeleted = TRUE", True),
        ("IsDeleted = false", False),
        ("CloseDate = 2024-01-31", dt.date(2024, 1, 31)),
        ("CreatedDate = 2024-01-31T12:34:56Z", dt.datetime(2024, 1, 31, 12, 34, 56, tzinfo=UTC)),
        (
            "CreatedDate = 2024-01-31T12:34:56.250+05:00",
            dt.datetime(2024, 1, 31, 7, 34, 56, 250000, tzinfo=UTC),
        ),
        (
            "CreatedDate = 2024-01-31T12:34:56-08:00",
            dt.datetime(2024, 1, 31, 20, 34, 56, tzinfo=UTC),
        ),
    ],
)
def test_literals(sql: str, expected: object) -> None:
    """Each kind of literal is read into the matching Python value."""
    value = where_value(sql)
    assert getattr(value, "value") == expected  # noqa: B009


def test_null_literal() -> None:
    """NULL is its own literal kind."""
    assert isinstance(where_value("Name = null"), ast.NullValue)


@pytest.mark.parametrize(
    ("sql", "name", "n"),
    [
        ("CreatedDate = TODAY", "TODAY", None),
        ("CreatedDate > last_n_days:30", "LAST_N_DAYS", 30),
        ("CloseDate < NEXT_N_DAYS:7", "NEXT_N_DAYS", 7),
        ("CloseDate = THIS_MONTH", "THIS_MONTH", None),
    ],
)
def test_relative_date_literals(sql: str, name: str, n: int | None) -> None:
    """Relative date literals keep their name and count."""
    value = where_value(sql)
    assert isinstance(value, ast.RelativeDate)
    assert (value.name, value.n) == (name, n)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (r"'it\'s'", "it's"),
        (r"'a\"b'", 'a"b'),
        (r"'back\\slash'", "back\\slash"),
        (r"'x\ny\rz\tw'", "x\ny\rz\tw"),
        (r"'\b\f'", "\b\f"),
        (r"'\N\T'", "\n\t"),
        (r"'\u00e9t\u00C9'", "étÉ"),
    ],
)
def test_string_escapes(literal: str, expected: str) -> None:
    """Every escape the wire document lists is decoded, letters in either case."""
    value = where_value(f"Name = {literal}")
    assert isinstance(value, ast.StringValue)
    assert value.value == expected


@pytest.mark.parametrize("literal", [r"'\x'", r"'\a'", r"'\u12'", "'\\"])
def test_bad_escapes_are_malformed(literal: str) -> None:
    """Any other backslash sequence is a syntax error."""
    malformed(f"SELECT Id FROM Account WHERE Name = {literal}")


def test_bad_escape_message_names_the_sequence() -> None:
    """The message quotes the illegal sequence like Salesforce."""
    error = malformed(r"SELECT Id FROM Account WHERE Name = 'a\x'")
    assert "Illegal character sequence '\\x' in string literal." in error.message


@given(st.text())
def test_any_text_round_trips_through_a_literal(text: str) -> None:
    """A string literal built from any text with proper escaping parses back to that text."""
    value = where_value(f"Name = {quote(text)}")
    assert isinstance(value, ast.StringValue)
    assert value.value == text


@pytest.mark.parametrize(
    ("pattern", "regex"),
    [("Acme%", "Acme.*"), ("A_c", "A.c"), (r"100\%", "100%"), (r"a\_b", "a_b")],
)
def test_like_patterns(pattern: str, regex: str) -> None:
    """LIKE wildcards become regex pieces, and escaped wildcards stay literal."""
    value = where_value(f"Name LIKE '{pattern}'")
    assert isinstance(value, ast.StringValue)
    assert value.like_regex == regex


def test_and_or_not_nest() -> None:
    """Parentheses group OR inside AND, and NOT wraps the next condition."""
    query = parse("SELECT Id FROM Account WHERE (Name = 'a' OR Name = 'b') AND NOT Industry = 'c'")
    assert isinstance(query.where, ast.And)
    first, second = query.where.items
    assert isinstance(first, ast.Or)
    assert isinstance(second, ast.Not)


@pytest.mark.parametrize(
    ("sql", "negated"), [("Name IN ('a', 'b')", False), ("Name NOT IN ('a')", True)]
)
def test_in_lists(sql: str, negated: bool) -> None:
    """IN and NOT IN take a list of literals."""
    query = parse(f"SELECT Id FROM Account WHERE {sql}")
    assert isinstance(query.where, ast.InList)
    assert query.where.negated is negated


def test_semi_join() -> None:
    """IN followed by a SELECT is a semi-join."""
    query = parse("SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact)")
    assert isinstance(query.where, ast.SemiJoin)
    assert query.where.query.sobject == "Contact"


@pytest.mark.parametrize(("word", "excludes"), [("INCLUDES", False), ("excludes", True)])
def test_includes_excludes(word: str, excludes: bool) -> None:
    """INCLUDES and EXCLUDES take a list of strings."""
    query = parse(f"SELECT Id FROM Account WHERE Colors__c {word} ('a;b', 'c')")
    assert isinstance(query.where, ast.Includes)
    assert query.where.excludes is excludes
    assert [value.value for value in query.where.values] == ["a;b", "c"]


@pytest.mark.parametrize(
    ("clause", "descending", "nulls_first"),
    [
        ("Name", False, True),
        ("Name ASC", False, True),
        ("Name DESC", True, False),
        ("Name DESC NULLS FIRST", True, True),
        ("Name ASC NULLS LAST", False, False),
    ],
)
def test_order_by_defaults(clause: str, descending: bool, nulls_first: bool) -> None:
    """NULLS FIRST is the default ascending and NULLS LAST descending, as in Salesforce."""
    item = parse(f"SELECT Id FROM Account ORDER BY {clause}").order_by[0]
    assert (item.descending, item.nulls_first) == (descending, nulls_first)


def test_object_alias() -> None:
    """An alias after the object name is kept."""
    assert parse("SELECT a.Name FROM Account a WHERE a.Name != null").alias == "a"


def test_optional_trailing_clauses() -> None:
    """WITH SECURITY_ENFORCED and FOR VIEW are accepted."""
    query = parse("SELECT Id FROM Account WITH SECURITY_ENFORCED LIMIT 1 FOR VIEW")
    assert query.limit == 1


def test_error_message_points_at_the_token() -> None:
    """A misspelt keyword is reported with Salesforce's row, column and caret."""
    error = malformed("SELECT Id FROMM Account")
    assert error.message == (
        "\nSELECT Id FROMM Account\n          ^\nERROR at Row:1:Column:11\n"
        "unexpected token: 'FROMM'"
    )


@pytest.mark.parametrize(
    "soql",
    [
        "",
        "SELECT",
        "SELECT FROM Account",
        "SELECT Id FROM",
        "SELECT Id, FROM Account",
        "SELECT Id FROM Account WHERE",
        "SELECT Id FROM Account WHERE Name",
        "SELECT Id FROM Account WHERE Name = ",
        "SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'",
        'SELECT Id FROM Account WHERE Name = "a"',
        "SELECT Id FROM Account WHERE Name = 'unterminated",
        "SELECT Id FROM Account WHERE Amount > null",
        "SELECT Id FROM Account WHERE Name LIKE 5",
        "SELECT Id FROM Account WHERE Name IN ()",
        "SELECT Id FROM Account WHERE CreatedDate > LAST_N_DAYS",
        "SELECT Id FROM Account WHERE CreatedDate > LAST_N_DAYS: 3",
        "SELECT Id FROM Account WHERE CreatedDate > 2024-13-01",
        "SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T25:00:00Z",
        "SELECT Id FROM Account WHERE Name = :name",
        "SELECT Id FROM Account LIMIT -1",
        "SELECT Id FROM Account LIMIT 1.5",
        "SELECT Id FROM Account ORDER BY",
        "SELECT Id FROM Account ORDER BY Name NULLS",
        "SELECT Id FROM Account extra tokens",
        "SELECT Id FROM Account.Contacts",
        "SELECT Id, (SELECT Id, (SELECT Id FROM Notes) FROM Contacts) FROM Account",
        "SELECT COUNT(), Id FROM Account",
        "SELECT Name, COUNT(Id) FROM Account",
        "SELECT Name n FROM Account",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account GROUP BY Id",
        "SELECT FOO(Id) FROM Account",
        "SELECT Id FROM Account ORDER BY COUNT()",
        "SELECT Select FROM Account",
    ],
)
def test_malformed_queries(soql: str) -> None:
    """Syntax Salesforce refuses raises MALFORMED_QUERY."""
    malformed(soql)


def test_offset_above_2000_is_out_of_range() -> None:
    """OFFSET 2001 is refused with NUMBER_OUTSIDE_VALID_RANGE."""
    with pytest.raises(SoqlError) as info:
        parse("SELECT Id FROM Account OFFSET 2001")
    assert info.value.error_code == "NUMBER_OUTSIDE_VALID_RANGE"


def test_multiline_query_reports_row_and_column() -> None:
    """Errors on a later line give that line's row and column."""
    error = malformed("SELECT Id\nFROM Account\nWHERE Name = = 'x'")
    assert "ERROR at Row:3:Column:14" in error.message
    assert "\nWHERE Name = = 'x'\n" in error.message


def test_non_string_input_is_a_type_error() -> None:
    """Passing bytes is a TypeError, not a Salesforce error."""
    with pytest.raises(TypeError):
        parse(b"SELECT Id FROM Account")  # type: ignore[arg-type]
