"""Hostile input on the reading path: whatever a file, row or name holds, it costs one problem line, never the run.

Each class of input is generated (hypothesis), not listed: dates that do not exist, numbers in
every base, lone surrogates, control characters, file names that are not UTF-8.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
import tracemalloc
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from factflow.claims.scoring import read_sentences_tsv
from factflow.config import IngestConfig, LoadedConfig
from factflow.errors import InputError, VerdictError
from factflow.fileio import MAX_TSV_LINE_CHARS
from factflow.ingest import load_documents, nesting, read_corpus, read_document, split_front_matter
from factflow.ingest.nesting import _CLOSED_BY, _END_PRIORITY, MAX_DEPTH, flatten_nesting
from factflow.ingest.parse import extract_article, fragment_text
from factflow.ingest.web import read_url_list
from factflow.matching import read_id_text_tsv
from factflow.memory.claimreview import read_claimreviews
from factflow.models import MAX_PROBLEMS_PER_FILE, Claim, Document, FileProblems, Problem
from factflow.pipeline import run_pipeline
from factflow.review.files import load_verdict, stub_text
from factflow.text import scrub, shown_name
from factflow.yamlio import SafeLoader, parse_yaml
from tests.conftest import SEED, write
from tests.test_web import ARTICLE_HTML

DOCUMENT = TypeAdapter(Document)

# Plain scalars a YAML 1.1 reader turns into dates, numbers in other bases, sexagesimal, or errors.
LOOK_ALIKES = st.one_of(
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:Z|[-+][0-9]{1,2})?)?", fullmatch=True),
    st.from_regex(r"[-+]?(?:0b[01_]*|0x[0-9a-fA-F_]*|0o?[0-7_]*|[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?)", fullmatch=True),
    st.integers(min_value=4000, max_value=6000).map(lambda n: "9" * n),
    st.sampled_from(["2015-02-30", "0b_", "0x_", "0b1", "=", "<<", "yes", "off", ".nan", "1:20"]),
)


@settings(max_examples=200, deadline=None)
@given(LOOK_ALIKES)
def test_yaml_look_alikes_are_read_as_text_or_refused_with_a_line(value: str) -> None:
    try:
        data, _ = parse_yaml(f"published: {value}\nrationale: {value}\n", "v.yaml", InputError)
    except InputError as exc:
        assert exc.line is not None
        return
    for read in data.values():
        assert isinstance(read, str | int | float) and not isinstance(read, bool) or read is None
        if isinstance(read, int):
            assert str(read) == value.lstrip("+") or int(value) == read


@pytest.mark.parametrize("value", ["2015-02-30", "2015-02-28", "0b_", "0x_", "1:20:30", "9" * 5000])
def test_front_matter_dates_are_checked_as_strings(value: str) -> None:
    text = f"---\ntitle: T\npublished: {value}\n---\nBody.\n"
    problems: list[Problem] = []
    meta, _ = split_front_matter(text, "a.txt", problems)
    assert meta is not None and meta.title == "T"
    if problems:  # the document is read without the date
        (problem,) = problems
        assert problem.line == 3 and "published" in problem.message and "ISO 8601" in problem.message and meta.published is None
    else:
        assert meta.published == value == "2015-02-28"


def test_a_key_written_twice_is_an_error_at_its_second_line() -> None:
    with pytest.raises(InputError) as caught:
        parse_yaml("rating: false\nrationale: x\nrating: true\n", "v.yaml", InputError)
    assert caught.value.line == 3 and "duplicate key 'rating'" in caught.value.message


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(alphabet=st.characters(codec=None), max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
ROWS = st.dictionaries(st.sampled_from(["id", "content", "title", "url", "domain", "scraped_at", "x"]), JSON_VALUES, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ROWS | JSON_VALUES, min_size=1, max_size=6))
def test_any_jsonl_row_is_a_document_or_a_problem_with_its_line(tmp_path: Path, rows: list[object]) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")  # ensure_ascii: "\ud800" escapes
    documents, problems = read_corpus(path, IngestConfig())
    if isinstance(rows[0], dict) and "content" not in rows[0]:
        assert not documents and len(problems) == 1  # the file has no text column: one problem says so
    else:
        # Every line: a document, or a problem; a document may come with problems of its own (metadata left out).
        lines = {p.line for p in problems} | {int(d.path.rsplit(":", 1)[1]) for d in documents}
        assert lines == set(range(1, len(rows) + 1)) and len(documents) <= len(rows)
    for problem in problems:
        assert problem.line is not None or "column" in problem.message
    for doc in documents:
        json.dumps(DOCUMENT.dump_python(doc, mode="json"), ensure_ascii=False).encode("utf-8")  # writable: no lone surrogate
        DOCUMENT.dump_json(doc)


def test_a_jsonl_row_nested_too_deeply_is_one_problem_and_the_other_rows_are_read(tmp_path: Path) -> None:
    """ "[[[[..." a hundred thousand deep makes Python's JSON reader give up (RecursionError): that line
    is one problem with its line, not the whole corpus lost."""
    row = {"id": "a", "title": "A", "content": "Officials said 40 people died in the Ohio floods on Monday."}
    path = write(tmp_path / "corpus.jsonl", json.dumps(row) + "\n" + "[" * 200_000 + "\n" + json.dumps(row | {"id": "b"}) + "\n")
    documents, problems = read_corpus(path, IngestConfig())
    assert [d.id for d in documents] == ["a", "b"]
    assert [(p.line, p.message) for p in problems] == [
        (2, "row is nested too deeply to read; each line must be one JSON object of plain fields")]


def test_a_jsonl_row_holding_a_number_too_long_to_read_is_one_problem_and_the_other_rows_are_read(tmp_path: Path) -> None:
    """Python refuses to turn 4,301 digits and more into an int (a ValueError, not a JSONDecodeError): that
    lost the whole corpus in one problem without a line; it is that line's problem only."""
    row = {"id": "a", "title": "A", "content": "Officials said 40 people died in the Ohio floods on Monday."}
    long = json.dumps(row | {"id": "b"})[:-1] + ', "n": ' + "9" * 5000 + "}"
    path = write(tmp_path / "corpus.jsonl", json.dumps(row) + "\n" + long + "\n" + json.dumps(row | {"id": "c"}) + "\n")
    documents, problems = read_corpus(path, IngestConfig())
    assert [d.id for d in documents] == ["a", "c"]
    assert [(p.line, p.message) for p in problems] == [
        (2, "row holds a number of more than 4,300 digits; each line must be one JSON object of plain fields")]


@pytest.mark.parametrize(("name", "text"), [
    ("empty.csv", ""), ("header.csv", "id,content\n"), ("headless.csv", "30,Officials said 40 people died.,A title\n"),
    ("blank.jsonl", "\n  \n"), ("empty.jsonl", ""),
])
def test_a_corpus_file_with_no_rows_is_one_problem_never_skipped_in_silence(tmp_path: Path, name: str, text: str) -> None:
    """An empty corpus, a header alone, or a CSV whose one line of data was taken for its header gave no
    document and no problem: the file vanished from the run without a word."""
    documents, problems = read_corpus(write(tmp_path / name, text), IngestConfig())
    assert documents == []
    assert [p.message.split(";")[0] for p in problems] == ["no rows to read"]
    assert ("JSON object per line" if name.endswith(".jsonl") else "header line naming its columns") in problems[0].message


CLAIM_TEXTS = st.text(alphabet=st.characters(codec=None), min_size=1, max_size=120) | st.text(
    alphabet=st.characters(categories=["Cc", "Cf", "Co", "Cs", "Zl", "Zp", "Cn"]), min_size=1, max_size=20
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(CLAIM_TEXTS)
def test_a_verdict_stub_for_any_claim_text_reads_back(loaded: LoadedConfig, text: str) -> None:
    claim = Claim.model_construct(id="c-0123456789ab", text=text)
    stub = stub_text(claim, "reviewer-1", loaded.config.review)
    out = Path("/nonexistent-out")
    path = out / "review/verdicts/reviewer-1/c-0123456789ab.yaml"
    verdict = load_verdict(path, out, {claim.id}, loaded.config.review, text=stub)
    assert verdict.verdict.claim_text == scrub(text)


def test_a_control_character_in_a_verdict_is_a_problem_with_its_line(tmp_path: Path, loaded: LoadedConfig) -> None:
    out = tmp_path / "out"
    path = out / "review/verdicts/reviewer-1/c-0123456789ab.yaml"
    write(path, "claim: c-0123456789ab\nreviewer: reviewer-1\nrationale: bad \x01 byte\n")
    with pytest.raises(VerdictError) as caught:
        load_verdict(path, out, {"c-0123456789ab"}, loaded.config.review)
    assert caught.value.line == 3


def test_a_run_over_hostile_seeds_finishes_and_names_each_bad_file(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    seeds.mkdir()
    body = SEED.read_text(encoding="utf-8")
    shutil.copy(SEED, seeds / SEED.name)
    write(seeds / "nodate.txt", f"---\npublished: 2015-02-30\n---\n{body}")
    write(seeds / "0b_.txt", "0b1\n\nThe unemployment rate rose to 12 percent in 2015, the ministry said on Monday.\n")
    (seeds / os.fsdecode(b"caf\xe9.txt")).write_text("Caf\n\nThe army said 1,200 troops arrived in Syria in 2015.\n", encoding="utf-8")
    rows = [{"id": "s", "content": "Lone \ud800 surrogate: the army said 3,000 troops arrived in 2014."}, {"id": 1, "content": ["x"]}, {"id": "z", "content": {"a": 1}}]
    write(seeds / "rows.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    result = run_pipeline(loaded, seeds, out)
    problems = {(Path(p.file).name, p.line): p.message for p in result.report.problems}
    assert ("nodate.txt", 2) in problems and "2015-02-30" in problems[("nodate.txt", 2)]
    titles = {d.id: d.title for d in result.report.documents}
    assert titles["0b_"] == "0b1" and "caf\ufffd" in titles
    report = (out / "reports/verdicts.yaml").read_text(encoding="utf-8")
    again = yaml.load(report, Loader=SafeLoader)  # noqa: S506 - our safe loader
    assert {d["id"]: d["title"] for d in again["documents"]}["0b_"] == "0b1"
    assert yaml.safe_load(report)["documents"]  # a YAML 1.1 reader too
    shutil.rmtree(out / ".factflow-cache")
    for stub in (out / "review/verdicts/reviewer-1").glob("c-*.yaml"):
        stub.write_text(stub.read_text(encoding="utf-8").replace('rationale: ""', "rationale: 2015-02-30"), encoding="utf-8")
        break
    second = run_pipeline(loaded, seeds, out)
    assert len(second.report.claims) == len(result.report.claims)


OLD_REPORTS = [
    "claims: 5\n", "- x\n", "claims:\n- id: c-1\n  consensus: [1]\n  verdicts: 7\n", "claims:\n- id: 12\n  verdicts:\n  - reviewer: r\n    rating: 12\n",
    "[" * 5000 + "]" * 5000 + "\n", "generated_at: 2015-02-30\nclaims: []\n", "\x00\x01binary",
]


def test_an_old_report_of_any_shape_never_stops_the_next_run(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    run_pipeline(loaded, seed_dir, out_dir)
    for report in OLD_REPORTS:
        shutil.rmtree(out_dir / ".factflow-cache", ignore_errors=True)  # no snapshot: the old report itself is read
        (out_dir / "reports/verdicts.yaml").write_text(report, encoding="utf-8")
        result = run_pipeline(loaded, seed_dir, out_dir)
        assert result.report.claims and result.report.changes.new_claims == [c.id for c in result.report.claims], report[:40]


def test_a_pipe_where_the_report_was_does_not_hang_the_run(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    from tests.test_bad_input import deadline

    (out_dir / "reports").mkdir()
    os.mkfifo(out_dir / "reports/verdicts.yaml")
    with deadline(60):
        result = run_pipeline(loaded, seed_dir, out_dir)
    assert (out_dir / "reports/verdicts.yaml").is_file() and result.report.claims


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.text(max_size=40),
    st.sampled_from(["http://[::1", "http://a.example:99999/x", "javascript:alert(1)", "https://ok.example/a b", "https://ok.example/a",
                     "http://[::ffff:127.0.0.1]/", "https://\u202eexample.org/", "http://%zz/", "HTTP://A.EXAMPLE/"]),
), max_size=8))
def test_any_url_list_line_is_a_url_to_fetch_or_a_problem_with_its_line(tmp_path: Path, lines: list[str]) -> None:
    from factflow.ingest import read_url_list
    from factflow.models import check_link

    path = tmp_path / "urls.txt"
    path.write_text("\n".join(line.replace("\r", "") for line in lines) + "\n", encoding="utf-8", errors="replace")
    urls, problems = read_url_list(path)
    assert all(check_link(u.url) == u.url and u.line >= 1 for u in urls)
    assert all(p.line is not None for p in problems)


VERDICT_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | LOOK_ALIKES | st.text(max_size=20)
    | st.sampled_from(["true", "mostly-true", "reviewer-1", "c-0123456789ab", "https://example.org/a", "javascript:x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["claim", "reviewer", "rating", "rationale", "evidence", "claim_text", "other"]), VERDICT_VALUES, max_size=7))
def test_a_verdict_file_holding_any_values_is_a_verdict_or_one_error_with_its_line(loaded: LoadedConfig, values: dict[str, object]) -> None:
    from factflow.yamlio import dump_yaml

    out = Path("/nonexistent-out")
    path = out / "review/verdicts/reviewer-1/c-0123456789ab.yaml"
    text = dump_yaml({"claim": "c-0123456789ab", "reviewer": "reviewer-1", **values})
    try:
        read = load_verdict(path, out, {"c-0123456789ab"}, loaded.config.review, text=text)
    except VerdictError as exc:
        assert "\n" not in exc.message or exc.line is not None
        return
    assert read.verdict.rating is None or read.verdict.rating in loaded.config.review.labels
    assert all(isinstance(url, str) and url.startswith(("http://", "https://")) for url in read.verdict.evidence)


def test_pipes_in_place_of_the_files_a_run_keeps_for_itself_do_not_hang_it(seed_dir: Path, out_dir: Path, loaded: LoadedConfig) -> None:
    """The saved merge, the parsed-verdicts and task manifests, the report's snapshot and JSON twin, the
    ledger, the desk's matches and sentence vectors: a pipe (or a folder) in place of any of them is read
    as no file, never waited on, and the run writes a plain file there again."""
    import json as jsonlib

    from factflow.layout import OutputLayout
    from tests.test_bad_input import deadline

    layout = OutputLayout(out_dir)
    first = run_pipeline(loaded, seed_dir, out_dir)
    rated = first.report.claims[0].id
    for reviewer in first.report.claims[0].assigned_to:  # an agreed verdict: the desk's memory is matched on the next runs
        path = layout.verdict_file(reviewer, rated)
        path.write_text(path.read_text(encoding="utf-8").replace("rating: null", "rating: 'false'")
                        .replace('rationale: ""', 'rationale: "Checked."'), encoding="utf-8")
    run_pipeline(loaded, seed_dir, out_dir)
    run_pipeline(loaded, seed_dir, out_dir)
    kept = [layout.claims_cache, layout.tasks_manifest, layout.verdict_cache, layout.report_snapshot, layout.ledger,
            layout.match_cache, layout.vector_cache, layout.report.with_name(f".{layout.report.name}.json")]
    assert all(path.is_file() for path in kept), [p for p in kept if not p.is_file()]
    expected = jsonlib.loads(jsonlib.dumps([c.model_dump(mode="json") for c in run_pipeline(loaded, seed_dir, out_dir).report.claims]))
    for path in kept:
        path.unlink()
        os.mkfifo(path)
    with deadline(60):
        result = run_pipeline(loaded, seed_dir, out_dir)
    assert [c.model_dump(mode="json") for c in result.report.claims] == expected
    assert all(path.is_file() for path in kept), [p for p in kept if not p.is_file()]


def test_a_pipe_is_never_opened_as_one_of_the_runs_own_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening a pipe, even to find it is not a plain file, lets a writer waiting on it write to a reader
    about to close: the report a person then reads through it (``--report <(...)``) would never come. The
    run's own files (and the report's hash, taken before the twin is tried) are read only when they are
    plain files, so a pipe is not even opened."""
    from factflow.fileio import read_regular, regular_digest

    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    opened: list[str] = []
    real = os.open

    def watched(path: object, *args: object, **kwargs: object) -> int:
        opened.append(str(path))
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", watched)
    assert read_regular(pipe) is None and regular_digest(pipe) is None
    assert str(pipe) not in opened
    assert read_regular(tmp_path / "missing") is None
    (tmp_path / "plain").write_bytes(b"ok")
    assert read_regular(tmp_path / "plain") == b"ok" and str(tmp_path / "plain") in opened


def test_a_verdict_folder_or_file_whose_name_is_not_utf8_is_a_problem_and_the_report_is_written(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig
) -> None:
    run_pipeline(loaded, seed_dir, out_dir)
    verdicts = out_dir / "review/verdicts"
    stub = next((verdicts / "reviewer-1").glob("c-*.yaml"))
    odd = verdicts / os.fsdecode(b"caf\xe9")  # a folder name no reviewer id can be, from a Latin-1 file system
    odd.mkdir()
    shutil.copy(stub, odd / stub.name)
    shutil.copy(stub, verdicts / "reviewer-1" / os.fsdecode(b"c-\xe9.yaml"))
    result = run_pipeline(loaded, seed_dir, out_dir)
    shown = [p for p in result.report.problems if "caf\ufffd" in p.file or "c-\ufffd" in p.file]
    assert len(shown) == 2, result.report.problems
    assert any("folder 'caf\ufffd'" in p.message for p in shown)
    report = (out_dir / "reports/verdicts.yaml").read_text(encoding="utf-8")
    assert "caf\ufffd/" in report and "\udce9" not in report


ROW = "The army said {} troops arrived in Syria in 2015."


@pytest.mark.parametrize("name", ["corpus.jsonl", "corpus.csv"])
def test_a_corpus_line_longer_than_a_row_can_be_is_one_problem_never_held(tmp_path: Path, name: str) -> None:
    """One line of a corpus file was read whole before it was parsed: a gigabyte line, a few gigabytes."""
    if name.endswith(".jsonl"):  # a JSON array saved as JSON Lines
        long_line = "[" + ",".join(json.dumps({"id": str(i), "content": ROW.format(i)}) for i in range(40_000)) + "]"
    else:
        long_line = "9," + "y" * 3_000_000 + ",T9"
    cfg = IngestConfig(max_file_bytes=200_000)  # a row may be 400,000 characters
    first, last = ("1", ROW.format(1), "T1"), ("2", ROW.format(2), "T2")
    if name.endswith(".jsonl"):
        text = "\n".join([json.dumps(dict(zip(("id", "content", "title"), first, strict=True))), long_line, json.dumps(dict(zip(("id", "content", "title"), last, strict=True)))])
    else:
        text = "\n".join(["id,content,title", ",".join(first), long_line, ",".join(last)])
    path = write(tmp_path / name, text + "\n")
    tracemalloc.start()
    try:
        docs, problems = read_corpus(path, cfg)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [d.id for d in docs] == ["1", "2"]
    line = 2 if name.endswith(".jsonl") else 3
    assert [(p.line, p.message) for p in problems] == [
        (line, "row is a line longer than 400,000 characters; a row holds one document (at most ingest.max_file_bytes) "
               "and its fields; it was skipped")]
    assert peak < len(long_line) // 2, f"{peak:,} bytes held for a line of {len(long_line):,}"


def test_a_tsv_line_longer_than_a_sentence_can_be_is_a_skipped_row(tmp_path: Path) -> None:
    long_line = "c1\t" + "x" * (MAX_TSV_LINE_CHARS + 10)
    scores = write(tmp_path / "s.tsv", f"Sentence_id\tText\n{long_line}\ns2\t{ROW.format(2)}\n")
    problems = FileProblems(str(scores))
    assert list(read_sentences_tsv(scores, problems)) == [("s2", ROW.format(2))]
    assert [(p.line, p.message) for p in problems.listed()] == [
        (2, "line longer than 1,000,000 characters; a row holds one sentence; the row was skipped")]
    candidates = write(tmp_path / "c.tsv", f"id\ttext\n{long_line}\nc2\t{ROW.format(2)}\n")
    rows, problems = read_id_text_tsv(candidates)
    assert [r.id for r in rows] == ["c2"] and rows[0].line == 3
    assert [(p.line, p.message) for p in problems] == [(2, "line longer than 1,000,000 characters; a row holds one claim; the row was skipped")]


def test_a_csv_quote_in_the_wrong_place_or_never_closed_is_a_problem_at_its_row(tmp_path: Path) -> None:
    """A lenient reader made '"a"b' the text 'ab', and read the rest of the file into a quoted field that
    was never closed, the rows there lost without a word."""
    rows = [f'1,"{ROW.format(1)}"b,T1', f'2,"{ROW.format(2)}",T2', f'3,"{ROW.format(3)}\nits second line",T3',
            f'4,"never closed {ROW.format(4)}', "5,x,y", "6,z,w"]
    path = write(tmp_path / "corpus.csv", "id,content,title\n" + "\n".join(rows) + "\n")
    docs, problems = read_corpus(path, IngestConfig())
    assert [d.id for d in docs] == ["2", "3", "5", "6"]  # the rows after a quote never closed were lost too
    assert [(p.file, p.line, p.message.split(";")[0]) for p in problems] == [
        (str(path), 2, "row is not valid CSV (',' expected after '\"')"),
        (str(path), 6, 'row opens a quoted field (") that is never closed (it ran to the end of the file, line 8)'),
    ]


def test_a_csv_row_with_too_many_fields_or_quotes_never_closed_costs_a_line_each_and_the_rest_are_read(tmp_path: Path) -> None:
    rows = [f'1,"{ROW.format(1)}",T1', f'2,"{ROW.format(2)}",T2,extra', f'3,"never closed {ROW.format(3)}', f'4,"{ROW.format(4)}",T4',
            f'5,"also never closed {ROW.format(5)}', f'6,"{ROW.format(6)}\nover two lines",T6']
    path = write(tmp_path / "corpus.csv", "id,content,title\n" + "\n".join(rows) + "\n")
    docs, problems = read_corpus(path, IngestConfig())
    assert [d.id for d in docs] == ["1", "4", "6"]
    assert [(p.line, p.message.split(";")[0].split(" (")[0]) for p in problems] == [
        (3, "row has 4 fields, the header 3"), (4, "row is not valid CSV"), (6, "row is not valid CSV")]
    many = write(tmp_path / "many.csv", "id,content\n" + "".join(f'{i},"open {ROW.format(i)}\n' for i in range(100)))
    docs, problems = read_corpus(many, IngestConfig())  # lines read again at most 20 times, then faults skip their own lines
    assert docs == [] and 20 < len(problems) < 100 and all(p.line for p in problems)


def test_a_csv_field_past_the_row_limit_stops_the_file_saying_so(tmp_path: Path) -> None:
    body = (ROW.format(2) + "\n") * 3_000  # 150,000 characters in one quoted field, over lines
    path = write(tmp_path / "corpus.csv", f'id,content,title\n1,"{ROW.format(1)}",T1\n2,"{body}",T2\n3,"{ROW.format(3)}",T3\n')
    docs, problems = read_corpus(path, IngestConfig(max_file_bytes=1_000))  # a row may be 100,000 characters
    assert [d.id for d in docs] == ["1"]
    assert [(p.line, p.message) for p in problems] == [
        (3, "row has a field longer than 100,000 characters (a quote never closed?); this row and the rows after it were not read")]


def test_a_quote_never_closed_past_the_row_limit_costs_its_row_only(tmp_path: Path) -> None:
    """In a file longer than the row limit (10 MB by default), a stray quote ran past the limit before the
    file's end, and every row after it was lost (59,998 of 60,000 in a 12.8 MB file). When the line after
    the row reads as a row, the lines after it are read again, as for a quote that ran to the end."""
    rows = [f'{i},{ROW.format(i)},T{i}' for i in range(3_000)]
    rows[1] = f'1,"never closed {ROW.format(1)},T1'
    path = write(tmp_path / "corpus.csv", "id,content,title\n" + "\n".join(rows) + "\n")
    docs, problems = read_corpus(path, IngestConfig(max_file_bytes=1_000))  # a row may be 100,000 characters
    assert len(docs) == 2_999 and "1" not in {d.id for d in docs}
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (3, "row has a field longer than 100,000 characters (a quote never closed?)")]
    assert "the row was skipped and the lines after it read as rows" in problems[0].message


@pytest.mark.parametrize(("name", "bad_line", "read"), [
    ("urls.txt", "not a url", lambda p: read_url_list(p)[1]),
    ("corpus.jsonl", "[1]", lambda p: read_corpus(p, IngestConfig())[1]),
    ("corpus.csv", '"a"b,c', lambda p: read_corpus(p, IngestConfig())[1]),
    ("claims.tsv", "only-an-id", lambda p: read_id_text_tsv(p)[1]),
    ("reviews.jsonl", '{"url": "x"}', lambda p: read_claimreviews(p)[1]),
])
def test_a_file_of_thousands_of_bad_lines_lists_a_thousand_problems_and_counts_the_rest(
    tmp_path: Path, name: str, bad_line: str, read: Any
) -> None:
    """A 10 MB URL list of bad lines made 4.9 million problems, and 4 GB of memory ran out before the
    report was written; a corpus, a TSV or a ClaimReview file of millions of bad rows the same."""
    header = {"corpus.csv": "id,content\n", "claims.tsv": "id\ttext\n"}.get(name, "")
    path = write(tmp_path / name, header + f"{bad_line}\n" * 3_000)
    problems = read(path)
    assert len(problems) == MAX_PROBLEMS_PER_FILE + 1
    first_uncounted = MAX_PROBLEMS_PER_FILE + 1 + (1 if header else 0)
    assert problems[-1].line == first_uncounted
    assert problems[-1].message.startswith(f"2,000 more problems like those above, the first at line {first_uncounted:,}")


def test_a_megabyte_id_title_outlet_or_url_is_refused_or_clipped_never_repeated_in_every_claim(tmp_path: Path) -> None:
    """Each is written again in every task, stub and report entry of the document's claims: a corpus row
    with an id and a title of a million characters each made 264 MB of output from 2 MB."""
    rows = [
        {"id": "i" * 1_000_000, "content": ROW.format(1)},
        {"id": "2", "content": ROW.format(2), "title": "t" * 1_000_000, "domain": "d" * 1_000_000, "url": "https://x.example/" + "u" * 100_000},
        {"id": "3", "content": ROW.format(3), "url": "javascript:alert(1)"},
    ]
    path = write(tmp_path / "c.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    docs, problems = read_corpus(path, IngestConfig())
    assert [(d.id, len(d.title), len(d.outlet or ""), d.url) for d in docs] == [("2", 1_000, 1_000, None), ("3", len(ROW.format(3)), 0, None)]
    assert docs[0].title.endswith("t\u2026")
    expected = [(1, "row's 'id' is 1,000,000 characters long ('iii"), (2, "row's 'url' ('https://x.example/uuu"),
                (3, "row's 'url' ('javascript:alert(1)'): must be an http:// or https://")]
    assert [p.line for p in problems] == [line for line, _ in expected]
    assert all(p.message.startswith(start) for p, (_, start) in zip(problems, expected, strict=True)), problems
    assert "100,018 characters long; a document's URL is at most 8,000" in problems[1].message
    assert all(len(p.message) < 300 for p in problems)
    text_file = write(tmp_path / "one-line.txt", "x" * 2_000_000 + "\n\n" + ROW.format(4) + "\n")
    doc = read_document(text_file, tmp_path, IngestConfig())  # a first line of 2 MB is no headline: body text
    assert len(doc.title) <= 101 and doc.title.endswith("\u2026") and doc.body_start == 0
    headed = read_document(write(tmp_path / "headed.md", f"---\ntitle: {'x' * 2_000_000}\n---\n{ROW.format(4)}\n"), tmp_path, IngestConfig())
    assert len(headed.title) == 1_000 and headed.text[headed.body_start:].strip() == ROW.format(4)


def test_utf16_and_utf32_files_with_a_byte_order_mark_are_text_and_a_bom_before_latin1_is_read(tmp_path: Path) -> None:
    """A text file saved as "Unicode" (UTF-16 with a byte-order mark, as Windows Notepad does) was called a
    binary file; a UTF-8 byte-order mark before Windows-1252 text was 'could not be read (UnicodeDecodeError ...)'."""
    seeds = tmp_path / "seeds"
    body = f"Title\n\n{ROW.format(1)}\n"
    write(seeds / "notepad.txt", "")
    (seeds / "notepad.txt").write_bytes(body.encode("utf-16"))
    (seeds / "wide.txt").write_bytes(body.replace("1", "2").encode("utf-32"))
    (seeds / "marked.txt").write_bytes(b"\xef\xbb\xbfCaf\xe9\n\n" + ROW.format(3).encode())
    (seeds / "broken.txt").write_bytes(b"\xff\xfe\x00\xd8x\x00")  # a lone surrogate: not UTF-16 after all
    (seeds / "excel.csv").write_bytes(f"id,content,title\n4,{ROW.format(4)},T4\n".encode("utf-16"))
    docs, problems = load_documents(seeds, IngestConfig())
    assert {d.id: (d.encoding, d.title) for d in docs} == {
        "notepad": ("utf-16", "Title"), "wide": ("utf-32", "Title"), "marked": ("cp1252", "Caf\u00e9"), "4": ("utf-16", "T4")}
    assert [(Path(p.file).name, p.message) for p in problems] == [
        ("broken.txt", "starts with a UTF-16 byte-order mark but is not UTF-16 text (byte 2); save it as UTF-8")]


@pytest.mark.parametrize("separator", [" ", "", "/"])
def test_an_html_tag_with_thousands_of_attributes_is_one_problem_not_hours(tmp_path: Path, separator: str) -> None:
    """The HTML parser and the article extractor take time growing with the square of one tag's distinct
    attributes: 20,000 took 6 s, the 400,000 of a 5 MB page hours."""
    attributes = separator.join(f'a{i}="x"' if separator != "/" else f"a{i}" for i in range(50_000))
    page = write(tmp_path / "seeds/page.html", f"<html><body><p {attributes}>{ROW.format(1)}</p></body></html>")
    write(tmp_path / "seeds/fine.html", f'<html><body><img src="data:image/png;base64,{"A" * 100_000}" alt="a b"><p>{ROW.format(2)}</p></body></html>')
    started = time.monotonic()
    docs, problems = load_documents(tmp_path / "seeds", IngestConfig())
    assert time.monotonic() - started < 10
    assert [d.id for d in docs] == ["fine"]
    assert [(p.file, p.message) for p in problems] == [(shown_name(str(page)), "a tag at byte 12 has 50,000 attributes; a page is read "
                                                        "when no tag has more than 200 (no article page has), as reading it would take hours")]


@pytest.mark.parametrize("wrap", [
    ('<div class="w">' * 300, "</div>" * 300),  # nested deeper than the HTML parser reads (256)
    ('<font size="2">' * 5_000, ""),  # unclosed, as an old template leaves them
    ("<div>" * 100_000 + "<span>" * 1_000, ""),  # a hostile page: deeper than lxml's huge_tree (2,048)
])
def test_an_html_page_nested_deeper_than_the_parser_reads_keeps_its_article(wrap: tuple[str, str]) -> None:
    """libxml2 stops at 256 nested elements and gives back an empty document: a page with a few hundred
    unclosed tags lost all of its text ("no article text found in the HTML page")."""
    plain = extract_article(ARTICLE_HTML, "a", "a.html", IngestConfig(), "x")
    page = ARTICLE_HTML.replace("<article>", wrap[0] + "<article>").replace("</article>", "</article>" + wrap[1])
    for source in (page, page.encode("utf-8")):
        deep = extract_article(source, "a", "a.html", IngestConfig(), "x")
        assert (deep.text, deep.title, deep.published, deep.url) == (plain.text, plain.title, plain.published, plain.url)
        assert "Pentagon said on Monday" in deep.text


@pytest.mark.parametrize("repeated", [
    "<dd>word ", "<dt>word ", "<caption>word ", "<optgroup>word ", "<rt>word ",  # end tag optional, yet libxml2 nests them
    "<p><span>word ", "<li><b>word ", "<tr><td><div>word ", "<span><p>word ",  # closed only when they are the current element
    "<b><div>word </b>", "<i><tr>word </i>",  # an end tag libxml2 ignores, a <div> or a row being open inside its element
])
def test_a_page_of_unclosed_tags_keeps_its_article_whichever_tags_they_are(repeated: str) -> None:
    """A <dd> or <caption> left unclosed nests in libxml2 (unlike <p> or <li>), and an end tag is ignored
    while a <div> is open inside its element: counted as closed, 3,000 of them lost the whole page."""
    plain = extract_article(ARTICLE_HTML, "a", "a.html", IngestConfig(), "x")
    page = ARTICLE_HTML.replace("<article>", repeated * 3_000 + "<article>")
    deep = extract_article(page, "a", "a.html", IngestConfig(), "x")
    assert "Pentagon said on Monday" in deep.text
    assert all(line in deep.text for line in plain.text.splitlines()), deep.text[-500:]


def test_the_rules_of_what_is_open_are_the_installed_libxml2s() -> None:
    """The scan counts an element closed only where libxml2 closes it: a start tag that closes the current
    element, an end tag ignored while an element of higher priority is open inside the one it names."""
    for name, closers in _CLOSED_BY.items():
        for closer in closers:
            root = lxml.html.document_fromstring(f"<html><body><div><{name} id=a>x<{closer} id=b>y</div></body></html>")
            (opened,), (after,) = root.xpath("//*[@id='a']"), root.xpath("//*[@id='b']")
            assert opened not in after.iterancestors(), f"<{closer}> does not close <{name}> in this libxml2"
        root = lxml.html.document_fromstring(f"<html><body><div><{name} id=a>x<{name} id=b>y</div></body></html>")
        if name not in closers:  # an element its own start tag does not close nests
            assert root.xpath("//*[@id='a']")[0] in root.xpath("//*[@id='b']")[0].iterancestors(), name
    for high in _END_PRIORITY.keys() - {"html", "head", "body"}:  # a misplaced one is dropped
        for low in ("b", "span", "font", "li", *(name for name, level in _END_PRIORITY.items() if level < _END_PRIORITY[high])):
            if high in _CLOSED_BY.get(low, ()):
                continue  # never open inside it
            root = lxml.html.document_fromstring(f"<html><body><div><{low}><{high} id=h>x</{low}><em id=after>y</em></div></body></html>")
            assert root.xpath("//*[@id='h']")[0] in root.xpath("//*[@id='after']")[0].iterancestors(), f"</{low}> closed <{high}>"


SOUP_TAGS = (
    "p li dt dd option optgroup tr td th thead tbody tfoot colgroup caption div span b i u font a ul ol dl table form h1 h3 "
    "pre blockquote section center fieldset menu dir select label button nobr q em small tt svg rt ruby noscript"
).split()


def tag_soup(rng: random.Random, tags: list[str], tokens: int) -> str:
    """Start and end tags of ``tags`` in random order, a word after most start tags."""
    parts = []
    for _ in range(tokens):
        tag, roll = rng.choice(tags), rng.random()
        parts.append(f"</{tag}>" if roll < 0.3 else f"<{tag}>" + ("w " if roll < 0.7 else ""))
    return "".join(parts)


def tree_shape(page: str) -> list[tuple[str, int]]:
    root = lxml.html.document_fromstring(page)
    return [(element.tag, sum(1 for _ in element.iterancestors())) for element in root.iter() if isinstance(element.tag, str)]


def test_the_scan_reads_tag_soup_as_libxml2_does() -> None:
    """Written out with every end tag it leaves to the parser, random tag soup parses to libxml2's own tree:
    what the scan takes as open is what the parser has open (an element closed by a start tag or not, an
    end tag ignored or not)."""
    rng = random.Random(7)
    for _ in range(2_000):
        page = "<html><body>" + tag_soup(rng, rng.sample(SOUP_TAGS, 5), 25)
        assert tree_shape(flatten_nesting(page, 10_000, explicit=True)) == tree_shape(page), page


def test_deep_tag_soup_keeps_its_text_and_nests_within_what_the_parser_reads() -> None:
    rng = random.Random(11)
    for _ in range(6):
        tags = [*rng.sample(SOUP_TAGS, 6), "body", "head"]
        page = "<html><body>" + tag_soup(rng, tags, 4_000) + "<div>The END marker.</div></body></html>"
        shape = tree_shape(flatten_nesting(page))
        assert max(depth for _, depth in shape) <= MAX_DEPTH + 8, tags
        assert "The END marker." in lxml.html.document_fromstring(flatten_nesting(page)).text_content(), tags


def test_misplaced_document_tags_under_a_deep_page_take_no_longer_than_any_tag() -> None:
    """Whether a <head> is misplaced was decided by listing the open elements: 20,000 of them under 20,000
    open <div> took 8 s, a 2 MB page of them 15 minutes."""
    page = "<div>" * 100_000 + "<head><body><html>" * 100_000 + ARTICLE_HTML
    started = time.monotonic()
    flat = flatten_nesting(page)
    assert time.monotonic() - started < 10
    assert "Pentagon said on Monday" in flat and flat.count("<") < page.count("<")


def test_a_parser_rule_the_scan_does_not_know_costs_a_second_try_not_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should libxml2 keep open what the scan takes as closed (here: the scan made to forget that an end tag
    is ignored while a <div> is open inside its element), the scan counts the page shallow and leaves it
    be; libxml2 then stops at 256 levels (the text after them lost), and the second try writes every end
    tag out, which the parser follows."""
    monkeypatch.setattr(nesting, "_END_PRIORITY", {})
    page = ARTICLE_HTML.replace("<article>", "<b><div>word </b>" * 3_000 + "<article>")
    assert flatten_nesting(page) is page
    assert "Pentagon said on Monday" in extract_article(page, "a", "a.html", IngestConfig(), "x").text
    assert "Pentagon said on Monday" in fragment_text(page)


def test_flattening_takes_out_the_outer_wrappers_keeps_blocks_apart_and_scripts_whole() -> None:
    assert flatten_nesting(ARTICLE_HTML) is ARTICLE_HTML  # an article page is read as it came
    # the elements holding more than max_depth levels lose their tags: the innermost levels stay
    assert flatten_nesting("<div><div><div><div>a</div>b</div>c</div>d</div>", 2) == "<br><div><div>a</div>b</div>c<br>d<br>"
    assert flatten_nesting("<div><b><i><u>one</u> two</i></b></div>", 1) == "<br><u>one</u> two<br>"  # inline tags leave nothing
    # void and self-closed elements open nothing, a <p> closes an open <p>; a script's text is not markup
    assert flatten_nesting("<div><p>a<br><img src=x><p>b<div/><script>x = '<div><div>';</script></div>", 1) == (
        "<br><p>a<br><img src=x></p><p>b<div/><script>x = '<div><div>';</script></p><br>")
    assert flatten_nesting("<div><p>a<p>b<p>c</div>", 2) == "<div><p>a<p>b<p>c</div>"
    assert flatten_nesting("<div><dd>a<dd>b<dd>c</div>", 2) == "<br>a<dd>b<dd>c</dd></dd><br>"  # a <dd> does not close a <dd>
    # an end tag with a <div> open inside its element is ignored (and dropped), as libxml2 ignores it: the <div> stays open
    assert flatten_nesting("<div><b><div>x</b>y</div>z</div>", 1) == "<br><div>xy</div>z<br>"
    assert flatten_nesting(b"<!-- <div><div> --><div><div><div>q</div></div></div>", 2) == b"<!-- <div><div> --><br><div><div>q</div></div><br>"
    # a '>' inside a quoted attribute value does not end the tag; an unterminated comment or script ends the scan
    assert flatten_nesting('<div title="a>b"><div>x</div></div>', 1) == '<br><div>x</div><br>'
    assert flatten_nesting("<div><div><!-- <div>" + "<div>" * 200, 1) == "<br><div><!-- <div>" + "<div>" * 200


def test_a_tsv_quote_never_closed_is_its_line_as_written_and_no_row_is_lost(tmp_path: Path) -> None:
    """'claims score' writes a row per input row; a quote never closed read every row after it into one
    sentence (those rows missing from the output without a word), then stopped the command at its row."""
    path = write(tmp_path / "s.tsv", f'Sentence_id\tText\n1\t{ROW.format(1)}\n2\t"{ROW.format(2)}\n3\t{ROW.format(3)}\n')
    problems = FileProblems(str(path))
    assert list(read_sentences_tsv(path, problems)) == [("1", ROW.format(1)), ("2", '"' + ROW.format(2)), ("3", ROW.format(3))]
    quoted = write(tmp_path / "q.tsv", 'Sentence_id\tText\n1\t"He said ""no"" twice.\nThen left."\n2\tx\n')  # CSV quoting, as ClaimBuster's files use it
    assert list(read_sentences_tsv(quoted, problems)) == [("1", 'He said "no" twice.\nThen left.'), ("2", "x")]
    assert not problems.listed()


def test_a_corpus_of_thousands_of_rows_of_one_id_lists_a_thousand_problems_and_counts_the_rest(tmp_path: Path) -> None:
    """Each row reusing an id was a problem: a 15 MB corpus of 300,000 rows of one id made 299,999."""
    write(tmp_path / "seeds/dup.jsonl", "".join(json.dumps({"id": "x", "content": ROW.format(i)}) + "\n" for i in range(3_000)))
    docs, problems = load_documents(tmp_path / "seeds", IngestConfig())
    assert [d.id for d in docs] == ["x"] and len(problems) == MAX_PROBLEMS_PER_FILE + 1
    assert problems[0].message.endswith("ids must be unique (ingest.corpus.columns.id); the row was skipped")
    assert problems[-1].line == 1_002 and problems[-1].message.startswith("1,999 more problems like those above, the first at line 1,002")


def test_a_json_lines_row_naming_a_column_it_reads_twice_is_a_problem_as_a_csv_header_is(tmp_path: Path) -> None:
    """json keeps the last of two "id" keys (another reader the first): which id a document got was the reader's
    choice, where a CSV header naming a column twice is already one problem."""
    one, two = json.dumps(ROW.format(1)), json.dumps(ROW.format(2))
    rows = [f'{{"id": "19", "id": "20", "content": {one}}}', f'{{"id": "21", "content": {two}, "extra": 1, "extra": 2, "meta": {{"a": 1, "a": 2}}}}']
    path = write(tmp_path / "c.jsonl", "\n".join(rows) + "\n")
    docs, problems = read_corpus(path, IngestConfig())
    assert [d.id for d in docs] == ["21"]  # a key the run never reads may repeat
    assert [(p.line, p.message) for p in problems] == [
        (1, "row names 'id' more than once; write each key once (ingest.corpus.columns says which the run reads)")]


def _article_above_a_table(rows: int) -> str:
    article = "".join(f"<p>The council approved a budget of ${i}.2 million for road repairs on Tuesday, item {i}, officials said.</p>"
                      for i in range(4))
    table = "".join(f"<tr><td>Row {i}</td><td>{i * 3}</td><td>x</td></tr>" for i in range(rows))
    return f"<html><head><title>Budget</title></head><body><article><h1>Budget</h1>{article}<table>{table}</table></article></body></html>"


def test_a_page_of_thousands_of_blocks_is_read_in_linear_time_with_its_article(monkeypatch: pytest.MonkeyPatch) -> None:
    """A short article above a 10,000-row table (500 KB) took 88 s: trafilatura's jusText fallback weighs every short
    block against its neighbours. Past FALLBACK_BLOCKS the page is read without the fallbacks: the same article text."""
    import trafilatura

    from factflow.ingest.parse import FALLBACK_BLOCKS, block_count

    small, large = _article_above_a_table(100), _article_above_a_table(10_000)
    assert block_count(small) < FALLBACK_BLOCKS < block_count(large)
    calls: list[bool] = []
    real = trafilatura.bare_extraction
    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: calls.append(k["fast"]) or real(*a, **k))
    few = extract_article(small, "a", "a.html", IngestConfig(), "0" * 64)
    start = time.perf_counter()
    many = extract_article(large, "a", "a.html", IngestConfig(), "0" * 64)
    assert time.perf_counter() - start < 15  # 1.2 s here; 88 s before
    assert calls == [False, True]
    assert many.text == few.text and "$3.2 million" in many.text and "Row 9999" not in many.text
