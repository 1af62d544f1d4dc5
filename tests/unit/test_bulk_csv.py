"""Bulk API 2.0 CSV without I/O: cells, lines, splitting by UTF-8 size, incremental reading."""

from __future__ import annotations

import csv
import io

import pytest

from sf_toolkit._wire.bulk_csv import (
    CsvReader,
    HeaderUnion,
    PageHeaders,
    UploadSplitter,
    cell,
    csv_line,
    headless_page,
    pad_line,
    same_header,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "#N/A"),  # "Prepare CSV Files": #N/A sets a field to null
        ("", "#N/A"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (0.00001, "0.00001"),  # never 1e-05
        (12.5, "12.5"),
        ("Red;Blue", "Red;Blue"),  # multi-select picklists as sent in JSON
        ("2024-01-31", "2024-01-31"),
    ],
)
def test_cells_follow_salesforce_formats(value: object, text: str) -> None:
    """Each JSON-ready value becomes the cell text Salesforce's CSV rules ask for."""
    assert cell(value) == text


def test_lines_quote_only_what_needs_quoting() -> None:
    """Commas, quotes and newlines are quoted with doubled quotes; lines end with LF."""
    assert csv_line(["a", 'say "hi"', "x,y", "two\nlines"]) == (
        b'a,"say ""hi""","x,y","two\nlines"\n'
    )


@pytest.mark.parametrize(
    "cells",
    [
        ["a", ""],
        ["", "b"],
        [" spaced ", "tab\there"],
        ["\r", '"'],
        ["é,ü", "line\r\nend"],
        ["a,b"],
        ["x", "y,z", "w"],
        [],
    ],
)
def test_lines_read_back_as_the_cells_written(cells: list[str]) -> None:
    """Python's csv reader reads each written line back as exactly the cells written."""
    line = csv_line(cells).decode("utf-8")
    assert next(csv.reader(io.StringIO(line, newline=""))) == cells


def test_the_splitter_counts_utf8_bytes_not_characters() -> None:
    """Rows of multi-byte text start a new upload when their bytes, not characters, overflow."""
    splitter = UploadSplitter(max_bytes=29)
    splitter.start(b"Name\n")
    line = csv_line(["ééééé"])  # 10 bytes + LF
    assert len(line) == 11
    assert splitter.place(line) is True
    assert splitter.place(line) is False  # 5 + 11 + 11 = 27 bytes
    assert splitter.place(csv_line(["é"])) is True  # 27 + 3 > 29 (in characters: 21)


def test_rows_of_differing_columns_share_one_header() -> None:
    """Every row is written against the union of the columns; a missing field is empty."""
    union = HeaderUnion()
    lines = [union.line(row) for row in ({"Name": "a", "Phone": "1"}, {"Name": "b"})]
    lines.append(union.line({"Fax": "2", "Name": "c"}))
    assert union.header() == b"Name,Phone,Fax\n"
    width = len(union.columns)
    padded = [pad_line(line, written, width) for line, written in lines]
    # an empty cell: the field is not set (Salesforce ignores it on update)
    assert padded == [b"a,1,\n", b"b,,\n", b"c,,2\n"]


def test_padding_keeps_quoted_line_breaks_inside_their_cell() -> None:
    """A padded line whose last value holds a line break still reads back as one row."""
    line = csv_line(["x", "two\nlines"])
    padded = pad_line(line, 2, 4).decode()
    assert next(csv.reader(io.StringIO(padded, newline=""))) == ["x", "two\nlines", "", ""]


def test_a_row_larger_than_an_upload_is_refused() -> None:
    """One record that cannot fit in any upload is a ValueError, not a silent drop."""
    splitter = UploadSplitter(max_bytes=10)
    splitter.start(b"Name\n")
    with pytest.raises(ValueError, match="more than the 10 bytes"):
        splitter.place(csv_line(["x" * 20]))


@pytest.mark.parametrize(
    ("max_bytes", "error"),
    [(0, ValueError), (-1, ValueError), (1.5, TypeError), (True, TypeError), ("9", TypeError)],
)
def test_the_upload_limit_must_be_a_positive_integer(
    max_bytes: object, error: type[Exception]
) -> None:
    """A nonsensical limit is refused at once: TypeError for the type, ValueError for the range."""
    with pytest.raises(error, match="max_upload_bytes"):
        UploadSplitter(max_bytes=max_bytes)  # type: ignore[arg-type]


# The documented successful-results file ("Get Job Successful Record Results"): quoted sf__
# columns, the uploaded header echoed as sent, every value quoted.
SUCCESSFUL = (
    '"sf__Id","sf__Created",FirstName,LastName,Description\n'
    '"003xx000004TmiQAAS","true","Tom","Jones","Line one\nline ""two"""\n'
    '"003xx000004TmiRAAS","true","Zoë","Ünal",""\n'
).encode()


def read_all(data: bytes, size: int) -> list[list[str]]:
    reader = CsvReader()
    rows: list[list[str]] = []
    for start in range(0, len(data), size):
        rows += reader.feed(data[start : start + size])
    return rows + list(reader.close())


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 10_000])
def test_the_reader_gives_the_same_rows_whatever_the_chunking(size: int) -> None:
    """Chunks split inside quoted newlines and multi-byte characters read the same."""
    assert read_all(SUCCESSFUL, size) == [
        ["sf__Id", "sf__Created", "FirstName", "LastName", "Description"],
        ["003xx000004TmiQAAS", "true", "Tom", "Jones", 'Line one\nline "two"'],
        ["003xx000004TmiRAAS", "true", "Zoë", "Ünal", ""],
    ]


def test_the_reader_yields_rows_as_soon_as_they_are_complete() -> None:
    """A complete row is returned by the chunk that completes it, not at the end."""
    reader = CsvReader()
    assert list(reader.feed(b'"Id","Name"\n"001",')) == [["Id", "Name"]]
    assert list(reader.feed(b'"Acme"\n')) == [["001", "Acme"]]
    assert list(reader.close()) == []


def test_rows_before_a_quoted_line_break_cut_by_the_chunk_are_given_at_once() -> None:
    """A chunk ending inside a value's line break still gives every row completed before."""
    reader = CsvReader()
    assert list(reader.feed(b'"Id","Note"\n"1","two\nlines')) == [["Id", "Note"]]
    assert list(reader.feed(b' more"\n"2","x"\n"3","y\n')) == [
        ["1", "two\nlines more"],
        ["2", "x"],
    ]
    assert list(reader.feed(b'z"\n')) == [["3", "y\nz"]]
    assert list(reader.close()) == []


def test_the_reader_handles_a_bom_and_a_last_line_without_newline() -> None:
    """A UTF-8 byte-order mark is dropped; a final row without LF still counts."""
    assert read_all(b'\xef\xbb\xbf"Id"\n"001"', 4) == [["Id"], ["001"]]


def test_data_ending_inside_quotes_is_an_error() -> None:
    """A file cut inside a quoted value is refused, not read as a shorter row."""
    reader = CsvReader()
    reader.feed(b'"Id"\n"00')
    with pytest.raises(ValueError, match="inside a quoted value"):
        reader.close()


def test_the_reader_takes_the_jobs_delimiter_and_crlf() -> None:
    """A TAB-delimited CRLF file (a job's columnDelimiter/lineEnding) reads cell for cell."""
    data = b'"sf__Id"\t"sf__Created"\tName\r\n"001"\t"true"\t"a\tb"\r\n'
    reader = CsvReader("\t")
    assert [*reader.feed(data), *reader.close()] == [
        ["sf__Id", "sf__Created", "Name"],
        ["001", "true", "a\tb"],
    ]


@pytest.mark.parametrize("data", [b'"Id"\n"a"x\n', b'"Id"\n"a"b"\n', b'"Id"\n\xff\xfe\n'])
def test_malformed_data_is_a_value_error(data: bytes) -> None:
    """Broken quoting or bytes that are not UTF-8 raise ValueError, never csv.Error."""

    def read() -> None:
        reader = CsvReader()
        list(reader.feed(data))
        list(reader.close())

    with pytest.raises(ValueError, match=r"CSV|quoted|utf-8|decode"):
        read()


# -- the pages of a query result ------------------------------------------------------------


def copied(pages: list[list[bytes]]) -> bytes:
    """What write_csv keeps of ``pages`` (each a list of chunks), through one PageHeaders."""
    headers = PageHeaders()
    kept = b""
    for chunks in pages:
        headers.start_page()
        for chunk in chunks:
            kept += headers.cut(chunk)
        headers.end_page()
    return kept


def test_every_page_but_the_first_loses_its_header_line_wherever_chunks_split() -> None:
    """One header row in all, whatever the chunk boundaries ("Get Results for a Query Job")."""
    first = [b'"Id","Name"\n"001A","a"\n']
    second = [b'"Id","Na', b'me"\r', b'\n"001B","b"\n']
    assert copied([first, second]) == b'"Id","Name"\n"001A","a"\n"001B","b"\n'
    assert copied([[b'"Id","Name"\n'], [b'"Id","Name"\n']]) == b'"Id","Name"\n'
    assert copied([[b'"Id"'], [b'"Id"']]) == b'"Id"'  # header-only pages, no line end


@pytest.mark.parametrize(
    "later",
    [
        [b"<html><body>\nDown for maintenance\n</body></html>\n"],
        [b'"Id","Email"\n"001B","b"\n'],
        [],  # an empty answer
        [b"<html>maintenance</html>"],  # one unfinished line
    ],
)
def test_a_page_that_does_not_start_with_the_header_is_refused(later: list[bytes]) -> None:
    with pytest.raises(ValueError, match="result page"):
        copied([[b'"Id","Name"\n"001A","a"\n'], later])


def test_parsed_pages_must_share_the_first_page_s_header() -> None:
    first = same_header(None, ("Id", "Name"))
    assert same_header(first, ("Id", "Name")) == first
    with pytest.raises(ValueError, match="header"):
        same_header(first, ("<html><body>",))
    headless_page(None)  # the first page of an empty result may have none
    with pytest.raises(ValueError, match="empty"):
        headless_page(first)
