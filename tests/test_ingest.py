"""Ingest: seeds folder to documents."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from factflow.config import IngestConfig
from factflow.errors import InputError
from factflow.ingest import load_documents, parse_document
from tests.conftest import ROOT, SEED, write

#: The ingest package's modules, top to bottom: each may import only modules after it in this list.
INGEST_LAYERS = ("files", "corpus", "web", "parse", "dates", "nesting")


def test_seed_title_byline_and_id(seed_dir: Path) -> None:
    docs, problems = load_documents(seed_dir, IngestConfig())
    assert problems == []
    (doc,) = docs
    assert doc.id == SEED.stem
    assert doc.title == "Coordinated Iran-Russian military forces arriving to save Syria’s Assad"
    assert doc.byline == "Special to WorldTribune.com"
    body = doc.text[doc.body_start:]
    assert "WorldTribune" not in body and body.lstrip().startswith("Russia and Iran")


def test_by_line_with_author_name_is_metadata() -> None:
    doc = parse_document("d", "d.txt", "Headline here\n\nBy Jane Q. Doe\n\nThe body.", IngestConfig(), "0" * 64)
    assert doc.byline == "By Jane Q. Doe"
    assert doc.text[doc.body_start:].strip() == "The body."


def test_a_first_body_sentence_is_not_mistaken_for_a_byline() -> None:
    doc = parse_document("d", "d.txt", "Headline\n\nBy noon, troops had left the city.", IngestConfig(), "0" * 64)
    assert doc.byline is None


LEDE = "The Senate voted late Thursday to start work on legislation to fund the government until Feb. 16."
PARAGRAPH = ("Officials said 40 soldiers died in the attack on Tuesday, the deadliest this year. The army said "
             "it had sent 300 more troops to the province. The governor said 12 villages were evacuated.")


@pytest.mark.parametrize(("text", "title"), [
    (f"{PARAGRAPH}\n\n{LEDE}\n", "Officials said 40 soldiers died in the attack on Tuesday, the deadliest this year. The army said…"),
    (PARAGRAPH, "Officials said 40 soldiers died in the attack on Tuesday, the deadliest this year. The army said…"),
    (f"{LEDE}\nMore text follows.", LEDE),
])
def test_a_first_line_that_is_no_headline_is_body_text(text: str, title: str) -> None:
    # A text saved without its headline (a paragraph a line, or the whole article on one line) opened
    # with body text that was taken for the title: its sentences never reached the claims (a one-line
    # article gave none, and no problem).
    doc = parse_document("d", "d.txt", text, IngestConfig(), "0" * 64)
    assert doc.title == title
    assert doc.body_start == 0 and doc.byline is None
    assert doc.text[doc.body_start:].startswith(text.split("\n")[0])


@pytest.mark.parametrize("headline", [
    "Mission must be at the heart of journalism, Pope says",
    "Stressed? Here are Three Ways to Help Tackle Anxiety",
    "The Greatest Mystery Unfolds When You See What’s Really Going On…",
    "Reckless! Putin Just Made a Bold Threat...",
])
def test_a_first_line_that_reads_as_a_headline_is_the_title(headline: str) -> None:
    doc = parse_document("d", "d.txt", f"{headline}\n\n{LEDE}", IngestConfig(), "0" * 64)
    assert doc.title == headline
    assert doc.text[doc.body_start:].strip() == LEDE


def test_a_title_given_as_such_is_the_title_whatever_it_reads_like(tmp_path: Path) -> None:
    # Front matter's, a corpus's title column and an HTML page's headline are titles even when long or
    # ending in a full stop; a corpus row without a title is read as a text file is.
    long_title = "U.S. Gives Soros Groups Millions to Destabilize Macedonia’s Conservative Govt."
    write(tmp_path / "fm.md", f"---\ntitle: {long_title}\n---\n{LEDE}\n")
    write(tmp_path / "corpus.csv", f'id,title,content\nr1,{PARAGRAPH[:250]!s},"{LEDE}"\nr2,,"{PARAGRAPH}"\n'.replace(
        f",{PARAGRAPH[:250]},", f',"{PARAGRAPH[:250]}",'))
    write(tmp_path / "page.html", f"<html><body><article><p>{PARAGRAPH}</p><p>{LEDE}</p></article></body></html>")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    by_id = {doc.id: doc for doc in docs}
    assert by_id["fm"].title == long_title and by_id["fm"].text[by_id["fm"].body_start:].strip() == LEDE
    assert by_id["r1"].title == PARAGRAPH[:250] and by_id["r1"].text[by_id["r1"].body_start:].strip() == LEDE
    assert by_id["r2"].title.endswith("…") and by_id["r2"].text[by_id["r2"].body_start:].strip() == PARAGRAPH
    page = by_id["page"]
    assert PARAGRAPH in page.text[page.body_start:] and LEDE in page.text[page.body_start:]


MARKDOWN = """---
outlet: The Desk
---
# Jobs report: unemployment falls

*By Jane Doe* | March 3, 2024

According to the [Labor Department](https://www.bls.gov/news.release/empsit.nr0.htm), **unemployment
fell to 4.1 percent** in March, the lowest rate since 2000.

## What changed

- Employers added 303,000 jobs in March, well above *forecasts*.
- Wages rose 4.1% from a year earlier, [data show][bls].

> "This is a strong report," said `Janet Yellen`, the Treasury Secretary.

![Chart of jobs](chart.png)

| Month | Rate |
|---|---|
| Feb | 4.2 |

```python
print("not prose")
```

[bls]: https://www.bls.gov
{long}
"""


def test_a_markdown_document_is_read_as_its_reader_sees_it(tmp_path: Path) -> None:
    # Its markup was text: the title "# Jobs report ...", a claim "According to the [Labor Department](https://...),
    # **unemployment ...", table rows and code as sentences. Lines stay the file's: a problem names the right one.
    from factflow.claims import extract_claims
    from factflow.config import ClaimsConfig

    write(tmp_path / "jobs.md", MARKDOWN.replace("{long}", "A sentence far too long " * 200 + "ends here."))
    write(tmp_path / "plain.txt", "Title\n\nSee **this** [link](https://x.example) now.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    jobs, plain = docs
    assert jobs.title == "Jobs report: unemployment falls" and jobs.outlet == "The Desk" and jobs.byline == "By Jane Doe | March 3, 2024"
    result = extract_claims(jobs, ClaimsConfig())
    assert [" ".join(s.text.split()) for s in result.sentences] == [
        "According to the Labor Department, unemployment fell to 4.1 percent in March, the lowest rate since 2000.",
        "What changed",
        "Employers added 303,000 jobs in March, well above forecasts.",
        "Wages rose 4.1% from a year earlier, data show.",
        "\"This is a strong report,\" said Janet Yellen, the Treasury Secretary.",
    ]
    assert [(p.line, p.message.split(" sentence(s)")[0]) for p in result.problems] == [(MARKDOWN.split("\n").index("{long}") + 1, "1")]
    assert "**this** [link](https://x.example)" in plain.text  # a .txt file is text as written


def test_raw_html_in_markdown_is_read_as_its_reader_sees_it(tmp_path: Path) -> None:
    """A Markdown article whose paragraphs are raw HTML blocks ('<p>...</p>', '<div class="lede">') lost them
    without a word: with front matter, a document of 0 sentences; without, 'empty document'."""
    from factflow.claims import sentences_to_score
    from factflow.config import ClaimsConfig

    write(tmp_path / "a.md", "---\ntitle: Trade deal\n---\n<p>The TPP covers 13.5 percent of the global economy, officials said.</p>\n\n"
                             '<div class="lede">\nEleven countries signed the deal in Chile in March.\n</div>\n\n'
                             "<p>One.</p><p>Two.</p>\n\n<!-- an editor's note -->\n<script>var x = 1;</script>\n\nPlain text closes it.\n")
    write(tmp_path / "b.md", "<p>Officials said 40 people died in the floods on Monday.</p>\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    assert [sentences_to_score(d, ClaimsConfig()) for d in docs] == [
        ["The TPP covers 13.5 percent of the global economy, officials said.", "Eleven countries signed the deal in Chile in March.",
         "One.", "Two.", "Plain text closes it."],
        ["Officials said 40 people died in the floods on Monday."],
    ]


def test_markdown_too_long_to_parse_quickly_is_read_as_plain_text_with_a_problem(tmp_path: Path) -> None:
    # The parser takes seconds a hundred thousand characters on hostile input: 5 MB of "[" took 100 s.
    from factflow.ingest.parse import MARKDOWN_MAX_CHARS

    write(tmp_path / "a.md", "# Title\n\n" + "[" * (MARKDOWN_MAX_CHARS + 1) + "\n\nThe army said 40 soldiers died.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.title for d in docs] == ["# Title"] and "The army said 40 soldiers died." in docs[0].text
    (problem,) = problems
    assert problem.file.endswith("a.md") and "read as plain text" in problem.message and f"{MARKDOWN_MAX_CHARS:,}" in problem.message


def test_only_document_patterns_are_read_in_path_order(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "B title\n\nText.")
    write(tmp_path / "sub" / "a.txt", "A title\n\nText.")
    write(tmp_path / "notes.md", "Notes title\n\nText.")
    write(tmp_path / "notes.docx", "ignored")
    write(tmp_path / ".hidden" / "c.txt", "ignored")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.path for d in docs] == [str(tmp_path / "b.txt"), str(tmp_path / "notes.md"), str(tmp_path / "sub" / "a.txt")]
    assert [(Path(p.file).name, p.message.split(";")[0]) for p in problems] == [("notes.docx", "not read: no pattern matches notes.docx")]


def test_the_resources_of_a_page_a_browser_saved_whole_are_not_articles(tmp_path: Path) -> None:
    """'Save page as: web page, complete' writes page.html and page_files/ with the page's frames saved as .html
    (an advertisement, a cookie notice): each was read as an article, its offers scored as claims."""
    article = "<html><head><title>Floods</title></head><body><article><h1>Floods kill 40</h1>" + (
        "<p>Officials said 40 people died in the floods on Monday, the ministry reported.</p>" * 3) + "</article></body></html>"
    ad = "<html><body><p>Save 50% on your first 3 months when you subscribe today. Offer ends 31 December.</p></body></html>"
    write(tmp_path / "Floods kill 40.html", article)
    write(tmp_path / "Floods kill 40_files" / "saved_resource.html", ad)
    write(tmp_path / "Floods kill 40_files" / "sub" / "frame.htm", ad)
    write(tmp_path / "Floods kill 40_files" / "app.js", "var x = 1;")
    write(tmp_path / "other_files" / "kept.html", article.replace("Floods kill 40", "Storm"))  # no other.html beside it
    write(tmp_path / "Page.htm", article.replace("Floods kill 40", "Page"))
    write(tmp_path / "Page_files" / "ad.html", ad)
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    assert sorted(Path(d.path).relative_to(tmp_path).as_posix() for d in docs) == ["Floods kill 40.html", "Page.htm", "other_files/kept.html"]


def test_patterns_find_files_whatever_the_case_of_their_names(tmp_path: Path) -> None:
    """A page saved on Windows as PAGE.HTM, or a camera-style NOTES.TXT, matched no pattern and was skipped without a word."""
    write(tmp_path / "PAGE.HTM", "<html><head><title>Storm</title></head><body><article><h1>Storm</h1>"
          + "<p>Officials said 40 people died in the storm on Monday, the ministry reported.</p>" * 3 + "</article></body></html>")
    write(tmp_path / "Notes.TXT", "Notes title\n\nPrices rose 4 percent in 2019.\n")
    write(tmp_path / "DATA.CSV", "id,content\nr1,Exports rose 12 percent in 2019.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and sorted(d.id for d in docs) == ["Notes", "PAGE", "r1"]


def test_files_no_pattern_matches_are_a_problem_for_each_kind(tmp_path: Path) -> None:
    """A PDF or a Word file put in the seeds folder to be checked was left out without a word."""
    write(tmp_path / "good.txt", "Good title\n\nPrices rose 4 percent in 2019.\n")
    for name in ("a.pdf", "sub/B.PDF", "c.pdf", "d.pdf", "e.pdf", "memo.docx", "README"):
        write(tmp_path / name, "x")
    write(tmp_path / ".DS_Store", "x")  # hidden: skipped as ever
    write(tmp_path / "urls.txt", "https://example.com/a\n")  # the URL list (offline here: its own problem)
    write(tmp_path / "page.html", "<html><head><title>Storm</title></head><body><article><h1>Storm</h1>"
          + "<p>Officials said 40 people died in the storm on Monday, the ministry reported.</p>" * 3 + "</article></body></html>")
    write(tmp_path / "page_files" / "app.js", "var x = 1;")  # a saved page's own files
    (tmp_path / "linked").symlink_to(tmp_path / "sub", target_is_directory=True)  # a link to a folder: no file
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert sorted(d.id for d in docs) == ["good", "page"]
    unread = {Path(p.file).relative_to(tmp_path).as_posix(): p.message for p in problems if p.message.startswith("not read")}
    assert sorted(unread) == ["README", "a.pdf", "memo.docx"]
    assert unread["a.pdf"].startswith("not read: no pattern matches 5 .pdf files (a.pdf, c.pdf, d.pdf and 2 more); "
                                      "a run reads the files ingest.patterns (*.txt, *.md, *.html, *.htm) and ingest.corpus.patterns")
    assert unread["memo.docx"].startswith("not read: no pattern matches memo.docx;")
    assert len(problems) == 4  # and the URL list's, not fetched offline
    # Read once a pattern matches them: no problem.
    docs, problems = load_documents(tmp_path, IngestConfig(patterns=["*.txt", "*.html", "*.pdf", "*.docx", "README"]))
    assert not [p for p in problems if p.message.startswith("not read")]


def test_bad_files_become_problems_and_the_rest_is_read(tmp_path: Path) -> None:
    write(tmp_path / "good.txt", "Good title\n\nA sentence.")
    write(tmp_path / "empty.txt", "  \n\n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    write(tmp_path / "other" / "good.txt", "Same stem\n\nText.")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.id for d in docs] == ["good"]
    messages = {Path(p.file).name + ":" + p.message.split(";")[0] for p in problems}
    assert any(m.startswith("empty.txt:empty document") for m in messages)
    assert any(m.startswith("binary.txt:binary file") for m in messages)
    assert any("already used by" in p.message for p in problems)


def test_file_over_the_size_limit_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "big.txt", "Title\n\n" + "word " * 100)
    docs, problems = load_documents(tmp_path, IngestConfig(max_file_bytes=100))
    assert docs == [] and "over the limit of 100" in problems[0].message


def test_latin1_and_bom_crlf_files_are_decoded(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes("Café title\n\nThe café opened in São Paulo.".encode("latin-1"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfBOM title\r\n\r\nLine one.\r\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    by_id = {d.id: d for d in docs}
    assert problems == []
    assert by_id["latin"].title == "Café title" and by_id["latin"].encoding == "cp1252"
    assert by_id["bom"].title == "BOM title" and "\r" not in by_id["bom"].text


def test_a_utf8_file_with_one_stray_byte_stays_utf8(tmp_path: Path) -> None:
    """One Latin-1 byte late in a UTF-8 article made the whole file Windows-1252: 'Café' became 'CafÃ©' and every
    curly quote three letters, in tasks and claims. Read as corpora are: that byte alone is a replacement character."""
    text = "Café prices\n\nThe café\u2019s owner said \u201cprices rose 4 percent\u201d in 2019."
    (tmp_path / "mixed.txt").write_bytes(text.encode("utf-8") + b" Caf\xe9 closed.\n")
    (doc,), problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and doc.encoding == "utf-8" and doc.title == "Café prices"
    assert "The café\u2019s owner said \u201cprices rose 4 percent\u201d in 2019. Caf\ufffd closed." in doc.text


def test_missing_seeds_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="seeds folder not found"):
        load_documents(tmp_path / "nope", IngestConfig())


def test_ingest_modules_import_each_other_one_way_and_only_at_the_top() -> None:
    for position, name in enumerate(INGEST_LAYERS):
        tree = ast.parse((ROOT / "factflow" / "ingest" / f"{name}.py").read_text(encoding="utf-8"))
        top_level = set(tree.body)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("factflow"):
                assert node in top_level, f"ingest/{name}.py imports {node.module} inside a function"
                if node.module and node.module.startswith("factflow.ingest"):
                    used = node.module.removeprefix("factflow.ingest.")
                    assert used in INGEST_LAYERS[position + 1:], f"ingest/{name}.py imports {used}, which is not below it"


def test_an_html_page_in_windows_1252_says_so(tmp_path: Path) -> None:
    """The report's documents said encoding utf-8 for every page, whatever its bytes were."""
    html = ("<html><head><meta charset='windows-1252'><title>Caf\u00e9 prices</title></head><body><article><h1>Caf\u00e9 prices</h1>"
            "<p>\u201cPrices rose 4 percent,\u201d said Jos\u00e9 M\u00fcller, the caf\u00e9\u2019s owner, on Monday.</p>"
            "<p>The r\u00e9sum\u00e9 service cost \u20ac40 in 2019, up from \u20ac30 in 2018.</p></article></body></html>")
    (tmp_path / "legacy.html").write_bytes(html.encode("cp1252"))
    (tmp_path / "modern.html").write_bytes(html.replace("Caf\u00e9 prices", "Tea prices").encode("utf-8"))
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    assert {d.id: d.encoding for d in docs} == {"legacy": "cp1252", "modern": "utf-8"}
    assert "\u201cPrices rose 4 percent,\u201d said Jos\u00e9 M\u00fcller" in docs[0].text


def test_a_page_without_a_meta_charset_is_read_as_windows_1252_not_guessed(tmp_path: Path) -> None:
    """trafilatura's guess read a Windows-1252 page without <meta charset> as Windows-1250: 'apr\u010ds', 'S\u0103o Paulo'."""
    html = ("<html><head><title>La r\u00e9forme</title></head><body><article><h1>La r\u00e9forme adopt\u00e9e</h1>"
            "<p>Le texte a \u00e9t\u00e9 adopt\u00e9 par 287 voix apr\u00e8s un d\u00e9bat tr\u00e8s tendu, \u00e0 S\u00e3o Paulo comme \u00e0 Paris.</p>"
            "<p>Le co\u00fbt atteindra 13,5 milliards d\u2019euros en 2030, selon le minist\u00e8re.</p></article></body></html>")
    labelled = html.replace("<head>", "<head><meta charset=iso-8859-1>")
    (tmp_path / "legacy.htm").write_bytes(html.encode("cp1252"))
    (tmp_path / "latin.html").write_bytes(labelled.replace("287", "288").encode("cp1252"))
    (tmp_path / "mislabelled.html").write_bytes(labelled.replace("287", "289").encode("utf-8"))
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    assert {d.id: d.encoding for d in docs} == {"latin": "cp1252", "legacy": "cp1252", "mislabelled": "utf-8"}
    for doc in docs:
        assert "apr\u00e8s un d\u00e9bat tr\u00e8s tendu, \u00e0 S\u00e3o Paulo" in doc.text and "d\u2019euros" in doc.text


def test_a_pages_date_is_the_one_its_markup_states_never_one_from_its_text(tmp_path: Path) -> None:
    """htmldate's extensive search dated a page without date metadata by its text: 'in March 2020' gave
    2020-01-01, a footer's copyright years their last year. Dates in meta tags, JSON-LD and the URL stay."""
    body = ("<article><h1>Jobs</h1><p>Unemployment rose to 5.1 percent in March 2020, the ministry said on Monday.</p>"
            "<p>It was the highest rate since January 2017, when it reached 5.4 percent, officials added.</p></article>"
            "<footer>\u00a9 2009-2024 Example News</footer>")
    write(tmp_path / "undated.html", f"<html><head><title>Jobs</title></head><body>{body}</body></html>")
    write(tmp_path / "meta.html", "<html><head><title>Jobs</title><meta property='article:published_time' content='2020-04-03T09:00:00Z'>"
                                  f"</head><body>{body.replace('5.1', '5.2')}</body></html>")
    write(tmp_path / "jsonld.html", "<html><head><title>Jobs</title><script type='application/ld+json'>"
                                    '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Jobs", "datePublished": "2020-04-05"}'
                                    f"</script></head><body>{body.replace('5.1', '5.3')}</body></html>")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    assert {d.id: d.published for d in docs} == {"jsonld": "2020-04-05", "meta": "2020-04-03", "undated": None}


def test_a_press_release_is_titled_by_its_headline_not_its_label(tmp_path: Path) -> None:
    """'FOR IMMEDIATE RELEASE' was the title, the real headline a claim; its dateline, contact line and '###' sentences."""
    from factflow.claims import sentences_to_score
    from factflow.config import ClaimsConfig

    write(tmp_path / "release.txt", "FOR IMMEDIATE RELEASE\n\nCity Council Approves $4.2 Million Bridge Repair\n\nJanuary 24, 2018\n\n"
                                    "The City Council voted 7-2 on Tuesday to approve $4.2 million for the bridge, Mayor Jane Doe said.\n\n"
                                    "Contact: John Smith, 555-0100, press@springfield.example\n\n###\n")
    write(tmp_path / "embargo.txt", "Embargoed until 10:00 ET, March 3, 2024\n\nJobs report shows gains\n\nEmployers added 303,000 jobs.\n")
    (embargo, release), problems = load_documents(tmp_path, IngestConfig())  # in file name order
    assert problems == [] and (release.title, embargo.title) == ("City Council Approves $4.2 Million Bridge Repair", "Jobs report shows gains")
    assert sentences_to_score(release, ClaimsConfig()) == [
        "The City Council voted 7-2 on Tuesday to approve $4.2 million for the bridge, Mayor Jane Doe said."]
    assert sentences_to_score(embargo, ClaimsConfig()) == ["Employers added 303,000 jobs."]


def test_a_text_saved_from_a_mail_program_is_read_as_its_reader_sees_it(tmp_path: Path) -> None:
    """A press release forwarded by mail: 'From: Jane Doe <...>' was its title, its headers sentences, and each quoted
    line ('> '), wrapped at 70 columns, a sentence of its own."""
    from factflow.claims import sentences_to_score
    from factflow.config import ClaimsConfig

    write(tmp_path / "fwd.txt", "From: Jane Doe <jane@example.org>\nDate: Tue, 24 Jan 2018 09:15:00 -0500\nTo: desk@example.org\n"
                                "Subject: Fwd: Council approves bridge repair\n\n"
                                "> The City Council voted 7-2 on Tuesday to approve $4.2 million for\n"
                                "> repairs to the Main Street bridge, Mayor Jane Doe said.\n>\n"
                                "> The bridge carries 40,000 vehicles a day, according to the state\n> transportation department.\n")
    write(tmp_path / "plain.txt", "Title line\n\nFrom: the start, 40 people came.\n\n> A quoted line among others.\n\nMore text here.\n")
    (fwd, plain), problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and fwd.title == "Council approves bridge repair"
    assert [" ".join(t.split()) for t in sentences_to_score(fwd, ClaimsConfig())] == [
        "The City Council voted 7-2 on Tuesday to approve $4.2 million for repairs to the Main Street bridge, Mayor Jane Doe said.",
        "The bridge carries 40,000 vehicles a day, according to the state transportation department."]
    assert plain.title == "Title line" and "From: the start, 40 people came." in sentences_to_score(plain, ClaimsConfig())
    assert "> A quoted line among others." in plain.text  # a quote among other lines keeps its mark


def test_a_hard_wrapped_text_without_a_headline_keeps_its_first_words(tmp_path: Path) -> None:
    """Text wrapped at 60 columns without a headline (pdftotext, a mail): its first line, under 200 characters
    and without a full stop, was taken as the title, and its words were lost from the first sentence."""
    from factflow.claims import sentences_to_score
    from factflow.config import ClaimsConfig

    write(tmp_path / "a.txt", "The White House has informally extended an invitation to\nAustralian Prime Minister Malcolm Turnbull to "
                              "visit Washington,\nD.C., in February, according to local reports.\n")
    write(tmp_path / "b.txt", "Trump to meet Turnbull\nBy Jane Doe\n\nThe White House extended an invitation.\n")  # a headline stays one
    write(tmp_path / "c.txt", "Trump to meet Turnbull\nby Jane Doe\n\nThe White House extended an invitation.\n")
    (a, b, c), problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and b.title == c.title == "Trump to meet Turnbull"
    assert [" ".join(t.split()) for t in sentences_to_score(a, ClaimsConfig())] == [
        "The White House has informally extended an invitation to Australian Prime Minister Malcolm Turnbull to visit Washington, "
        "D.C., in February, according to local reports."]


def test_a_url_list_in_a_subfolder_is_a_problem_not_silence(tmp_path: Path) -> None:
    """seeds/sub/urls.txt was neither read as the URL list nor as a document, and not reported: 'no problems'."""
    write(tmp_path / "a.txt", "Title\n\nPrices rose 4 percent in 2019.\n")
    write(tmp_path / "urls.txt", "https://example.com/a\n")
    write(tmp_path / "sub" / "urls.txt", "https://example.com/b\n")
    docs, problems = load_documents(tmp_path, IngestConfig(), offline_note=False)
    assert [d.id for d in docs] == ["a"]
    assert [(p.file, p.message.split(";")[0]) for p in problems] == [
        (str(tmp_path / "sub" / "urls.txt"), "not read: the URL list is read from urls.txt at the top of the seeds folder alone (ingest.urls_file)")]
