"""
A parser for the subset of SOQL the fake org answers.

Grammar (keywords case-insensitive)::

    query     := SELECT item ("," item)* FROM name [alias] [WHERE cond] [WITH name]
                 [GROUP BY path ("," path)*] [ORDER BY key ("," key)*] [LIMIT int] [OFFSET int]
                 [FOR (VIEW | REFERENCE | UPDATE)]
    item      := path [alias] | "(" query ")" | COUNT "(" ")" | func "(" path ")" [alias]
               | FIELDS "(" (ALL | STANDARD | CUSTOM) ")"
    cond      := unary (AND unary)* | unary (OR unary)*      -- mixing needs parentheses
    unary     := NOT unary | "(" cond ")" | path op value
               | path [NOT] IN "(" (value ("," value)* | query) ")"
               | path (INCLUDES | EXCLUDES) "(" string ("," string)* ")"
    key       := (path | func "(" path ")") [ASC | DESC] [NULLS (FIRST | LAST)]

The parser knows nothing about the schema: names are resolved when the query is executed.
Errors are ``SoqlError("MALFORMED_QUERY", ...)`` worded like Salesforce's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from . import _soql_ast as ast
from ._protocols import SoqlError
from ._soql_dates import (
    COUNTED_LITERALS,
    DATE_PATTERN,
    DATETIME_PATTERN,
    SIMPLE_LITERALS,
    parse_date,
    parse_datetime,
)
from ._soql_errors import (
    MALFORMED_QUERY,
    NUMBER_OUTSIDE_VALID_RANGE,
    error_at,
    row_column,
)
from ._values import parse_time

__all__ = ["MAX_OFFSET", "parse"]

MAX_OFFSET = 2000
"""Salesforce refuses an OFFSET above this with NUMBER_OUTSIDE_VALID_RANGE."""

#: Salesforce's reserved words: never a field, object or alias name.
RESERVED = frozenset(
    {
        "AND",
        "ASC",
        "DESC",
        "EXCLUDES",
        "FIRST",
        "FROM",
        "GROUP",
        "HAVING",
        "IN",
        "INCLUDES",
        "LAST",
        "LIKE",
        "LIMIT",
        "NOT",
        "NULL",
        "NULLS",
        "OR",
        "SELECT",
        "WHERE",
        "WITH",
    }
)
#: Words that start a clause, so they cannot be an alias either.
_CLAUSE_WORDS = RESERVED | {"ORDER", "OFFSET", "FOR", "USING", "TRUE", "FALSE"}
_AGGREGATES = frozenset({"AVG", "COUNT", "COUNT_DISTINCT", "MAX", "MIN", "SUM"})
_OPERATORS = {"=": "=", "!=": "!=", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">="}

_TOKEN_RE = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<datetime>{DATETIME_PATTERN})(?![\w.])
  | (?P<date>{DATE_PATTERN})(?![\w.:])
  | (?P<time>\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d{{1,3}})?Z)(?![\w.])
  | (?P<number>[+-]?(?:\d+(?:\.\d+)?|\.\d+))
  | (?P<ident>[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)
  | (?P<op><>|!=|<=|>=|=|<|>)
  | (?P<punct>[(),:])
    """,
    re.VERBOSE,
)

_SIMPLE_ESCAPES = {
    "'": "'",
    '"': '"',
    "\\": "\\",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
}


@dataclass(frozen=True)
class Token:
    """One lexical token; ``kind`` is ident, string, number, date, datetime, op, punct or eof."""

    kind: str
    text: str
    pos: int
    value: object = None

    def is_word(self, *words: str) -> bool:
        """True for an identifier equal (case-insensitively) to one of ``words``."""
        return self.kind == "ident" and self.text.upper() in words


def _like_piece(char: str) -> str:
    if char == "%":
        return ".*"
    if char == "_":
        return "."
    return re.escape(char)


def _read_string(text: str, start: int) -> Token:
    """Read the quoted string starting at ``start``, decoding Salesforce's escapes."""
    chars: list[str] = []
    pattern: list[str] = []
    i = start + 1
    while True:
        if i >= len(text):
            row, column = row_column(text, i)
            raise error_at(
                text,
                i,
                MALFORMED_QUERY,
                f"line {row}:{column - 1} mismatched character '<EOF>' expecting '''",
            )
        char = text[i]
        if char == "'":
            break
        if char != "\\":
            chars.append(char)
            pattern.append(_like_piece(char))
            i += 1
            continue
        code = text[i + 1] if i + 1 < len(text) else ""
        if code.lower() in _SIMPLE_ESCAPES:
            decoded = _SIMPLE_ESCAPES[code.lower()]
            chars.append(decoded)
            pattern.append(re.escape(decoded))
            i += 2
        elif code in ("%", "_"):
            # Only meaningful in LIKE patterns (a literal % or _); elsewhere the character itself.
            chars.append(code)
            pattern.append(re.escape(code))
            i += 2
        elif code in ("u", "U") and re.fullmatch(r"[0-9A-Fa-f]{4}", text[i + 2 : i + 6]):
            decoded = chr(int(text[i + 2 : i + 6], 16))
            chars.append(decoded)
            pattern.append(re.escape(decoded))
            i += 6
        else:
            end = text.find("'", i + 2)
            literal = text[start + 1 : end] if end != -1 else text[start + 1 :]
            raise error_at(
                text,
                start,
                MALFORMED_QUERY,
                f"Invalid string literal '{literal}'. Illegal character sequence "
                f"'\\{code}' in string literal.",
            )
    value = "".join(chars)
    return Token("string", text[start : i + 1], start, (value, "".join(pattern)))


def tokenize(text: str) -> list[Token]:
    """
    Split a query into tokens, ending with an ``eof`` token.

    Raises:
        SoqlError: MALFORMED_QUERY for an unterminated string, a bad escape or a stray character.
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos] == "'":
            token = _read_string(text, pos)
            tokens.append(token)
            pos += len(token.text)
            continue
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            row, column = row_column(text, pos)
            raise error_at(
                text,
                pos,
                MALFORMED_QUERY,
                f"line {row}:{column - 1} no viable alternative at character '{text[pos]}'",
            )
        kind = match.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("eof", "<EOF>", len(text)))
    return tokens


class _Parser:
    """Recursive descent over the token list; one instance per query string."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # -- token helpers ------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        if token.kind != "eof":
            self.index += 1
        return token

    def error(self, token: Token | None = None, detail: str | None = None) -> SoqlError:
        token = token or self.current
        return error_at(
            self.text, token.pos, MALFORMED_QUERY, detail or f"unexpected token: '{token.text}'"
        )

    def expect_word(self, *words: str) -> Token:
        if not self.current.is_word(*words):
            raise self.error()
        return self.advance()

    def expect_punct(self, char: str) -> Token:
        if self.current.kind != "punct" or self.current.text != char:
            raise self.error()
        return self.advance()

    def at_punct(self, char: str) -> bool:
        return self.current.kind == "punct" and self.current.text == char

    def name(self) -> Token:
        """An identifier that is not a reserved word."""
        token = self.current
        if token.kind != "ident" or token.text.upper() in RESERVED:
            raise self.error()
        return self.advance()

    def optional_alias(self) -> str | None:
        """
        An alias after a SELECT item, if the next identifier can only be one.

        It must be followed by ``,`` or FROM, so that a misspelt keyword (``SELECT Id FROMM
        Account``) is reported where it is, not as an alias.
        """
        token = self.current
        after = self.peek()
        if (
            token.kind == "ident"
            and "." not in token.text
            and token.text.upper() not in _CLAUSE_WORDS
            and ((after.kind == "punct" and after.text == ",") or after.is_word("FROM"))
        ):
            self.advance()
            return token.text
        return None

    def optional_object_alias(self) -> str | None:
        """An alias after the FROM object: any identifier that does not start a clause."""
        token = self.current
        if (
            token.kind == "ident"
            and "." not in token.text
            and token.text.upper() not in (_CLAUSE_WORDS)
        ):
            self.advance()
            return token.text
        return None

    # -- statements ---------------------------------------------------------------------

    def query(self, *, nested: bool) -> ast.Query:
        self.expect_word("SELECT")
        select = [self.select_item(nested=nested)]
        while self.at_punct(","):
            self.advance()
            select.append(self.select_item(nested=nested))
        self.expect_word("FROM")
        sobject = self.name()
        if "." in sobject.text:
            raise self.error(sobject)
        alias = self.optional_object_alias()
        where = None
        if self.current.is_word("WHERE"):
            self.advance()
            where = self.condition()
        if self.current.is_word("WITH"):
            self.advance()
            self.name()
        group_by: list[ast.FieldPath] = []
        if self.current.is_word("GROUP"):
            self.advance()
            self.expect_word("BY")
            group_by.append(self.path())
            while self.at_punct(","):
                self.advance()
                group_by.append(self.path())
        order_by: list[ast.OrderItem] = []
        if self.current.is_word("ORDER"):
            self.advance()
            self.expect_word("BY")
            order_by.append(self.order_item())
            while self.at_punct(","):
                self.advance()
                order_by.append(self.order_item())
        limit = self.int_clause("LIMIT")
        offset_token = self.current
        offset = self.int_clause("OFFSET")
        if offset is not None and offset > MAX_OFFSET:
            raise error_at(
                self.text,
                offset_token.pos,
                NUMBER_OUTSIDE_VALID_RANGE,
                f"Maximum SOQL offset allowed is {MAX_OFFSET}",
            )
        if self.current.is_word("FOR"):
            self.advance()
            self.expect_word("VIEW", "REFERENCE", "UPDATE")
        query = ast.Query(
            text=self.text,
            select=tuple(select),
            sobject=sobject.text,
            sobject_pos=sobject.pos,
            alias=alias,
            where=where,
            group_by=tuple(group_by),
            order_by=tuple(order_by),
            limit=limit,
            offset=offset,
        )
        self.check_shape(query)
        return query

    def malformed(self, pos: int, message: str) -> SoqlError:
        """A MALFORMED_QUERY error pointing at ``pos``."""
        return error_at(self.text, pos, MALFORMED_QUERY, message)

    def check_shape(self, query: ast.Query) -> None:
        """Reject combinations Salesforce refuses whatever the schema."""
        counts = [item for item in query.select if isinstance(item, ast.CountAll)]
        if counts and len(query.select) > 1:
            raise self.malformed(
                counts[0].pos, "COUNT() must be the only element in the SELECT list"
            )
        for item in query.select:
            # "FIELDS()": ALL and CUSTOM are unbounded field sets, allowed only with LIMIT <= 200.
            bounded = query.limit is not None and query.limit <= 200
            if isinstance(item, ast.FieldsGroup) and item.group != "STANDARD" and not bounded:
                raise self.malformed(
                    item.pos, "The SOQL FIELDS function must have a LIMIT of at most 200"
                )
        aggregates = [item for item in query.select if isinstance(item, ast.Aggregate)]
        grouped = {path.text.upper() for path in query.group_by}
        if aggregates or query.group_by:
            for item in query.select:
                if isinstance(item, ast.FieldsGroup):
                    raise self.malformed(item.pos, "FIELDS() cannot be used in an aggregate query")
                if isinstance(item, ast.FieldPath) and item.text.upper() not in grouped:
                    raise self.malformed(
                        item.pos, f"Field must be grouped or aggregated: {item.parts[-1]}"
                    )
                if isinstance(item, ast.SubQuery):
                    raise self.malformed(
                        item.pos,
                        "Aggregate query does not support parent-child relationship subqueries",
                    )
        else:
            for item in query.select:
                if isinstance(item, ast.FieldPath) and item.alias is not None:
                    raise self.malformed(item.pos, "Only aggregate expressions use field aliasing")

    def int_clause(self, word: str) -> int | None:
        if not self.current.is_word(word):
            return None
        self.advance()
        token = self.current
        if token.kind != "number" or not token.text.isdigit():
            raise self.error()
        self.advance()
        return int(token.text)

    def select_item(self, *, nested: bool) -> ast.SelectItem:
        token = self.current
        if self.at_punct("("):
            self.advance()
            if nested:
                raise error_at(
                    self.text,
                    token.pos,
                    MALFORMED_QUERY,
                    "SOQL statements cannot query aggregate relationships more than 1 level "
                    "away from the root entity object.",
                )
            query = self.query(nested=True)
            self.expect_punct(")")
            return ast.SubQuery(query, token.pos)
        if token.kind == "ident" and self.peek().kind == "punct" and self.peek().text == "(":
            if token.is_word("FIELDS"):
                return self.fields_group()
            return self.function_item()
        path = self.path()
        alias = self.optional_alias()
        return ast.FieldPath(path.parts, path.pos, alias)

    def fields_group(self) -> ast.FieldsGroup:
        token = self.advance()
        self.expect_punct("(")
        group = self.expect_word("ALL", "STANDARD", "CUSTOM")
        self.expect_punct(")")
        return ast.FieldsGroup(group.text.upper(), token.pos)

    def function_item(self) -> ast.CountAll | ast.Aggregate:
        token = self.advance()
        function = token.text.upper()
        if function not in _AGGREGATES:
            raise self.error(token)
        self.expect_punct("(")
        if function == "COUNT" and self.at_punct(")"):
            self.advance()
            return ast.CountAll(token.pos)
        argument = self.path()
        self.expect_punct(")")
        return ast.Aggregate(function, argument, token.pos, self.optional_alias())

    def path(self) -> ast.FieldPath:
        token = self.name()
        return ast.FieldPath(tuple(token.text.split(".")), token.pos)

    def order_item(self) -> ast.OrderItem:
        key: ast.FieldPath | ast.Aggregate
        if self.current.kind == "ident" and self.peek().kind == "punct" and self.peek().text == "(":
            item = self.function_item()
            if isinstance(item, ast.CountAll):
                raise error_at(self.text, item.pos, MALFORMED_QUERY, "unexpected token: 'COUNT'")
            key = item
        else:
            key = self.path()
        descending = False
        if self.current.is_word("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_first = not descending
        if self.current.is_word("NULLS"):
            self.advance()
            nulls_first = self.expect_word("FIRST", "LAST").text.upper() == "FIRST"
        return ast.OrderItem(key, descending, nulls_first)

    # -- conditions ---------------------------------------------------------------------

    def condition(self) -> ast.Condition:
        first = self.unary()
        if not self.current.is_word("AND", "OR"):
            return first
        joiner = self.current.text.upper()
        items = [first]
        while self.current.is_word(joiner):
            self.advance()
            items.append(self.unary())
        if self.current.is_word("AND", "OR"):
            # Salesforce needs parentheses to mix AND and OR.
            raise self.error()
        return ast.And(tuple(items)) if joiner == "AND" else ast.Or(tuple(items))

    def unary(self) -> ast.Condition:
        if self.current.is_word("NOT"):
            self.advance()
            return ast.Not(self.unary())
        if self.at_punct("("):
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> ast.Condition:
        path = self.path()
        token = self.current
        if token.kind == "op":
            self.advance()
            op = _OPERATORS[token.text]
            value = self.value()
            if isinstance(value, ast.NullValue) and op not in ("=", "!="):
                raise self.error(self.tokens[self.index - 1])
            return ast.Comparison(path, op, value, token.pos)
        if token.is_word("LIKE"):
            self.advance()
            value_token = self.current
            value = self.value()
            if not isinstance(value, ast.StringValue):
                raise self.error(value_token)
            return ast.Comparison(path, "LIKE", value, token.pos)
        if token.is_word("NOT"):
            self.advance()
            self.expect_word("IN")
            return self.in_list(path, negated=True, pos=token.pos)
        if token.is_word("IN"):
            self.advance()
            return self.in_list(path, negated=False, pos=token.pos)
        if token.is_word("INCLUDES", "EXCLUDES"):
            self.advance()
            self.expect_punct("(")
            strings = [self.string_value()]
            while self.at_punct(","):
                self.advance()
                strings.append(self.string_value())
            self.expect_punct(")")
            return ast.Includes(path, tuple(strings), token.text.upper() == "EXCLUDES", token.pos)
        raise self.error()

    def in_list(self, path: ast.FieldPath, *, negated: bool, pos: int) -> ast.Condition:
        self.expect_punct("(")
        if self.current.is_word("SELECT"):
            query = self.query(nested=True)
            self.expect_punct(")")
            return ast.SemiJoin(path, query, negated, pos)
        values = [self.value()]
        while self.at_punct(","):
            self.advance()
            values.append(self.value())
        self.expect_punct(")")
        return ast.InList(path, tuple(values), negated, pos)

    def string_value(self) -> ast.StringValue:
        token = self.current
        if token.kind != "string":
            raise self.error()
        value = self.value()
        assert isinstance(value, ast.StringValue)
        return value

    def value(self) -> ast.Value:
        token = self.advance()
        if token.kind == "string":
            text, pattern = cast("tuple[str, str]", token.value)
            return ast.StringValue(text, pattern, token.pos)
        if token.kind == "number":
            number: int | float = float(token.text) if "." in token.text else int(token.text)
            return ast.NumberValue(number, token.pos)
        if token.kind == "date":
            day = parse_date(token.text)
            if day is None:
                raise self.error(token, f"invalid date: {token.text}")
            return ast.DateValue(day, token.pos)
        if token.kind == "time":
            # "Date Formats and Date Literals": a time literal is HH:MM:SS.SSSZ, unquoted.
            clock = parse_time(token.text)
            if clock is None:
                raise self.error(token, f"invalid time: {token.text}")
            return ast.TimeValue(clock, token.pos)
        if token.kind == "datetime":
            moment = parse_datetime(token.text)
            if moment is None:
                raise self.error(token, f"invalid dateTime: {token.text}")
            return ast.DateTimeValue(moment, token.pos)
        if token.kind == "ident":
            word = token.text.upper()
            if word == "NULL":
                return ast.NullValue(token.pos)
            if word in ("TRUE", "FALSE"):
                return ast.BooleanValue(word == "TRUE", token.pos)
            if word in SIMPLE_LITERALS:
                return ast.RelativeDate(word, None, token.pos)
            if word in COUNTED_LITERALS:
                return self.counted_literal(token)
        raise self.error(token)

    def counted_literal(self, token: Token) -> ast.RelativeDate:
        colon = self.current
        if colon.kind != "punct" or colon.text != ":" or colon.pos != token.pos + len(token.text):
            raise self.error(colon)
        self.advance()
        number = self.current
        if number.kind != "number" or not number.text.isdigit() or number.pos != colon.pos + 1:
            raise self.error(number)
        self.advance()
        return ast.RelativeDate(token.text.upper(), int(number.text), token.pos)


def parse(soql: str) -> ast.Query:
    """
    Parse one SOQL statement.

    Args:
        soql: The query text, e.g. ``"SELECT Id, Account.Name FROM Contact LIMIT 10"``.

    Returns:
        The syntax tree; names are not checked against any schema yet.

    Raises:
        SoqlError: ``MALFORMED_QUERY`` for a syntax error, ``NUMBER_OUTSIDE_VALID_RANGE`` for an
            OFFSET above 2000.
    """
    if not isinstance(soql, str):
        raise TypeError(f"a SOQL query must be a str, got {type(soql).__name__}")
    parser = _Parser(soql)
    query = parser.query(nested=False)
    if parser.current.kind != "eof":
        raise parser.error()
    return query
