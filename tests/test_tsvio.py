"""The TSV reader behind ``claims score`` and ``claims match``: CSV quoting where it is sound, the line as
written where it is not, and never a row lost to a quote."""

from __future__ import annotations

import io
from pathlib import Path

from factflow.errors import InputError, LocatedError
from factflow.fileio import BoundedLines
from factflow.matching import read_id_text_tsv
from factflow.tsvio import MAX_FIELD_LINES, Record, tsv_records


def records(text: str, limit: int = 1_000) -> list[Record | tuple[int, str]]:
    lines = BoundedLines(io.StringIO(text, newline=""), "t.tsv", limit, "a row holds one sentence", InputError)
    return [(r.line, r.message) if isinstance(r, LocatedError) else r for r in tsv_records(lines)]


def test_lines_without_quotes_are_split_at_their_tabs() -> None:
    assert records("a\tb\n1\tHe said \"no\" twice.\tYes\n\n2\t\t\n") == [
        Record(1, ["a", "b"]), Record(2, ["1", 'He said "no" twice.', "Yes"]), Record(3, []), Record(4, ["2", "", ""])]


def test_csv_quoting_is_read_when_sound() -> None:
    text = '1\t"Tabs\tinside and ""quotes"""\tNo\r\n2\t"He said ""no"" twice.\nThen left."\tYes\n3\tx\n'
    assert records(text) == [
        Record(1, ["1", 'Tabs\tinside and "quotes"', "No"]),
        Record(2, ["2", 'He said "no" twice.\nThen left.', "Yes"]),  # a field over two lines, as ClaimBuster's
        Record(4, ["3", "x"]),
    ]


def test_a_sentence_starting_with_a_quotation_is_its_line_as_written() -> None:
    assert records('7\t"Fake news" is now part of the vernacular.\n8\t"Up 4 percent," she said.\tYes\n') == [
        Record(1, ["7", '"Fake news" is now part of the vernacular.']), Record(2, ["8", '"Up 4 percent," she said.', "Yes"])]


def test_a_quotation_closed_on_a_later_row_takes_none_of_its_rows() -> None:
    text = 's2\t"There were 300, I think.\ns3\tPrices rose 4 percent.\ns4\tHe said no."\ns5\tEnd.\n'
    assert records(text) == [Record(1, ["s2", '"There were 300, I think.']), Record(2, ["s3", "Prices rose 4 percent."]),
                             Record(3, ["s4", 'He said no."']), Record(4, ["s5", "End."])]
    # Never closed: the same, to the end of the file.
    assert records('1\t"open\n2\tx\n') == [Record(1, ["1", '"open']), Record(2, ["2", "x"])]
    assert records('1\t"open') == [Record(1, ["1", '"open'])]


def test_a_quoted_field_spans_a_bounded_number_of_lines() -> None:
    inside = "".join(f"line {i}\n" for i in range(MAX_FIELD_LINES + 5))
    got = records(f'1\t"{inside}"\n2\tx\n')
    assert got[0] == Record(1, ["1", '"line 0'])
    assert got[1:3] == [Record(2, ["line 1"]), Record(3, ["line 2"])]  # each line its own (one-field) record
    assert got[-1] == Record(MAX_FIELD_LINES + 7, ["2", "x"])
    short = "".join(f"line {i}\n" for i in range(MAX_FIELD_LINES - 2))
    assert records(f'1\t"{short}"\n2\tx\n') == [Record(1, ["1", short]), Record(MAX_FIELD_LINES, ["2", "x"])]


def test_a_line_too_long_is_an_error_in_its_place_and_reading_goes_on() -> None:
    assert records("1\tok\n2\t" + "x" * 50 + "\n3\tfine\n", limit=20) == [
        Record(1, ["1", "ok"]), (2, "line longer than 20 characters; a row holds one sentence"), Record(3, ["3", "fine"])]
    # Also when it falls inside the lines a quoted field might span: that field is read as written.
    assert records('1\t"open\n' + "y" * 50 + "\n3\tfine\n", limit=20) == [
        Record(1, ["1", '"open']), (2, "line longer than 20 characters; a row holds one sentence"), Record(3, ["3", "fine"])]


def test_claims_match_reads_csv_quoting_too(tmp_path: Path) -> None:
    """It read every quote as text: a pandas-written file's '"He said ""no""."' kept its doubled quotes."""
    path = tmp_path / "c.tsv"
    path.write_text('id\ttext\nc1\t"He said ""no""."\nc2\t"Fake news" is a phrase.\n', encoding="utf-8")
    rows, problems = read_id_text_tsv(path)
    assert [(r.id, r.text, r.line) for r in rows] == [("c1", 'He said "no".', 2), ("c2", '"Fake news" is a phrase.', 3)]
    assert problems == []
