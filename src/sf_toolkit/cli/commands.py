"""The org commands: ``query``, ``export``, ``describe``, ``models generate``, ``limits``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click

from .._sync.bulk import query_bulk
from .._sync.client import SalesforceClient
from .._sync.query import count, query
from .._wire.bulk_jobs import BulkProgress
from ..auth import Login
from ..models import SObject, SObjectDescription, generate_model_source, parse_describe
from .columns import is_count_query, select_columns
from .files import open_output
from .formats import FORMATS, make_writer, record_to_dict
from .login import org_options
from .org import check_object_name, connect, describe_raw, get_json
from .progress import progress, showing_progress

__all__ = ["COMMANDS"]

F = TypeVar("F", bound=Callable[..., Any])

#: Field types that cannot be selected one by one in every API (compound) or are file bodies.
_NOT_EXPORTED = frozenset({"address", "location", "base64"})
#: Bulk query result pages downloaded at once (API 58.0+).
BULK_PAGES = 4
#: Field types whose describe ``length`` is worth showing.
_SIZED = frozenset({"string", "textarea", "picklist", "multipicklist", "email", "phone", "url"})

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="csv (parents as Account.Name columns), json (one array) or jsonl (one object a line).",
)
output_option = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file (replaced once complete) instead of stdout.",
)


def text_or_json_option(table: str, resource: str) -> Callable[[F], F]:
    """``--format text|json``: a readable table, or Salesforce's JSON as sent."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=f"text ({table}) or json (Salesforce's {resource}, as sent).",
    )


deleted_option = click.option(
    "--all-rows",
    "include_deleted",
    is_flag=True,
    help="Include deleted and archived records (queryAll).",
)


def _write_query(
    client: SalesforceClient,
    soql: str,
    *,
    fmt: str,
    output: str | None,
    include_deleted: bool,
    columns: Iterable[str] | None,
    bulk: bool = False,
    total: int | None = None,
) -> int:
    """
    Stream a query's rows to ``output`` (stdout when None); return how many were written.

    With ``bulk`` the query runs as a Bulk API 2.0 job (its result pages downloaded a few at
    a time); its values are typed from the object's describe (parent fields stay text).
    """
    rows = 0
    with open_output(output) as stream, progress("records", total) as bar:

        def on_progress(event: BulkProgress) -> None:
            if event.state == "JobComplete" and event.records_processed:
                bar.set_total(event.records_processed)

        records: Iterable[SObject] = (
            query_bulk(soql, client, include_deleted, concurrency=BULK_PAGES, progress=on_progress)
            if bulk
            else query(soql, client, include_deleted=include_deleted)
        )
        writer = make_writer(fmt, stream, columns)
        for record in records:
            writer.write(record_to_dict(record))
            rows += 1
            bar.advance()
        writer.close()
    return rows


bulk_option = click.option(
    "--bulk",
    is_flag=True,
    help="Run the query as a Bulk API 2.0 job: for large results (no subqueries or "
    "aggregates; parent fields come as text).",
)


@click.command(name="query")
@click.argument("soql")
@bulk_option
@format_option
@output_option
@deleted_option
@org_options
def query_command(
    soql: str,
    bulk: bool,
    fmt: str,
    output: str | None,
    include_deleted: bool,
    login: Login,
    api_version: str | None,
) -> None:
    """
    Run a SOQL query and write its rows.

    Rows stream page by page to stdout or to -o FILE; a progress bar shows on stderr when it is
    a terminal. SELECT COUNT() queries print the count.

    \b
    Example:
      sf-toolkit query "SELECT Id, Name, Owner.Name FROM Account" --target-org prod -o a.csv
    """
    with connect(login, api_version) as client:
        if is_count_query(soql) and not bulk:
            total = count(soql, client, include_deleted=include_deleted)
            with open_output(output) as out:
                # No rows, only Salesforce's totalSize: the number, or an object holding it.
                out.write(f"{total}\n" if fmt == "csv" else f'{{"totalSize": {total}}}\n')
            return
        _write_query(
            client,
            soql,
            fmt=fmt,
            output=output,
            include_deleted=include_deleted,
            columns=select_columns(soql),
            bulk=bulk,
        )


def _export_fields(description: SObjectDescription, fields: tuple[str, ...]) -> list[str]:
    if fields:
        names = [name.strip() for value in fields for name in value.split(",") if name.strip()]
        if not names:
            raise click.BadParameter("name at least one field", param_hint="--fields")
        return names
    return [field.name for field in description.fields if field.type not in _NOT_EXPORTED]


@click.command(name="export")
@click.argument("sobject", metavar="OBJECT")
@click.option(
    "--fields",
    multiple=True,
    help="Fields to export, comma-separated or repeated (default: every field but compound "
    "and file-body fields).",
)
@click.option("--where", default=None, help="A SOQL condition: \"Industry = 'Energy'\".")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many rows.")
@bulk_option
@format_option
@output_option
@deleted_option
@org_options
def export_command(
    sobject: str,
    fields: tuple[str, ...],
    where: str | None,
    limit: int | None,
    bulk: bool,
    fmt: str,
    output: str | None,
    include_deleted: bool,
    login: Login,
    api_version: str | None,
) -> None:
    """
    Export the records of an object.

    \b
    Example:
      sf-toolkit export Account --fields Id,Name,Industry --where "Industry = 'Energy'" -o a.csv
    """
    check_object_name(sobject)
    with connect(login, api_version) as client:
        description = parse_describe(describe_raw(client, sobject))
        names = _export_fields(description, fields)
        source = f"FROM {description.name}" + (f" WHERE {where}" if where else "")
        soql = f"SELECT {', '.join(names)} {source}"
        total = None
        if limit is not None:
            soql += f" LIMIT {limit}"
        elif showing_progress() and not bulk:  # one COUNT() request buys the bar its total
            total = count(f"SELECT COUNT() {source}", client, include_deleted=include_deleted)
        rows = _write_query(
            client,
            soql,
            fmt=fmt,
            output=output,
            include_deleted=include_deleted,
            columns=names,
            bulk=bulk,
            total=total,
        )
    if output:
        click.echo(f"exported {rows} {description.name} records to {output}", err=True)


@click.command(name="describe")
@click.argument("sobject", metavar="OBJECT")
@text_or_json_option("a field table", "describe")
@org_options
def describe_command(sobject: str, fmt: str, login: Login, api_version: str | None) -> None:
    """
    Show an object's fields: API name, type, label and what can be done with them.

    \b
    Example:
      sf-toolkit describe Account --target-org prod
    """
    with connect(login, api_version) as client:
        data = describe_raw(client, sobject)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    description = parse_describe(data)
    prefix = f", key prefix {description.key_prefix}" if description.key_prefix else ""
    click.echo(f"{description.name} ({description.label}){prefix}")
    rows = [("FIELD", "TYPE", "LABEL", "NOTES")]
    for field in description.fields:
        kind = _type_text(field.type, field.length, field.reference_to)
        rows.append((field.name, kind, field.label, _notes(field)))
    _echo_table(rows)


def _echo_table(rows: Sequence[tuple[str, ...]]) -> None:
    """Print rows as left-aligned columns, two spaces apart."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        click.echo(
            "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip()
        )


def _type_text(kind: str, length: int | None, reference_to: tuple[str, ...]) -> str:
    if reference_to:
        return f"{kind}({'|'.join(reference_to)})"
    if length and kind in _SIZED:
        return f"{kind}({length})"
    return kind


def _notes(field: Any) -> str:
    notes = []
    if not field.nillable and field.createable and not field.defaulted_on_create:
        notes.append("required")
    if field.external_id:
        notes.append("external id")
    if field.unique:
        notes.append("unique")
    if field.read_only:
        notes.append("read-only")
    elif not field.updateable:
        notes.append("create-only")
    return ", ".join(notes)


@click.group(name="models")
def models_group() -> None:
    """Typed record models for your code."""


@models_group.command(name="generate")
@click.argument("sobjects", metavar="OBJECT...", nargs=-1, required=True)
@output_option
@org_options
def generate_command(
    sobjects: tuple[str, ...], output: str | None, login: Login, api_version: str | None
) -> None:
    """
    Write SObject model classes for objects, from the org's describe.

    \b
    Example:
      sf-toolkit models generate Account Contact Invoice__c -o models.py
    """
    for name in sobjects:
        check_object_name(name)
    with connect(login, api_version) as client:
        descriptions = [parse_describe(describe_raw(client, name)) for name in sobjects]
    source = generate_model_source(descriptions)
    with open_output(output) as stream:
        stream.write(source)
    if output:
        click.echo(f"wrote {len(descriptions)} models to {output}", err=True)


@click.command(name="limits")
@text_or_json_option("a table", "/limits")
@org_options
def limits_command(fmt: str, login: Login, api_version: str | None) -> None:
    """
    Show the org's limits (GET /limits): used, maximum and remaining.

    \b
    Example:
      sf-toolkit limits --target-org prod
    """
    with connect(login, api_version) as client:
        data = get_json(client, "limits")
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    rows = [("LIMIT", "USED", "MAX", "REMAINING")]
    for name in sorted(data):
        entry = data[name]
        if isinstance(entry, dict) and "Max" in entry and "Remaining" in entry:
            used = entry["Max"] - entry["Remaining"]
            rows.append((name, str(used), str(entry["Max"]), str(entry["Remaining"])))
    _echo_table(rows)


COMMANDS: tuple[click.Command, ...] = (
    query_command,
    export_command,
    describe_command,
    models_group,
    limits_command,
)
