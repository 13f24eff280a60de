"""Ingest from the web and from saved pages: URL lists, address checks, HTML extraction, front matter."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from factflow.config import IngestConfig
from factflow.ingest import load_documents
from factflow.pipeline import run_pipeline
from factflow.stages import load_stage
from tests.conftest import online_config, write

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en"><head>
<title>Russian troops arrive in Latakia | Example Tribune</title>
<meta property="og:site_name" content="Example Tribune">
<meta property="og:title" content="Russian troops arrive in Latakia">
<meta property="article:published_time" content="2015-09-14T08:00:00Z">
<link rel="canonical" href="https://tribune.example.com/2015/09/14/latakia">
</head><body>
<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/login">Log in</a></nav>
<article>
<h1>Russian troops arrive in Latakia</h1>
<p>Russia sent hundreds of soldiers to the Syrian port of Latakia in September 2015, according to officials in Washington.</p>
<p>The deployment was the largest Russian military move in the Middle East since 1973, the Pentagon said on Monday.</p>
<p>Rebels in Idlib province used a heavy sandstorm as cover to seize an airbase last week, activists reported.</p>
</article>
<footer>Copyright 2015 Example Tribune. All rights reserved.</footer>
</body></html>
"""


def ingest_online(server: HTTPServer, out: Path, **ingest: object) -> IngestConfig:
    return online_config(server, out).config.ingest.model_copy(update=ingest)


def test_listed_urls_are_fetched_and_extracted_with_metadata(api_server: HTTPServer, tmp_path: Path) -> None:
    api_server.expect_request("/2015/09/14/latakia").respond_with_data(ARTICLE_HTML, content_type="text/html; charset=utf-8")
    url = api_server.url_for("/2015/09/14/latakia")
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", f"# articles to check\n{url}\n\n{url}\n")
    loaded = online_config(api_server, tmp_path / "out")
    docs, problems = load_stage(seeds, loaded, tmp_path / "out")
    assert problems == []
    (doc,) = docs  # listed twice, fetched once; urls.txt itself is not a document
    assert doc.id.startswith("web-") and doc.path == url and doc.url == url
    assert doc.title == "Russian troops arrive in Latakia"
    assert doc.published == "2015-09-14" and doc.outlet == "Example Tribune"
    body = doc.text[doc.body_start:]
    assert "hundreds of soldiers" in body and "Log in" not in body and "Copyright" not in body
    assert len(api_server.log) == 1


def test_private_link_local_and_non_http_urls_are_refused(api_server: HTTPServer, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", "http://10.1.2.3/internal\nhttp://169.254.169.254/latest/meta-data\nftp://files.example.org/a.txt\nhttp://[fd00::1]/x\n")
    docs, problems = load_stage(seeds, online_config(api_server, tmp_path / "out"), tmp_path / "out")
    assert docs == []
    by_line = {p.line: p.message for p in problems}
    assert "refused" in by_line[1] and "private" in by_line[1] and "10.1.2.3" in by_line[1]
    assert "refused" in by_line[2] and "link-local" in by_line[2]
    assert "is refused: must be an http:// or https:// URL with a host" in by_line[3]
    assert "refused" in by_line[4] and "private" in by_line[4]
    assert all(p.file == str(seeds / "urls.txt") for p in problems)
    assert api_server.log == []


def test_loopback_is_refused_unless_allowed(api_server: HTTPServer, tmp_path: Path) -> None:
    api_server.expect_request("/a").respond_with_data(ARTICLE_HTML, content_type="text/html")
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", api_server.url_for("/a") + "\n")
    loaded = online_config(api_server, tmp_path / "out")
    strict = loaded.with_changes("ingest", allow_loopback=False)
    docs, problems = load_stage(seeds, strict, tmp_path / "out")
    assert docs == [] and "loopback" in problems[0].message and problems[0].line == 1
    assert api_server.log == []


def test_a_redirect_to_a_private_address_is_refused(api_server: HTTPServer, tmp_path: Path) -> None:
    api_server.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "http://192.168.1.1/admin"})
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", api_server.url_for("/moved") + "\n")
    docs, problems = load_stage(seeds, online_config(api_server, tmp_path / "out"), tmp_path / "out")
    assert docs == [] and "192.168.1.1" in problems[0].message and "refused" in problems[0].message
    assert len(api_server.log) == 1
    assert problems[0].message.startswith(api_server.url_for("/moved") + ": redirected to http://192.168.1.1/admin: refused")


def test_a_redirect_to_a_file_url_names_the_listed_url_and_the_hop(api_server: HTTPServer, tmp_path: Path) -> None:
    """A page that redirected to file:///etc/passwd was 'file:/etc/passwd: only http:// and https:// URLs are fetched'
    on the listed line, as if the list held that URL."""
    api_server.expect_request("/moved").respond_with_data("", status=302, headers={"Location": "file:///etc/passwd"})
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", api_server.url_for("/moved") + "\n")
    docs, problems = load_stage(seeds, online_config(api_server, tmp_path / "out"), tmp_path / "out")
    assert docs == [] and [(p.line, p.message) for p in problems] == [
        (1, api_server.url_for("/moved") + ": redirected to file:/etc/passwd: only http:// and https:// URLs are fetched")]


def test_a_binary_page_declared_as_text_is_refused_as_a_seed_file_would_be(api_server: HTTPServer, tmp_path: Path) -> None:
    """A page served as text/plain that held NUL bytes and random binary became a document of garbage sentences."""
    api_server.expect_request("/blob").respond_with_data(b"\x00\x01\x02PK\x03\x04" * 500 + b" 45 percent.", content_type="text/plain")
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", api_server.url_for("/blob") + "\n")
    docs, problems = load_stage(seeds, online_config(api_server, tmp_path / "out"), tmp_path / "out")
    assert docs == [] and [(p.line, p.message) for p in problems] == [
        (1, api_server.url_for("/blob") + ": declared 'text/plain' but binary (contains NUL bytes); only text documents are read")]


FRENCH = ("<html><head><title>La r\u00e9forme</title></head><body><article><h1>La r\u00e9forme des retraites adopt\u00e9e</h1>"
          "<p>Le texte a \u00e9t\u00e9 adopt\u00e9 par 287 voix apr\u00e8s un d\u00e9bat tr\u00e8s tendu \u00e0 l\u2019Assembl\u00e9e, a dit le ministre.</p>"
          "<p>\u201cC\u2019est une r\u00e9forme n\u00e9cessaire,\u201d a d\u00e9clar\u00e9 le ministre \u00e0 S\u00e3o Paulo lundi.</p>"
          "</article></body></html>")


def test_pages_are_read_in_the_charset_their_server_declares_or_else_as_seed_files_are(api_server: HTTPServer, tmp_path: Path) -> None:
    """trafilatura guessed a page's encoding and read Windows-1252 as Windows-1250 ('apr\u010ds'), whatever the
    server declared; text/plain without a charset was read as UTF-8 ('Caf\ufffd'), UTF-16 as NUL characters."""
    legacy = FRENCH.encode("cp1252")
    api_server.expect_request("/declared").respond_with_data(legacy, content_type="text/html; charset=windows-1252")
    api_server.expect_request("/undeclared").respond_with_data(legacy, content_type="text/html")
    api_server.expect_request("/plain").respond_with_data("Caf\u00e9 prices\n\nA coffee cost \u20ac3 in 2019, the caf\u00e9 said.\n".encode("cp1252"),
                                                         content_type="text/plain")
    api_server.expect_request("/wide").respond_with_data("Tea prices\n\nTea cost \u00a33 in 2019, the caf\u00e9 said.\n".encode("utf-16"),
                                                        content_type="text/plain")
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", "".join(api_server.url_for(p) + "\n" for p in ("/declared", "/undeclared", "/plain", "/wide")))
    docs, problems = load_stage(seeds, online_config(api_server, tmp_path / "out"), tmp_path / "out")
    assert problems == []
    by_path = {d.path.rsplit("/", 1)[1]: d for d in docs}
    for name in ("declared", "undeclared"):
        assert "apr\u00e8s un d\u00e9bat tr\u00e8s tendu \u00e0 l\u2019Assembl\u00e9e" in by_path[name].text
        assert "S\u00e3o Paulo" in by_path[name].text and by_path[name].encoding == "cp1252"
    assert by_path["plain"].title == "Caf\u00e9 prices" and "\u20ac3" in by_path["plain"].text and by_path["plain"].encoding == "cp1252"
    assert by_path["wide"].title == "Tea prices" and "\x00" not in by_path["wide"].text and by_path["wide"].encoding == "utf-16"


def test_oversized_failing_and_non_article_pages_are_problems(api_server: HTTPServer, tmp_path: Path) -> None:
    api_server.expect_request("/big").respond_with_data("<html><body>" + "<p>word</p>" * 5000 + "</body></html>", content_type="text/html")
    api_server.expect_request("/missing").respond_with_data("no", status=404)
    api_server.expect_request("/image").respond_with_data(b"\x89PNG\r\n", content_type="image/png")
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", "\n".join(api_server.url_for(p) for p in ("/big", "/missing", "/image")) + "\n")
    loaded = online_config(api_server, tmp_path / "out")
    small = loaded.with_changes("ingest", max_file_bytes=10_000)
    docs, problems = load_stage(seeds, small, tmp_path / "out")
    assert docs == []
    by_line = {p.line: p.message for p in problems}
    assert "over the limit of 10,000" in by_line[1]
    assert "HTTP 404" in by_line[2]
    assert "image/png" in by_line[3]


def test_offline_runs_do_not_fetch_the_url_list(api_server: HTTPServer, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", api_server.url_for("/a") + "\n")
    docs, problems = load_documents(seeds, IngestConfig())
    assert docs == [] and "not fetched: the run is offline" in problems[0].message
    assert api_server.log == []


def test_a_rerun_fetches_nothing_again(api_server: HTTPServer, tmp_path: Path) -> None:
    api_server.expect_request("/a").respond_with_data(ARTICLE_HTML, content_type="text/html")
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", api_server.url_for("/a") + "\n")
    loaded = online_config(api_server, tmp_path / "out")
    first, _ = load_stage(seeds, loaded, tmp_path / "out")
    second, _ = load_stage(seeds, loaded, tmp_path / "out")
    assert first == second and len(api_server.log) == 1


def test_a_saved_html_page_is_extracted(tmp_path: Path) -> None:
    write(tmp_path / "latakia.html", ARTICLE_HTML)
    (doc,), problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    assert doc.id == "latakia" and doc.title == "Russian troops arrive in Latakia"
    assert doc.url == "https://tribune.example.com/2015/09/14/latakia"
    assert doc.published == "2015-09-14" and doc.outlet == "Example Tribune"
    assert "Pentagon said on Monday" in doc.text and "Home" not in doc.text


def test_an_html_page_without_article_text_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "empty.html", "<html><head><title>x</title></head><body><script>var page = 1;</script></body></html>")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert docs == [] and "no article text" in problems[0].message


def test_front_matter_sets_metadata(tmp_path: Path) -> None:
    write(tmp_path / "a.md", "---\ntitle: Troops arrive\nurl: https://news.example.org/a?id=1\npublished: 2015-09-14\noutlet: Example News\n---\nRussia sent hundreds of soldiers.\n")
    write(tmp_path / "b.txt", "---\npublished: 2015-09-14T08:00:00Z\n---\nHeadline of b\n\nBody of b.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    a, b = docs
    assert (a.title, a.url, a.published, a.outlet) == ("Troops arrive", "https://news.example.org/a?id=1", "2015-09-14", "Example News")
    assert a.text[a.body_start:].strip() == "Russia sent hundreds of soldiers."
    assert (b.title, b.url, b.published) == ("Headline of b", None, "2015-09-14T08:00:00+00:00")
    assert "---" not in b.text


@pytest.mark.parametrize(
    ("front", "line", "message"),
    [
        ("title: T\npublished: last week\n", 3, "published: 'last week' is not a date this reads"),
        ("title: T\nurl: news.example.org/a\n", 3, "url: must be an http:// or https:// URL"),
        ("title: T\nautor: Jane\n", 3, "front matter: unknown key(s) 'autor', left out; the keys read are title, url, published (or date)"),
        ("title: [unclosed\n", 2, "not valid YAML"),  # where the list opened, not the line after it
        # A placeholder year passed, and the run then ended in an OverflowError counting days from it.
        ("title: T\npublished: 9999-12-31\n", 3, "published: the year 9999 is no year of publication; a date here falls in 1800-2100"),
        ("title: T\ndate: 0001-01-01T00:00:00Z\n", 3, "published: the year 1 is no year of publication"),
    ],
)
def test_bad_front_matter_is_a_problem_with_its_line(tmp_path: Path, front: str, line: int, message: str) -> None:
    """A key or value it cannot take costs its line and the document is read without it (it was dropped
    whole); front matter that is not YAML at all drops the document."""
    write(tmp_path / "bad.txt", f"---\n{front}---\nBody.\n")
    write(tmp_path / "good.txt", "Good\n\nText.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.id for d in docs] == (["good"] if "YAML" in message else ["bad", "good"])
    (problem,) = problems
    assert problem.file == str(tmp_path / "bad.txt") and problem.line == line and message in problem.message
    if "YAML" not in message:
        assert docs[0].title == "T" and docs[0].url is None and docs[0].published is None


def test_front_matter_dates_as_feeds_write_them(tmp_path: Path) -> None:
    # Front matter read only ISO 8601; a date as a feed or a CMS writes it was refused, the document undated.
    for name, written in [("a", "date: December 5, 2026"), ("b", "published: Sat, 05 Dec 2026 10:00:00 GMT"), ("c", "date: 20261205")]:
        write(tmp_path / f"{name}.md", f"---\ntitle: T\n{written}\n---\nOfficials of {name} said 41 people died.\n")
    write(tmp_path / "d.md", "---\ntitle: T\ndate: 12/05/2026\n---\nOfficials said 41 people died.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.published for d in docs] == ["2026-12-05", "2026-12-05", "2026-12-05", None]
    (problem,) = problems
    assert problem.file.endswith("d.md") and problem.line == 3 and "'12/05/2026' is not a date this reads; a date reads as ISO 8601" in problem.message


@pytest.mark.parametrize("published", ["9999-12-31", "0001-01-01", "0001-01-03"])
@pytest.mark.parametrize("engine", ["front matter", "toml", "model"])
def test_a_date_at_the_ends_of_the_calendar_never_stops_the_run(tmp_path: Path, published: str, engine: str) -> None:
    """'last month' of 0001-01-03, 'this week' of 9999-12-31, a search window around either: each a traceback
    and no report once. Front matter refuses such a year; a document that still carries one (made in code,
    or by an older cache) has its times left unresolved and no search window."""
    from factflow.config import ClaimsConfig, SourcesConfig, load_config
    from factflow.pipeline import run_pipeline
    from tests.conftest import CONFIG

    body = "Headline\n\nThe unemployment rate rose to 7.5 percent last month, officials said on Monday this week.\n"
    if engine == "model":  # a document dated so in code: its times unresolved, no search window
        from factflow.claims import extract_claims, merge_claims
        from factflow.claims.anatomy import find_times
        from factflow.ingest.parse import parse_document
        from factflow.sources.catalog import template_fields

        times = find_times("Prices rose last month, this week, this year and on Monday.", published)
        assert len(times) == 4
        doc = dataclasses.replace(parse_document("d", "d.txt", body, IngestConfig(), "0" * 64), published=published)
        (claim,) = merge_claims([extract_claims(doc, ClaimsConfig())], ClaimsConfig())
        fields = template_fields(claim, doc, SourcesConfig())  # type: ignore[arg-type]
        assert fields["query"] and fields["date_from"] == ""
        return
    seeds = tmp_path / "seeds"
    fence = "+++" if engine == "toml" else "---"
    key = f"date = {published}" if engine == "toml" else f"published: {published}"
    write(seeds / "a.md", f"{fence}\n{key}\n{fence}\n{body}")
    result = run_pipeline(load_config(CONFIG), seeds, tmp_path / "out")
    assert [p.line for p in result.report.problems] == [2] and result.report.summary.claims == 1


def test_front_matter_as_site_generators_write_it(tmp_path: Path) -> None:
    """Jekyll's and Hugo's posts: a Jekyll post (layout, categories, tags, author, date) was dropped whole for its
    'unknown keys', and Hugo's TOML front matter read as text (the title '+++')."""
    write(tmp_path / "jekyll.md", "---\nlayout: post\ntitle: \"Floods kill 41\"\ndate: 2024-01-06 10:00:00 +0000\n"
          "categories: news\ntags: [floods, weather]\nauthor: Jane Doe\npublished: true\n---\n\nOfficials said 41 people died.\n")
    write(tmp_path / "hugo.md", '+++\ntitle = "Floods kill 40"\ndate = 2024-01-05T10:00:00Z\ndraft = false\n'
          'authors = ["Jane Doe", "John Roe"]\nsource = "Example News"\n+++\n\nOfficials said 40 people died.\n')
    write(tmp_path / "typo.md", '+++\ntitle = "T"\n\npublsihed = "2024-01-05"\n+++\nBody.\n')
    write(tmp_path / "broken.md", '+++\ntitle = "T\n+++\nBody.\n')
    docs, problems = load_documents(tmp_path, IngestConfig())
    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == ["hugo", "jekyll", "typo"]
    jekyll, hugo = by_id["jekyll"], by_id["hugo"]
    assert (jekyll.title, jekyll.published, jekyll.byline) == ("Floods kill 41", "2024-01-06T10:00:00+00:00", "Jane Doe")
    assert jekyll.text[jekyll.body_start:].strip() == "Officials said 41 people died."
    assert (hugo.title, hugo.published, hugo.byline, hugo.outlet) == ("Floods kill 40", "2024-01-05T10:00:00+00:00", "Jane Doe, John Roe", "Example News")
    assert "+++" not in hugo.text
    assert [(Path(p.file).name, p.line, p.message.split(";")[0]) for p in problems] == [
        ("broken.md", 2, "front matter is not TOML: Illegal character '\\n' (at line 2, column 11)"),
        ("typo.md", 4, "front matter: unknown key(s) 'publsihed', left out"),
    ]


def test_unclosed_front_matter_is_a_problem(tmp_path: Path) -> None:
    write(tmp_path / "open.txt", "---\ntitle: T\nBody.\n")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert docs == [] and problems[0].line == 1 and "never closed" in problems[0].message


def test_a_fetched_article_feeds_the_wayback_and_news_window_links(api_server: HTTPServer, tmp_path: Path) -> None:
    api_server.expect_request("/2015/09/14/latakia").respond_with_data(ARTICLE_HTML, content_type="text/html")
    url = api_server.url_for("/2015/09/14/latakia")
    seeds = tmp_path / "seeds"
    write(seeds / "urls.txt", url + "\n")
    out = tmp_path / "out"
    loaded = online_config(api_server, out)
    data = loaded.config.model_dump()
    data["sources"]["catalog"] = [s for s in data["sources"]["catalog"] if s["api"] is None]  # links only: nothing to resolve
    loaded = loaded.model_copy(update={"config": type(loaded.config).model_validate(data)})
    result = run_pipeline(loaded, seeds, out)
    assert result.report.summary.documents == 1 and result.report.summary.claims > 0
    for claim in result.report.claims:
        ids = {s.id: s for s in claim.sources}
        # A 2015 article lies before GDELT's 90 days: the news window goes to the dated search instead.
        assert "gdelt" not in ids
        assert "after%3A2015-09-07%20before%3A2015-09-21" in ids["news-search"].url
        assert "reliefweb" in ids  # a claim about troops and rebels is a conflict claim
    assert len(api_server.log) == 1


@pytest.mark.parametrize("page", ["", "<html></html>", "<html><body><div></div></body></html>"])
def test_a_page_with_no_article_is_one_problem_and_no_library_log_lines(tmp_path: Path, page: str) -> None:
    """trafilatura logs ERROR and WARNING lines of its own about such a page ("lxml parsing failed:
    Document is empty"); under the Prefect engine, whose console handler sits on the root logger,
    they reached the user beside the problem line. They stay with the library now."""
    shown: list[logging.LogRecord] = []

    class Console(logging.Handler):  # as Prefect's console handler: on the root logger, warnings and up
        def emit(self, record: logging.LogRecord) -> None:
            shown.append(record)

    write(tmp_path / "seeds" / "page.html", page)
    root = logging.getLogger()
    console = Console(logging.WARNING)
    root.addHandler(console)
    try:
        documents, problems = load_documents(tmp_path / "seeds", IngestConfig())
    finally:
        root.removeHandler(console)
    assert documents == [] and [p.message for p in problems] == ["no article text found in the HTML page"]
    assert [f"{r.name}: {r.getMessage()}" for r in shown] == []


def test_front_matter_numbers_tables_and_nesting(tmp_path: Path) -> None:
    """'title: 1984' is a number to YAML and TOML (the title was refused); a TOML table's problem names its line;
    TOML nested past what the reader takes is one problem naming the front matter, not 'RecursionError'."""
    write(tmp_path / "orwell.md", "---\ntitle: 1984\noutlet: 2600\n---\nBody text here.\n")
    write(tmp_path / "table.md", '+++\ntitle = "T"\n[author]\nname = "Jane"\n+++\nOther body text.\n')
    write(tmp_path / "deep.md", "+++\na = " + "[" * 100_000 + "]" * 100_000 + '\ntitle = "T"\n+++\nBody.\n')
    docs, problems = load_documents(tmp_path, IngestConfig())
    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == ["orwell", "table"] and (by_id["orwell"].title, by_id["orwell"].outlet) == ("1984", "2600")
    assert [(Path(p.file).name, p.line, p.message.split(";")[0]) for p in problems] == [
        ("deep.md", 2, "front matter is nested too deeply to read"),
        ("table.md", 3, "front matter: author: Input should be a valid string"),
    ]


def test_a_url_list_takes_urls_as_people_paste_them(tmp_path: Path) -> None:
    """An autolink, a Markdown link and a URL with a comment after it were each 'not an http:// or https:// URL'."""
    from factflow.ingest import read_url_list

    path = write(tmp_path / "urls.txt", "\ufeffhttps://news.example.org/a\n# a comment\n<https://news.example.org/b>\n"
                 "  https://news.example.org/c#part   # the third\n[The fourth](https://news.example.org/d?x=1)\n"
                 "news.example.org/e\n")
    urls, problems = read_url_list(path)
    assert [(u.url, u.line) for u in urls] == [("https://news.example.org/a", 1), ("https://news.example.org/b", 3),
                                              ("https://news.example.org/c", 4), ("https://news.example.org/d?x=1", 5)]
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [(6, "'news.example.org/e' is refused: must be an http:// or https:// URL with a host, such as https://example.org/page")]


def test_a_url_list_names_each_page_once_without_its_tracking_or_the_sentence_around_it(tmp_path: Path) -> None:
    """The same article pasted from a newsletter, a post and a search result ('?utm_source=...', '#comments') was
    fetched as separate documents with the tracking kept in its URL; 'https://.../i,' fetched '/i,'; a title after
    the URL, a list's bullet or number before it were refused ('may not hold whitespace')."""
    from factflow.ingest import read_url_list

    path = write(tmp_path / "urls.txt", "https://news.example.org/visit?utm_source=twitter&utm_medium=social\n"
                 "https://news.example.org/visit?utm_source=newsletter#comments\n- https://news.example.org/visit\n"
                 "https://news.example.org/story?id=3&fbclid=XyZ\tTrump to meet Turnbull\n"
                 "1. https://news.example.org/other, and more\n(https://news.example.org/paren)\n"
                 "https://en.wikipedia.org/wiki/Foo_(bar).\nhttps://app.example.org/#!/article/7\n")
    urls, problems = read_url_list(path)
    assert problems == []
    assert [(u.url, u.line) for u in urls] == [
        ("https://news.example.org/visit", 1), ("https://news.example.org/story?id=3", 4), ("https://news.example.org/other", 5),
        ("https://news.example.org/paren", 6), ("https://en.wikipedia.org/wiki/Foo_(bar)", 7), ("https://app.example.org/#!/article/7", 8)]


@pytest.mark.parametrize("written", ["1.10", "007", "1e3", ".nan", "1e999", "1984", "3.0"])
def test_a_front_matter_title_that_reads_as_a_number_is_the_text_written(tmp_path: Path, written: str) -> None:
    """'title: 1.10' became the title '1.1', '007' became '7', '1e999' became 'inf'."""
    write(tmp_path / "a.md", f"---\ntitle: {written}\noutlet: {written}\n---\nOfficials said 41 people died on Monday.\n")
    (doc,), problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and (doc.title, doc.outlet) == (written, written)


def test_a_refused_url_in_the_list_says_why() -> None:
    """Every refused URL was 'not an http:// or https:// URL', an https URL with a password or a bad port too."""
    import tempfile

    from factflow.ingest.web import read_url_list

    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "urls.txt", "https://editor:pw@a.example/x\nhttps://a.example:99999/\nhttps://a.example/ok\n")
        urls, problems = read_url_list(path)
    assert [u.url for u in urls] == ["https://a.example/ok"]
    assert [(p.line, p.message) for p in problems] == [
        (1, "'https://editor:pw@a.example/x' is refused: a link may not hold a user name or password before its host "
            "('user:password@'); give the page's own address"),
        (2, "'https://a.example:99999/' is refused: not a valid URL (Port out of range 0-65535)")]


def test_a_url_line_of_a_million_closing_brackets_is_read_in_linear_time(tmp_path: Path) -> None:
    """Trailing ')' were taken off one at a time, counting every bracket again each time: hours for such a line."""
    from factflow.ingest import read_url_list
    from tests.test_bad_input import deadline

    path = write(tmp_path / "urls.txt", "https://news.example.org/a" + ")" * 1_000_000 + "\nhttps://news.example.org/b\n")
    with deadline(20):
        urls, problems = read_url_list(path)
    assert [u.url for u in urls] == ["https://news.example.org/a", "https://news.example.org/b"] and problems == []
