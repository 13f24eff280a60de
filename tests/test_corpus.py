"""Corpus files: CSV and JSONL with one document per row; bad rows are problems."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from factflow.config import CorpusColumns, CorpusConfig, IngestConfig
from factflow.ingest import load_documents
from tests.conftest import SHARED, write

NEWS = SHARED / "data" / "news" / "fakenewscorpus_sample.csv"


def test_csv_rows_become_documents_with_metadata(tmp_path: Path) -> None:
    write(tmp_path / "corpus.csv",
          ",id,domain,url,content,scraped_at,title\n"
          '0,17,example.com,https://example.com/a,"Officials said 40 people died.\nA second paragraph.",2018-01-25 16:17:44.789555,Floods kill 40\n'
          "1,18,other.org,,Rebels seized Idlib in March 2015.,,\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    by_id = {d.id: d for d in docs}
    first = by_id["17"]
    assert (first.title, first.url, first.outlet, first.published) == ("Floods kill 40", "https://example.com/a", "example.com", "2018-01-25")
    assert first.text[first.body_start:].strip().startswith("Officials said 40 people died.")
    assert first.path.endswith("corpus.csv:2")
    assert by_id["18"].title == "Rebels seized Idlib in March 2015." and by_id["18"].url is None


def test_jsonl_lines_become_documents(tmp_path: Path) -> None:
    lines = [{"id": "a", "content": "The city spent $3 million.", "title": "Bridge"}, {"id": 7, "content": "Prices rose 4 percent."}]
    write(tmp_path / "c.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and sorted(d.id for d in docs) == ["7", "a"]


def test_a_corpus_field_of_html_is_read_as_its_text(tmp_path: Path) -> None:
    # A body as a CMS export, an RSS description or an API (the Guardian's fields.body) keeps it: its tags
    # were words of the sentences ('<p>The army said <a href="...">40 soldiers</a> died.</p>'), its
    # paragraphs one run-on line, its scripts text; entities in titles stayed escaped.
    body = ('<p>The army said <a href="https://x.example/a">40 soldiers</a> died on Tuesday.</p>'
            "<p>Officials&#8217; count rose to 1,200.<br>The ministry said 300 were hurt.</p>"
            "<script>var tracker = 1;</script><ul><li>Schools closed in 12 towns.</li></ul>")
    lines = [{"id": "a", "title": "Teacher Tells Student Trump &apos;Is Going To Deport You&apos;", "content": body},
             {"id": "b", "content": "<div><p></p></div>"},
             {"id": "c", "content": "Prices rose 4 percent, the index <in brackets> showed."}]
    write(tmp_path / "c.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    by_id = {d.id: d for d in docs}
    a = by_id["a"]
    assert a.title == "Teacher Tells Student Trump 'Is Going To Deport You'"
    assert a.text[a.body_start:].strip().split("\n") == [
        "The army said 40 soldiers died on Tuesday.", "", "Officials’ count rose to 1,200.", "The ministry said 300 were hurt.", "",
        "Schools closed in 12 towns."]
    assert "<in brackets>" in by_id["c"].text  # text that is not HTML stays as written
    assert [(p.line, p.message) for p in problems] == [(2, "document 'b': empty document: no text to read")]


def test_a_corpus_field_of_html_nested_deeper_than_the_parser_reads_keeps_its_text(tmp_path: Path) -> None:
    """Nested more than 256 deep (unclosed tags, a scraper's wrappers), lxml read a body as empty: the row was
    'empty document: no text to read'."""
    body = "<p>The army said 40 soldiers died on Tuesday.</p><p>The ministry said 300 were hurt.</p>"
    lines = [{"id": "deep", "content": "<div>" * 300 + body + "</div>" * 300}, {"id": "unclosed", "content": "<font>" * 5_000 + body}]
    write(tmp_path / "c.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    assert [d.text.strip().split("\n") for d in docs] == [
        ["The army said 40 soldiers died on Tuesday.", "", "The ministry said 300 were hurt."]] * 2


def test_a_file_both_pattern_lists_match_is_read_once_as_a_corpus(tmp_path: Path) -> None:
    # ingest.patterns with *.csv and *.jsonl (the corpus patterns' own): each row once, no whole-file document.
    write(tmp_path / "corpus.csv", "id,title,content\n1,One,Exports rose 12 percent in 2017.\n2,Two,Prices fell 3 percent.\n")
    write(tmp_path / "more.jsonl", json.dumps({"id": "j", "content": "The city spent $3 million."}) + "\n")
    write(tmp_path / "article.txt", "Title\n\nUnemployment fell to 3.5 percent in May.\n")
    cfg = IngestConfig(patterns=["*.txt", "*.csv", "*.jsonl"])
    docs, problems = load_documents(tmp_path, cfg)
    assert problems == []
    assert sorted(d.id for d in docs) == ["1", "2", "article", "j"]
    assert {d.path.rpartition("/")[2] for d in docs} == {"corpus.csv:2", "corpus.csv:3", "more.jsonl:1", "article.txt"}
    # A corpus pattern that matches nothing leaves the documents' patterns as they were.
    docs, _ = load_documents(tmp_path, IngestConfig(patterns=["*.txt", "*.csv"], corpus=CorpusConfig(patterns=["*.tsv"])))
    assert sorted(d.id for d in docs) == ["article", "corpus"]


def test_a_corpus_of_short_documents_costs_little_memory_a_document(tmp_path: Path) -> None:
    """Every document is held until extraction: a one-sentence one costs about 0.7 kB as a slotted
    dataclass, where a pydantic model (its __dict__ and fields-set) cost 1.9 kB (110 MB more at 100,000)."""
    rows = "".join(f"{i},Officials said {i} people were hurt in the storm on Monday.\n" for i in range(2_000))
    write(tmp_path / "c.csv", "id,content\n" + rows)
    tracemalloc.start()
    try:
        docs, problems = load_documents(tmp_path, IngestConfig())
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert problems == [] and len(docs) == 2_000
    assert held / len(docs) < 1_000, f"{held / len(docs):.0f} bytes a document"


def test_a_json_array_of_articles_is_a_corpus_read_an_item_at_a_time(tmp_path: Path) -> None:
    """A JSON export (an array of objects, or an API's answer holding one under a key) was left out without a word."""
    items = [{"id": "a", "content": "The city spent $3 million.", "title": "Bridge"}, {"id": 7, "content": "Prices rose 4 percent."}]
    write(tmp_path / "export.json", json.dumps(items, indent=2))
    answer = {"status": "ok", "totalResults": 2, "tags": ["x"], "articles": [
        {"id": "n1", "content": "Exports rose 12 percent in 2017.", "url": "https://example.com/n1"},
        {"id": "n2", "content": "Unemployment fell to 3.5 percent in May."}]}
    write(tmp_path / "api.json", json.dumps(answer))
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    assert {d.id: d.path.rpartition("/")[2] for d in docs} == {"a": "export.json:2", "7": "export.json:7", "n1": "api.json:1", "n2": "api.json:1"}
    assert next(d for d in docs if d.id == "n1").url == "https://example.com/n1"


def test_an_apis_answer_nested_in_objects_is_read_and_columns_name_keys_inside_objects_with_dots(tmp_path: Path) -> None:
    """News APIs answer with the articles a level or two down and their fields in objects: the New York Times
    ({"response": {"docs": [...]}}, headline.main), NewsAPI (source.name)."""
    write(tmp_path / "nyt.json", json.dumps({"status": "OK", "response": {"meta": {"hits": 1}, "docs": [
        {"_id": "nyt://1", "abstract": "Officials said 40 people died in the floods on Monday.", "headline": {"main": "Floods kill 40"},
         "web_url": "https://www.nytimes.com/a", "pub_date": "2026-11-30T10:00:00+0000", "source": "The New York Times"}]}}, indent=2))
    cfg = IngestConfig(corpus=CorpusConfig(columns=CorpusColumns(
        id="_id", text="abstract", title="headline.main", url="web_url", outlet="source", published="pub_date")))
    (doc,), problems = load_documents(tmp_path, cfg)
    assert problems == []
    assert (doc.id, doc.title, doc.url, doc.outlet, doc.published) == (
        "nyt://1", "Floods kill 40", "https://www.nytimes.com/a", "The New York Times", "2026-11-30")
    assert doc.path.endswith("nyt.json:8")  # the line the item starts on
    write(tmp_path / "nyt.json", json.dumps({"status": "ok", "articles": [
        {"source": {"id": None, "name": "BBC News"}, "content": "Prices rose 4 percent in 2019.", "publishedAt": "2026-11-29T08:00:00Z"}]}))
    cfg = IngestConfig(corpus=CorpusConfig(columns=CorpusColumns(id=None, text="content", outlet="source", published="publishedAt")))
    docs, problems = load_documents(tmp_path, cfg)
    assert [d.outlet for d in docs] == [None] and [p.message for p in problems] == [  # read without its outlet
        "row's 'source' is an object (name a key inside it, e.g. 'source.name'); a field holds text or a whole number; "
        "the document is read without it"]
    cfg = IngestConfig(corpus=CorpusConfig(columns=CorpusColumns(id=None, text="content", outlet="source.name", published="publishedAt")))
    (doc,), problems = load_documents(tmp_path, cfg)
    assert problems == [] and (doc.outlet, doc.published) == ("BBC News", "2026-11-29")
    # A column the first object lacks lists its keys, those inside objects too.
    cfg = IngestConfig(corpus=CorpusConfig(columns=CorpusColumns(id=None, text="abstract")))
    docs, problems = load_documents(tmp_path, cfg)
    assert [p.message for p in problems] == [
        "no 'abstract' column (ingest.corpus.columns.text); found source, source.id, source.name, content, publishedAt"]


def test_a_json_corpus_item_that_is_wrong_is_a_problem_and_where_json_breaks_the_rest_is_one(tmp_path: Path) -> None:
    good = '{"id": "g", "content": "Prices rose 4 percent."}'
    write(tmp_path / "a.json", "[\n" + ",\n".join([good, "[1, 2]", '{"id": "h", "content": "x", "id": "i"}', '{"id": "j"}',
                                                  '{"id": "k", "content": "Fine."}']) + "\n]\n")
    write(tmp_path / "b.json", '[{"id": "b1", "content": "Exports rose 12 percent."},\n {"id": "b2", "content": "oops" ,,}, {"id": "b3"}]')
    write(tmp_path / "c.json", '"just a string"')
    write(tmp_path / "d.json", '{"status": "error", "message": "rate limited"}')
    write(tmp_path / "e.json", "[" * 100_000 + "]" * 100_000)
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert sorted(d.id for d in docs) == ["b1", "g", "k"]
    found = {(Path(p.file).name, p.line): p.message for p in problems}
    assert found[("a.json", 3)].startswith("row (item 2) is a JSON array, not an object; a .json corpus holds one array of objects")
    assert found[("a.json", 4)].startswith("row (item 3) names 'id' more than once")
    assert "has no text" in found[("a.json", 5)]
    assert found[("b.json", 2)].startswith("row is not valid JSON (Expecting property name"), found[("b.json", 2)]
    assert "the items from here on were not read" in found[("b.json", 2)]
    assert found[("c.json", 1)].startswith("the file is a JSON value that is neither an array nor an object; a .json corpus holds")
    assert found[("d.json", 1)].startswith("the file is an object holding no array of objects")
    assert found[("e.json", 1)].startswith("the file is nested too deeply to read")
    assert len(problems) == 7


def test_a_json_corpus_is_read_in_blocks_whatever_the_block_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Items, strings, escapes and numbers cut by a block's end are read whole: the same documents at any block size."""
    from factflow import jsonstream

    items = [{"id": f"d{i}", "content": f"Officials said {i * 1234567} people \"were\" hurt \u2014 on Monday.\n\u00e9", "n": 10 ** i}
             for i in range(12)]
    write(tmp_path / "c.json", json.dumps({"meta": {"n": 1}, "empty": [], "items": items}, ensure_ascii=True))
    expected = [(d.id, d.text) for d in load_documents(tmp_path, IngestConfig())[0]]
    assert len(expected) == 12
    for block in (1, 2, 3, 5, 7, 64):
        monkeypatch.setattr(jsonstream, "_BLOCK", block)
        docs, problems = load_documents(tmp_path, IngestConfig())
        assert problems == [] and [(d.id, d.text) for d in docs] == expected, block


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_a_corpus_is_read_a_row_at_a_time(tmp_path: Path, suffix: str) -> None:
    """Rows with columns the run never reads (here 2 kB of keywords each) are let go as they are read:
    reading holds little more than the documents, however many rows the file has."""
    rows = [{"id": str(i), "content": f"Officials said {i} people were hurt.", "keywords": "storm " * 400} for i in range(3_000)]
    if suffix == ".csv":
        write(tmp_path / "c.csv", "id,content,keywords\n" + "".join(f"{r['id']},{r['content']},{r['keywords']}\n" for r in rows))
    elif suffix == ".jsonl":
        write(tmp_path / "c.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    else:
        write(tmp_path / "c.json", json.dumps(rows, indent=1))
    tracemalloc.start()
    try:
        docs, problems = load_documents(tmp_path, IngestConfig())
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problems == [] and len(docs) == 3_000
    assert peak - kept < 1_000_000, f"{(peak - kept) / 1e6:.1f} MB more than the documents at the peak"


def test_a_jsonl_field_that_is_no_text_or_whole_number_is_one_problem(tmp_path: Path) -> None:
    """str() would make {'x': 1} an id, 1e400 the id 'inf', an object a document's text."""
    good = '{"id": 7, "content": "Prices rose 4 percent.", "title": "Prices"}'
    bad = ['{"id": {"x": 1}, "content": "A."}', '{"id": [1], "content": "B."}', '{"id": true, "content": "C."}',
           '{"id": 1e400, "content": "D."}', '{"id": "e", "content": {"a": 1}}', '{"id": "f", "content": "F.", "title": 1.5}']
    write(tmp_path / "c.jsonl", "\n".join([good, *bad]) + "\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.id for d in docs] == ["7", "f"]  # a title of the wrong kind costs the title, not the document
    assert [p.line for p in problems] == [2, 3, 4, 5, 6, 7]
    assert [p.message.split(";")[0] for p in problems] == [
        "row's 'id' is an object", "row's 'id' is a list", "row's 'id' is true or false", "row's 'id' is a fraction",
        "row's 'content' is an object", "row's 'title' is a fraction"]
    assert all(p.message.endswith("a field holds text or a whole number; the row was skipped") for p in problems[:5])
    assert problems[5].message.endswith("a field holds text or a whole number; the document is read without it")
    assert "F." in docs[1].text


def test_metadata_of_the_wrong_kind_costs_the_field_not_the_document(tmp_path: Path) -> None:
    """A float Unix time ('scraped_at': 1609459200.5, as exporters write it) or an object where the outlet's name
    was expected dropped the whole article; id and text stay strict."""
    row = {"id": "a", "content": "Officials said 40 people died in the floods on Monday.", "scraped_at": 1_609_459_200.5,
           "domain": {"name": "BBC"}, "url": ["https://a.example/x"]}
    write(tmp_path / "c.jsonl", json.dumps(row) + "\n")
    cfg = IngestConfig(corpus=CorpusConfig(columns=CorpusColumns(published="scraped_at", outlet="domain", url="url")))
    (doc,), problems = load_documents(tmp_path, cfg)
    assert (doc.id, doc.published, doc.outlet, doc.url) == ("a", "2021-01-01", None, None)
    assert [p.message for p in problems] == [
        "row's 'url' is a list; a field holds text or a whole number; the document is read without it",
        "row's 'domain' is an object (name a key inside it, e.g. 'domain.name'); a field holds text or a whole number; "
        "the document is read without it"]


def test_a_field_of_control_characters_alone_is_blank(tmp_path: Path) -> None:
    """A row of NUL characters (a binary dump in a CSV) became a document with the id '\\x00'."""
    write(tmp_path / "c.csv", "id,content\n\x00\x00,Prices rose 4 percent.\nr2,\x01\x02\nr3,Exports rose 12 percent.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.id for d in docs] == ["r3"]
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [(2, "row has no 'id'"), (3, "document 'r2' has no text in 'content'")]


def test_a_csv_header_naming_a_column_the_run_reads_twice_is_one_problem(tmp_path: Path) -> None:
    """Python's CSV reader would keep the last of two 'content' columns without a word."""
    write(tmp_path / "a.csv", "id,content,tags,content\n1,First text.,x,Second text.\n")
    write(tmp_path / "b.csv", "id,content,tags,tags\n2,Read as usual.,x,y\n")  # a column the run never reads: no matter
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.id for d in docs] == ["2"]
    assert [(Path(p.file).name, p.line) for p in problems] == [("a.csv", 1)]
    assert problems[0].message.startswith("the header names 'content' more than once")


def test_bad_rows_are_problems_with_lines_and_the_rest_is_read(tmp_path: Path) -> None:
    write(tmp_path / "c.csv", "id,content\n1,Good text here.\n,No id here.\n3,\n4,Good again.,extra\n1,Duplicate id.\n")
    write(tmp_path / "d.jsonl", '{"id": "x", "content": "Fine."}\n{broken\n[1, 2]\n\n{"id": "y"}\n')
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert sorted(d.id for d in docs) == ["1", "x"]
    found = {(Path(p.file).name, p.line): p.message for p in problems}
    assert "no 'id'" in found[("c.csv", 3)]
    assert "has no text in 'content'" in found[("c.csv", 4)]
    assert "has 3 fields, the header 2" in found[("c.csv", 5)]
    assert "not valid JSON" in found[("d.jsonl", 2)]
    assert "not an object" in found[("d.jsonl", 3)]
    assert "has no text" in found[("d.jsonl", 5)]
    assert any("already used by" in p.message and p.file.endswith("c.csv") and p.line == 6 for p in problems)  # the row as every row problem names it


def test_a_corpus_without_its_text_column_says_which_columns_it_has(tmp_path: Path) -> None:
    write(tmp_path / "c.csv", "id,body\n1,Some text.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert docs == [] and problems[0].message == "no 'content' column (ingest.corpus.columns.text); found id, body"


def test_a_header_without_the_text_column_is_one_problem_whatever_its_first_row(tmp_path: Path) -> None:
    """It was found by looking at the first row: a first row with a bad field count hid it, and every row was a problem."""
    write(tmp_path / "c.csv", "id,body\n1,Some text, with a comma.\n2,More text.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert docs == [] and [(p.line, p.message) for p in problems] == [(1, "no 'content' column (ingest.corpus.columns.text); found id, body")]


@pytest.mark.parametrize("mark", [";", "\t", "|"])
def test_a_csv_separated_by_semicolons_tabs_or_bars_is_read_by_its_header(tmp_path: Path, mark: str) -> None:
    """Excel saves a "CSV" with semicolons where the decimal mark is a comma: each row was a problem ('has 2 fields,
    the header 1') and the file gave nothing."""
    rows = [["id", "title", "content"], ["1", "Budget", "The state spent 5,2 billion euros on roads in 2020, the ministry said."],
            ["2", "Jobs", '"Unemployment fell to 4,1 percent"; the office said so.']]
    quoted = [[f'"{c.replace(chr(34), chr(34) * 2)}"' if mark in c or '"' in c else c for c in row] for row in rows]
    write(tmp_path / "c.csv", "".join(mark.join(row) + "\n" for row in quoted) + mark.join(["3", "Extra", "A text.", "x"]) + "\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [(d.id, d.title, d.text[d.body_start:].strip()) for d in docs] == [(r[0], r[1], r[2]) for r in rows[1:]]
    name = {";": "semicolons", "\t": "tabs", "|": "bars"}[mark]
    assert [(p.line, p.message) for p in problems] == [(4, f"row has 4 fields, the header 3 (separated by {name})")]


def test_excels_sep_line_names_the_separator(tmp_path: Path) -> None:
    """Excel writes 'sep=;' first when asked to: it was taken for the header ('no content column; found sep=')."""
    write(tmp_path / "excel.csv", "sep=;\r\nid;title;content\r\n1;Budget;The state spent 5,2 billion euros in 2020.\r\n2;Jobs;x;y\r\n")
    write(tmp_path / "bad.csv", "sep=,\nid,body\n1,Text.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [(d.id, d.title) for d in docs] == [("1", "Budget")]
    assert sorted((Path(p.file).name, p.line, p.message.split(";")[0]) for p in problems) == [
        ("bad.csv", 2, "no 'content' column (ingest.corpus.columns.text)"), ("excel.csv", 4, "row has 4 fields, the header 3 (separated by semicolons)")]


def test_a_windows_1252_csv_is_read_as_windows_1252_and_a_stray_byte_in_utf8_stays_one(tmp_path: Path) -> None:
    """Excel on Western Windows saves a "CSV" in Windows-1252: read as UTF-8, its accents and curly quotes were
    replacement characters."""
    text = 'id,title,content\n1,Café,"The bureau\u2019s figures show exports rose 12 percent \u2013 the most since 2005."\n'
    (tmp_path / "excel.csv").write_bytes(text.encode("cp1252"))
    (tmp_path / "mixed.csv").write_bytes("id,title,content\n2,Café,Prices rose 4 percent in Zürich.\n".encode() + b"3,Bad,A stray \xe9 byte.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    by_id = {d.id: d for d in docs}
    assert (by_id["1"].encoding, by_id["1"].title) == ("cp1252", "Café") and "bureau\u2019s" in by_id["1"].text and "\u2013" in by_id["1"].text
    assert (by_id["2"].encoding, by_id["2"].title, by_id["3"].encoding) == ("utf-8", "Café", "utf-8")
    assert "\ufffd" in by_id["3"].text


def test_a_corpus_without_ids_is_one_problem_or_named_by_its_texts(tmp_path: Path) -> None:
    """Many corpora (news crawls, dataset dumps) have no id column: each row was a problem ('row has no 'id''), a
    thousand of them and a count, and nothing said how to read the file."""
    write(tmp_path / "crawl.csv", "title,content\nA,Exports rose 12 percent in 2019.\nB,Crime fell 10 percent in 2018.\nC,Exports rose 12 percent in 2019.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert docs == [] and [(p.line, p.message) for p in problems] == [(1, (
        "no 'id' column (ingest.corpus.columns.id); found title, content; name the column that holds each document's id, "
        "or set ingest.corpus.columns.id to null to name each row by its text"))]
    cfg = IngestConfig(corpus=CorpusConfig(columns=CorpusColumns(id=None)))
    docs, problems = load_documents(tmp_path, cfg)
    assert [d.title for d in docs] == ["A", "B"] and all(d.id.startswith("crawl-") and len(d.id) == 18 for d in docs)
    (twice,) = problems  # the same text twice: one document, and a word about the copy
    assert (Path(twice.file).name, twice.line) == ("crawl.csv", 4)
    assert twice.message.startswith(f"1 row(s) repeat the text of an earlier row (the first here, as {tmp_path / 'crawl.csv'}:2) and were read once")
    # A crawl that repeats pages thousands of times: one problem for the file, not one a row.
    write(tmp_path / "crawl.csv", "title,content\n" + "".join(f"T{i},Story {i % 3} says exports rose 12 percent.\n" for i in range(3_000)))
    docs, problems = load_documents(tmp_path, cfg)
    assert len(docs) == 3 and [(p.line, p.message.split(" (")[0]) for p in problems] == [(5, "2,997 row(s) repeat the text of an earlier row")]
    again, _ = load_documents(tmp_path, cfg)
    assert [d.id for d in again] == [d.id for d in docs]  # named by the text: the same on every run


def test_the_column_mapping_is_configurable(tmp_path: Path) -> None:
    write(tmp_path / "c.csv", "key,body,headline\nk1,Some text here.,A headline\n")
    cfg = IngestConfig(corpus=CorpusConfig(columns=CorpusColumns(id="key", text="body", title="headline", url=None, outlet=None, published=None)))
    (doc,), problems = load_documents(tmp_path, cfg)
    assert problems == [] and (doc.id, doc.title) == ("k1", "A headline")


def test_the_news_sample_reads_whole(tmp_path: Path) -> None:
    if not NEWS.is_file():
        pytest.skip(f"{NEWS} is absent (the shared data folder is not beside the project)")
    (tmp_path / NEWS.name).symlink_to(NEWS)
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert len(docs) == 250 and problems == []
    assert all(d.title and d.url for d in docs[:20])


@pytest.mark.parametrize(("written", "read"), [
    ("2018-01-25 16:17:44.789555", "2018-01-25"), ("2026-12-05T10:00:00Z", "2026-12-05"),
    ("Sat, 05 Dec 2026 10:00:00 GMT", "2026-12-05"),  # RSS's pubDate
    ("Sat, 05 Dec 2026 23:30:00 -0500", "2026-12-05"), ("December 5, 2026", "2026-12-05"), ("Tuesday, December 1, 2026", "2026-12-01"),
    ("5 Dec 2026", "2026-12-05"), ("20261205", "2026-12-05"), ("1764928800", "2025-12-05"), ("1764928800000", "2025-12-05"),
    ("12/05/2026", None), ("2018-13-45", None), ("yesterday", None), ("99999999", None),
])
def test_a_corpus_date_is_read_as_feeds_and_apis_write_it(tmp_path: Path, written: str, read: str | None) -> None:
    # Only an ISO date was read: an RSS pubDate or an API's epoch seconds left the document undated (no dated
    # news-archive search for its claims), and "2018-13-45" was kept as it was written.
    write(tmp_path / "c.jsonl", json.dumps({"id": "a", "content": "Prices rose 4 percent in March.", "scraped_at": written}) + "\n")
    (doc,), problems = load_documents(tmp_path, IngestConfig())
    assert doc.published == read
    if read is not None:
        assert problems == []
    else:  # read undated, and said so
        (problem,) = problems
        assert problem.file.endswith("c.jsonl") and problem.line == 1 and f"cannot be read ({written!r})" in problem.message


def test_unreadable_corpus_dates_are_one_problem_for_the_file(tmp_path: Path) -> None:
    # A date this does not read left its row undated in silence: no dated news-archive search for its
    # claims, and no word of why. A feed writes every row's date alike, so the file has one problem line.
    rows = [("a", "2026-12-05"), ("b", "12/05/2026"), ("c", ""), ("d", "yesterday"), ("e", "\"Sat, 05 Dec 2026 10:00:00 GMT\"")]
    rows += [(f"x{i}", "05.12.2026") for i in range(3000)]
    write(tmp_path / "c.csv", "id,content,scraped_at\n" + "".join(f"{i},Prices rose 4 percent in March.,{d}\n" for i, d in rows))
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert len(docs) == len(rows)
    assert [d.published for d in docs[:5]] == ["2026-12-05", None, None, None, "2026-12-05"]
    (problem,) = problems
    assert problem.file.endswith("c.csv") and problem.line == 3
    assert problem.message.startswith("3,002 rows' dates in 'scraped_at' (ingest.corpus.columns.published) cannot be read (the first: '12/05/2026')")
    assert "RFC 2822" in problem.message and "20261205" in problem.message  # what is read


def test_a_row_of_html_with_a_control_character_is_read(tmp_path: Path) -> None:
    """lxml refuses control characters: a row whose HTML held one (a scraper's \\x1f) was skipped, 'could not be read'."""
    (tmp_path / "c.csv").write_text('id,title,content\n1,T,"<p>Officials said 40 people\x1f died on Monday.</p>"\n', encoding="utf-8")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and "Officials said 40 people died on Monday." in " ".join(docs[0].text.split())


def test_a_tab_separated_corpus_is_read_as_a_corpus(tmp_path: Path) -> None:
    """A .tsv corpus (a spreadsheet's tab-separated export) was 'not read: ... save it as text or HTML'."""
    (tmp_path / "c.tsv").write_text("id\ttitle\tcontent\n1\tFloods\tOfficials said 40 people died in the floods on Monday.\n", encoding="utf-8")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and [(d.id, d.title) for d in docs] == [("1", "Floods")]


def test_a_csv_header_naming_the_columns_in_other_case_is_read(tmp_path: Path) -> None:
    """A spreadsheet's export ('ID', 'Title', ' Content ') was refused whole: "no 'content' column; found ID, Title, Content"."""
    (tmp_path / "c.csv").write_text("ID,Title, Content ,URL\n1,Floods,Officials said 40 people died on Monday.,https://x.example/a\n",
                                    encoding="utf-8")
    (tmp_path / "d.csv").write_text("id,Content,content\n2,Other text here.,Officials said 30 people died on Tuesday.\n", encoding="utf-8")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    assert [(d.id, d.title, d.url) for d in docs] == [("1", "Floods", "https://x.example/a"), ("2", "Officials said 30 people died on Tuesday.", None)]
