"""A query's CSV columns come from its SELECT list, as Salesforce names the row keys."""

from __future__ import annotations

import pytest

from sf_toolkit.cli.columns import is_count_query, select_columns, split_top_level


@pytest.mark.parametrize(
    ("soql", "columns"),
    [
        ("SELECT Id, Name FROM Account", ["Id", "Name"]),
        ("select id,name from account where name = 'a, b'", ["id", "name"]),
        ("SELECT Id, Account.Owner.Name FROM Contact", ["Id", "Account.Owner.Name"]),
        # Unaliased aggregates are expr0, expr1, ... in order (SOQL "Using Aliases with GROUP BY").
        (
            "SELECT Industry, COUNT(Id), MAX(AnnualRevenue) FROM Account GROUP BY Industry",
            ["Industry", "expr0", "expr1"],
        ),
        ("SELECT Industry, COUNT(Id) total FROM Account GROUP BY Industry", ["Industry", "total"]),
        # A child subquery is one column named by its relationship.
        (
            "SELECT Name, (SELECT LastName, Email FROM Contacts WHERE Email != null) FROM Account",
            ["Name", "Contacts"],
        ),
        ("SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)", ["Id"]),
        # toLabel(), convertCurrency() and FORMAT() keep the field's name ("toLabel()",
        # "convertCurrency()", "FORMAT()" in the SOQL reference); only aggregates are exprN.
        (
            "SELECT toLabel(Industry), convertCurrency(AnnualRevenue), FORMAT(CreatedDate), "
            "COUNT(Id) FROM Account GROUP BY Industry, AnnualRevenue, CreatedDate",
            ["Industry", "AnnualRevenue", "CreatedDate", "expr0"],
        ),
        ("SELECT TOLABEL(Account.Type) t, Id FROM Contact", ["t", "Id"]),
    ],
)
def test_select_columns(soql: str, columns: list[str]) -> None:
    """The SELECT list gives the columns in order."""
    assert select_columns(soql) == columns


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT FIELDS(STANDARD) FROM Account",
        "SELECT TYPEOF What WHEN Account THEN Name END FROM Event",
        "SELECT Id, FROM Account",
        "SELECT (Id FROM Account",
        "DELETE FROM Account",
    ],
)
def test_select_columns_gives_up_when_the_text_cannot_say(soql: str) -> None:
    """FIELDS(), TYPEOF and unbalanced text leave the columns to the rows."""
    assert select_columns(soql) is None


def test_split_ignores_commas_in_strings_and_parentheses() -> None:
    """Commas inside quotes (with escapes) and parentheses do not split."""
    assert split_top_level(r"a, 'x\', y', f(b, c)") == ["a", r"'x\', y'", "f(b, c)"]


@pytest.mark.parametrize(
    ("soql", "expected"),
    [
        ("SELECT COUNT() FROM Account", True),
        ("select count ( ) from Account where Name = 'x'", True),
        ("SELECT COUNT(Id) FROM Account", False),
        ("SELECT Id FROM Account", False),
    ],
)
def test_count_query(soql: str, expected: bool) -> None:
    """Only SELECT COUNT() is a count query (it returns no rows, only totalSize)."""
    assert is_count_query(soql) is expected
