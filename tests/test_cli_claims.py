"""`factflow claims score`: TSV in, Sentence_id/score/label out, the flow's own scorer."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from factflow_flows.cli import main

from factflow.config import LoadedConfig
from factflow.pipeline import run_pipeline


def score(path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["claims", "score", str(path), *args])
    return result.exit_code, result.output


def rows(output: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(output), delimiter="\t"))


def test_a_sentence_that_starts_or_opens_a_quotation_is_scored_as_written_and_no_row_is_lost(tmp_path: Path) -> None:
    """A news sentence often starts with a quotation or opens one that a later sentence closes. Read as CSV,
    the first stopped the whole command at its row (100,000 news sentences: exit 1 after 256 rows, at
    '"Fake news" is now part of the American vernacular...'); the second swallowed the rows up to the next
    quote. Each is now its line as written, and every row has its output row."""
    src = tmp_path / "in.tsv"
    src.write_text('Sentence_id\tText\n'
                   's1\tThe mayor resigned on Monday.\n'
                   's2\t"There were 300, I think, to begin with.\n'
                   's3\tPrices rose 4 percent in 2019.\n'
                   's4\tHe said no."\n'
                   's5\t"Fake news" is now part of the American vernacular.\n'
                   's6\t"Unemployment fell to 3.5 percent," the minister said.\n', encoding="utf-8")
    code, out = score(src, "--detector", "ngram")
    assert code == 0, out
    table = rows(out)
    assert [r[0] for r in table[1:]] == ["s1", "s2", "s3", "s4", "s5", "s6"]
    alone = tmp_path / "alone.tsv"  # each row scored on its own: the same score, so the text read is the line's
    for sid, text in [("s2", '"There were 300, I think, to begin with.'), ("s6", '"Unemployment fell to 3.5 percent," the minister said.')]:
        alone.write_text(f'Sentence_id\tText\n{sid}\t"{text.replace(chr(34), chr(34) * 2)}"\n', encoding="utf-8")
        code, single = score(alone, "--detector", "ngram")
        assert code == 0 and rows(single)[1] == next(r for r in table if r[0] == sid)


def test_a_row_without_a_text_is_one_problem_and_the_rest_are_scored(tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    src.write_text("Sentence_id\tText\ns1\tThe mayor resigned on Monday.\ns2\ns3\tPrices rose 4 percent in 2019.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["claims", "score", str(src), "--detector", "ngram"])
    assert result.exit_code == 0, result.output
    assert [r[0] for r in rows(result.stdout)[1:]] == ["s1", "s3"]
    assert result.stderr.strip() == (f"problem {src}:3: 1 column(s) where the header has 2; write 'Sentence_id<TAB>Text' "
                                      "with a tab between them; the row was skipped")


def test_scores_every_row_in_order_with_quoting(tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    src.write_text(
        'Sentence_id\tText\tclass_label\n'
        '7\t"He said ""40 percent"" of voters left, according to Gallup."\tYes\n'
        '3\tThank you all for coming tonight.\tNo\n'
        '9\t"Tabs\tinside and ""quotes"""\tNo\n',
        encoding="utf-8",
    )
    code, out = score(src)
    assert code == 0, out
    table = rows(out)
    assert table[0] == ["Sentence_id", "score", "label"]
    assert [r[0] for r in table[1:]] == ["7", "3", "9"]
    for _, value, label in table[1:]:
        assert 0.0 <= float(value) <= 1.0 and label in {"Yes", "No"}
    assert table[1][2] == "Yes" and table[2][2] == "No"


def test_label_follows_the_threshold(tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    src.write_text("Sentence_id\tText\n1\tRebels seized the city of Idlib in March 2015.\n", encoding="utf-8")
    assert rows(score(src, "--threshold", "0")[1])[1][2] == "Yes"
    assert rows(score(src, "--threshold", "1")[1])[1][2] == "No"
    assert rows(score(src, "--detector", "signals")[1])[1][2] == "Yes"


def test_header_only_gives_header_only(tmp_path: Path) -> None:
    src = tmp_path / "in.tsv"
    src.write_text("Sentence_id\tText\n", encoding="utf-8")
    assert score(src) == (0, "Sentence_id\tscore\tlabel\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "in.tsv:1: empty file; expected a header line 'Sentence_id<TAB>Text'"),
        ("id\tText\n1\tx\n", "in.tsv:1: missing column(s) Sentence_id in the header; found id, Text"),
        ("\n\n", "in.tsv:1: the first line is blank; expected a header line 'Sentence_id<TAB>Text'"),
    ],
)
def test_bad_files_give_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    src = tmp_path / "in.tsv"
    src.write_text(content, encoding="utf-8")
    code, out = score(src)
    assert code == 1 and message in out and "Traceback" not in out
    assert "Sentence_id\tscore" not in out


def test_missing_file(tmp_path: Path) -> None:
    code, out = score(tmp_path / "nope.tsv")
    assert code == 1 and "nope.tsv: file not found" in out


def test_same_scores_as_the_flow(seed_dir: Path, out_dir: Path, loaded: LoadedConfig, tmp_path: Path) -> None:
    run_pipeline(loaded, seed_dir, out_dir)
    report = yaml.safe_load((out_dir / "reports" / "verdicts.yaml").read_text(encoding="utf-8"))
    src = tmp_path / "claims.tsv"
    with src.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["Sentence_id", "Text"])
        for claim in report["claims"]:
            writer.writerow([claim["id"], claim["text"]])
    table = rows(score(src)[1])[1:]
    assert [(r[0], float(r[1]), r[2]) for r in table] == [(c["id"], c["checkworthiness"], "Yes") for c in report["claims"]]


@pytest.mark.parametrize("value", ["nan", "NaN", "-nan"])
def test_a_threshold_that_is_not_a_number_is_a_usage_error(tmp_path: Path, value: str) -> None:
    """click's FloatRange lets NaN through (no comparison with it is true): every sentence was labelled No."""
    path = tmp_path / "s.tsv"
    path.write_text("Sentence_id\tText\n1\tThe army said 300 troops arrived in Syria in 2015.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["claims", "score", str(path), "--detector", "signals", "--threshold", value])
    assert result.exit_code == 2 and "is not a number; give one from 0 to 1" in result.output


def test_scores_piped_into_head_stop_quietly_with_sigpipes_status(tmp_path: Path) -> None:
    """`factflow claims score big.tsv | head -1`: the reader goes after one line; the command stops at once,
    status 141 as a Unix tool stopped by SIGPIPE, nothing on stderr (no BrokenPipeError traceback)."""
    rows = "".join(f"s{i}\tThe unemployment rate rose to {i} percent in 2015, the ministry said.\n" for i in range(20_000))
    tsv = tmp_path / "big.tsv"
    tsv.write_text("Sentence_id\tText\n" + rows, encoding="utf-8")
    done = subprocess.run(
        ["bash", "-c", '"$0" -m factflow_flows.cli claims score --detector signals "$1" | head -1; exit "${PIPESTATUS[0]}"', sys.executable, str(tsv)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.stdout == "Sentence_id\tscore\tlabel\n"
    assert done.returncode == 141 and done.stderr == "", done.stderr


def test_the_header_is_read_whatever_its_case(tmp_path: Path) -> None:
    """'sentence_id<TAB>text' (as some task files and exports spell it) was 'missing column(s) Sentence_id, Text'."""
    src = tmp_path / "in.tsv"
    src.write_text("sentence_id\ttext\tclass_label\ns1\tPrices rose 4 percent in 2019.\tYes\n", encoding="utf-8")
    code, out = score(src, "--detector", "ngram")
    assert code == 0, out
    assert [r[0] for r in rows(out)] == ["Sentence_id", "s1"]


def test_a_row_that_is_not_utf8_costs_that_row_and_the_rest_are_scored(tmp_path: Path) -> None:
    """One Latin-1 byte in row 601 stopped 'claims score' after 600 rows were written, with an error naming no line."""
    src = tmp_path / "in.tsv"
    body = "".join(f"{i}\tPrices rose {i} percent in 2019.\n" for i in range(1, 601))
    src.write_bytes(b"Sentence_id\tText\n" + body.encode() + b"bad\tcaf\xe9 said 50 percent\nlast\tExports rose 3 percent.\n")
    code, out = score(src, "--detector", "ngram")
    assert code == 0, out
    table = [r for r in rows(out) if len(r) == 3]
    assert [r[0] for r in table][-2:] == ["600", "last"] and len(table) == 602  # the header and 601 rows
    assert f"{src}:602: not UTF-8 text (bytes that make no UTF-8 character); the row was skipped" in out
    header = tmp_path / "header.tsv"
    header.write_bytes(b"Sentence_id\tT\xe9xt\n1\tx\n")
    code, out = score(header)
    assert code == 1 and f"{header}:1: not UTF-8 text; save it as UTF-8" in out


@pytest.mark.parametrize("command", [["claims", "score", "{tsv}", "--detector", "ngram"], ["claims", "match", "{ids}", "{ids}"]])
def test_a_closed_standard_output_is_one_usage_error(tmp_path: Path, command: list[str]) -> None:
    """'factflow claims score FILE >&-' was a TypeError traceback from the CSV writer."""
    tsv = tmp_path / "s.tsv"
    tsv.write_text("Sentence_id\tText\n1\tPrices rose 4 percent in 2019.\n", encoding="utf-8")
    ids = tmp_path / "ids.tsv"
    ids.write_text("id\ttext\n1\tPrices rose 4 percent in 2019.\n", encoding="utf-8")
    argv = [sys.executable, "-m", "factflow_flows.cli", *(a.format(tsv=tsv, ids=ids) for a in command)]
    done = subprocess.run(["bash", "-c", '"$@" >&-', "bash", *argv], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "standard output is closed, and the table is written there; redirect it to a file" in done.stderr


@pytest.mark.parametrize("command", [["claims", "score", "{tsv}", "--detector", "ngram"], ["claims", "match", "{ids}", "{ids}"]])
def test_a_full_disk_under_standard_output_is_named_so(tmp_path: Path, command: list[str]) -> None:
    """'> /dev/full' was 'disk full writing the output folder', which these commands never write."""
    tsv = tmp_path / "s.tsv"
    tsv.write_text("Sentence_id\tText\n" + "".join(f"{i}\tPrices rose {i} percent in 2019.\n" for i in range(3000)), encoding="utf-8")
    ids = tmp_path / "ids.tsv"
    ids.write_text("id\ttext\n1\tPrices rose 4 percent in 2019.\n", encoding="utf-8")
    argv = [sys.executable, "-m", "factflow_flows.cli", *(a.format(tsv=tsv, ids=ids) for a in command)]
    with open("/dev/full", "w") as full:
        done = subprocess.run(argv, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1 and done.stderr.strip() == "Error: disk full writing standard output; nothing was lost", done.stderr
