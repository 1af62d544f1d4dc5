"""The SOQL builder and literal escaping, with a tokenizer proving values cannot escape."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sf_toolkit.models import GenericRecord, SObject, sf_field
from sf_toolkit.soql import LikePattern, escape_like, quote, select


class QAccount(SObject, api_name="Account"):
    Name: str | None = None
    AnnualRevenue: float | None = None
    name_x: str | None = sf_field(api_name="X__c", default=None)
    QContacts: list[QContact] | None = sf_field(api_name="Contacts", default=None)


class QContact(SObject, api_name="Contact"):
    LastName: str | None = None
    Account: QAccount | None = None


# A tiny SOQL tokenizer, independent of the code under test: string literals are decoded with
# exactly the escapes Salesforce documents, and anything else is an error.
_DECODE = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?|[(),=<>!]+|\*")


def read_literal(text: str, start: int, *, like: bool = False) -> tuple[str, int]:
    """Decode the string literal at text[start]; return its value and the index after it."""
    assert text[start] == "'"
    out: list[str] = []
    i = start + 1
    while True:
        char = text[i]
        if char == "'":
            return "".join(out), i + 1
        if char == "\\":
            nxt = text[i + 1]
            if nxt.lower() in _DECODE:
                out.append(_DECODE[nxt.lower()])
                i += 2
            elif nxt == "u":
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
            elif like and nxt in "%_":
                out.append("\\" + nxt)
                i += 2
            else:
                raise AssertionError(f"invalid escape \\{nxt} in {text!r}")
            continue
        assert ord(char) >= 0x20, f"raw control character in {text!r}"
        assert char != "\x7f", f"raw DEL in {text!r}"
        out.append(char)
        i += 1


def tokenize(soql: str) -> list[tuple[str, str]]:
    """Split SOQL into (kind, text) tokens; string literals come back decoded."""
    tokens = []
    i = 0
    while i < len(soql):
        if soql[i] == "'":
            value, i = read_literal(soql, i)
            tokens.append(("string", value))
            continue
        match = _TOKEN.match(soql, i)
        assert match is not None, f"cannot tokenize {soql[i:]!r}"
        if not match.group().isspace():
            tokens.append(("word", match.group()))
        i = match.end()
    return tokens


@given(st.text())
def test_quoted_string_decodes_to_itself(value: str) -> None:
    """Any string quotes to exactly one literal that decodes back to the string."""
    literal = quote(value)
    decoded, end = read_literal(literal, 0)
    assert end == len(literal)
    assert decoded == value


@given(st.text())
def test_no_value_breaks_out_of_its_literal(value: str) -> None:
    """A where() value is a single string token; the query's structure does not change."""
    soql = str(select(QAccount, "Id").where(Name=value).limit(5))
    assert tokenize(soql) == [
        ("word", "SELECT"),
        ("word", "Id"),
        ("word", "FROM"),
        ("word", "Account"),
        ("word", "WHERE"),
        ("word", "Name"),
        ("word", "="),
        ("string", value),
        ("word", "LIMIT"),
        ("word", "5"),
    ]


@given(st.text(), st.text(alphabet="%_\\'ab"))
def test_like_patterns_cannot_break_out(text: str, suffix: str) -> None:
    """escape_like text plus any pattern suffix stays one literal of valid LIKE escapes."""
    literal = quote(escape_like(text) + suffix)
    _, end = read_literal(literal, 0, like=True)
    assert end == len(literal)


@given(st.text())
def test_escape_like_matches_text_literally(text: str) -> None:
    """An escaped pattern has no live wildcard: every % and _ is preceded by a backslash."""
    literal = quote(escape_like(text))
    read_literal(literal, 0, like=True)
    units = re.findall(r"\\.|.", literal[1:-1], flags=re.DOTALL)
    assert "%" not in units
    assert "_" not in units


def test_escape_like_keeps_type_through_concatenation() -> None:
    """escape_like(...) + '%' and '%' + escape_like(...) stay LIKE patterns."""
    assert isinstance(escape_like("a_b") + "%", LikePattern)
    assert isinstance("%" + escape_like("a_b"), LikePattern)
    assert quote("%" + escape_like("50%_off\\") + "%") == "'%50\\%\\_off\\\\%'"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("O'Brien", "'O\\'Brien'"),
        ('say "hi"', "'say \\\"hi\\\"'"),
        ("a\\b", "'a\\\\b'"),
        ("line\nnext\r\t\b\f", "'line\\nnext\\r\\t\\b\\f'"),
        ("\x00", "'\\u0000'"),
        ("50%", "'50%'"),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (-1.5, "-1.5"),
        (1e20, "100000000000000000000"),
        (Decimal("12.50"), "12.50"),
        (date(2024, 1, 31), "2024-01-31"),
        (datetime(2024, 1, 31, 12, 34, 56, 789, tzinfo=timezone.utc), "2024-01-31T12:34:56Z"),
        (
            datetime(2024, 1, 31, 17, 34, 56, tzinfo=timezone(timedelta(hours=5))),
            "2024-01-31T12:34:56Z",
        ),
        (datetime(2024, 1, 31), "2024-01-31T00:00:00Z"),
        # Salesforce's time literal, as in "WHERE Arrival_Time__c = 01:00:00.000Z"
        (time(1, 0), "01:00:00.000Z"),
        (time(23, 59, 58, 123456), "23:59:58.123Z"),
        (time(8, 30, tzinfo=timezone.utc), "08:30:00.000Z"),
        (["a", "b"], "('a', 'b')"),
        ((1, None), "(1, null)"),
    ],
)
def test_quote_literals(value: Any, expected: str) -> None:
    """quote() writes the SOQL literal of each supported type."""
    assert quote(value) == expected


def test_quote_record_uses_its_id() -> None:
    """A record quotes as its Id."""
    assert quote(QAccount(Id="001D000000IRFma")) == "'001D000000IRFmaIAH'"


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (Decimal("NaN"), ValueError),
        ([], ValueError),
        ([[1]], TypeError),
        (object(), TypeError),
        (b"bytes", TypeError),
        (QAccount(), ValueError),
        (time(1, 0, tzinfo=timezone(timedelta(hours=2))), ValueError),
    ],
)
def test_quote_refuses_what_has_no_literal(value: Any, error: type[Exception]) -> None:
    """Values without a SOQL literal raise a clear error."""
    with pytest.raises(error):
        quote(value)


def test_default_field_list_includes_relationships() -> None:
    """select(Model) selects Id, fields, parent paths and child subqueries."""
    assert str(select(QAccount)) == (
        "SELECT Id, Name, AnnualRevenue, X__c, (SELECT Id, LastName FROM Contacts) FROM Account"
    )
    assert str(select(QContact)) == (
        "SELECT Id, LastName, Account.Id, Account.Name, Account.AnnualRevenue, Account.X__c "
        "FROM Contact"
    )


def test_explicit_fields_translate_attributes() -> None:
    """Explicit fields may be attribute names (translated) or paths."""
    assert str(select(QContact, "LastName", "Account.Name")) == (
        "SELECT LastName, Account.Name FROM Contact"
    )
    assert str(select(QAccount, "name_x")) == "SELECT X__c FROM Account"


def test_model_is_kept() -> None:
    """The builder remembers the model its rows load into."""
    assert select(QContact).model is QContact


def test_full_query() -> None:
    """where, order_by, limit and offset compose in SOQL order."""
    query = (
        select(QAccount, "Id", "Name")
        .where("Name LIKE {} AND AnnualRevenue > {}", "Ac%", 1000)
        .where(Id=["001D000000IRFmaIAH"], name_x=None)
        .order_by("Name", "-AnnualRevenue")
        .limit(10)
        .offset(20)
    )
    assert str(query) == (
        "SELECT Id, Name FROM Account WHERE (Name LIKE 'Ac%' AND AnnualRevenue > 1000) "
        "AND (Id IN ('001D000000IRFmaIAH')) AND (X__c = null) "
        "ORDER BY Name ASC, AnnualRevenue DESC LIMIT 10 OFFSET 20"
    )


def test_single_condition_has_no_parentheses() -> None:
    """One condition is written as is."""
    assert str(select(QAccount, "Id").where(Name="x")) == "SELECT Id FROM Account WHERE Name = 'x'"


def test_order_by_desc_applies_to_all() -> None:
    """desc=True sorts every given field descending."""
    assert str(select(QAccount, "Id").order_by("Name", "Id", desc=True)).endswith(
        "ORDER BY Name DESC, Id DESC"
    )


def test_builder_is_immutable() -> None:
    """Each method returns a new query and leaves the original alone."""
    base = select(QAccount, "Id")
    base.where(Name="x").limit(1)
    assert str(base) == "SELECT Id FROM Account"


def test_count_query() -> None:
    """count_query keeps the conditions and drops ordering and offset."""
    query = select(QAccount).where(Name="x").order_by("Name").offset(5)
    assert query.count_query() == "SELECT COUNT() FROM Account WHERE Name = 'x'"


@pytest.mark.parametrize(
    "name", ["Name; DELETE", "Name'", "1Name", "Account..Name", "", "Name)", "COUNT(Id)"]
)
def test_bad_field_names_are_refused(name: str) -> None:
    """Field names must match the SOQL field-path syntax, everywhere they are accepted."""
    with pytest.raises(ValueError, match="field name"):
        select(QAccount, name)
    with pytest.raises(ValueError, match="field name"):
        select(QAccount).order_by(name)
    with pytest.raises(ValueError, match="field name"):
        select(QAccount).where(**{name: 1})


@pytest.mark.parametrize(
    ("template", "args"),
    [("Name = {}", ()), ("Name = {}", ("a", "b")), ("Name = 'x'", ("a",))],
)
def test_placeholder_count_must_match(template: str, args: tuple[Any, ...]) -> None:
    """The number of {} placeholders must equal the number of values."""
    with pytest.raises(ValueError, match="placeholder"):
        select(QAccount).where(template, *args)


@pytest.mark.parametrize("n", [-1, 1.5, True, "3"])
def test_limit_and_offset_need_non_negative_ints(n: Any) -> None:
    """limit and offset refuse anything but a non-negative int."""
    with pytest.raises(ValueError, match="non-negative int"):
        select(QAccount).limit(n)
    with pytest.raises(ValueError, match="non-negative int"):
        select(QAccount).offset(n)


def test_offset_is_capped() -> None:
    """SOQL OFFSET cannot exceed 2,000."""
    with pytest.raises(ValueError, match="2000"):
        select(QAccount).offset(2001)


def test_select_needs_a_model() -> None:
    """select() refuses anything but a model class."""
    with pytest.raises(TypeError, match="model class"):
        select("Account")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="model class"):
        select(GenericRecord)


def test_where_needs_something() -> None:
    """An empty where() is an error, not a silent no-op."""
    with pytest.raises(ValueError, match="needs a condition"):
        select(QAccount).where()


def test_order_by_nulls() -> None:
    """nulls= adds NULLS FIRST or NULLS LAST; other values are refused."""
    query = select(QAccount, "Id").order_by("-Name", nulls="last")
    assert str(query).endswith("ORDER BY Name DESC NULLS LAST")
    with pytest.raises(ValueError, match="nulls"):
        select(QAccount).order_by("Name", nulls="middle")  # type: ignore[arg-type]


class Stage(enum.Enum):
    WON = "Closed Won"
    LOST = "Closed 'Lost'"


def test_enum_members_quote_as_their_values() -> None:
    """An Enum member is quoted as its value, escaped like any other."""
    assert quote(Stage.LOST) == "'Closed \\'Lost\\''"
    assert quote([Stage.WON, Stage.LOST]) == "('Closed Won', 'Closed \\'Lost\\'')"


class Visit(SObject):
    Arrival_Time__c: time | None = None


def test_where_takes_a_time_literal() -> None:
    """A time value in where() becomes Salesforce's unquoted time literal."""
    text = str(select(Visit, "Id").where(Arrival_Time__c=time(1, 0)))
    assert text == "SELECT Id FROM Visit WHERE Arrival_Time__c = 01:00:00.000Z"
    text = str(select(Visit, "Id").where("Arrival_Time__c < {}", time(13, 5, 9)))
    assert text.endswith("WHERE Arrival_Time__c < 13:05:09.000Z")
