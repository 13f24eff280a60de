"""Exports of hostile text: only http(s) URLs become links, and everything else is escaped for its format.

Claim texts, titles, rationales, problem messages and URLs are generated (hypothesis), put into a
real report, and the HTML summary, the Markdown summary (rendered by a CommonMark parser with
raw HTML enabled, as sites render README files) and the ClaimReview JSON are checked.
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from factflow.config import load_config
from factflow.export import load_report
from factflow.export.claimreview import claim_reviews, to_json
from factflow.export.summary import render
from factflow.models import Consensus, Report, VerdictRecord, check_link
from factflow.pipeline import run_pipeline
from tests.conftest import CONFIG, write

HOSTILE_TEXT = st.one_of(
    st.sampled_from(["</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
                     "![i](javascript:alert(1))", "<javascript:alert(1)>", "`code` | cell | *em* __b__ ~~s~~", "&lt;b&gt; &#106;",
                     "\u2028line\u2029sep", "a\nb\r\nc", "[a]: javascript:alert(1)"]),
    st.text(alphabet=st.sampled_from("<>&\"'`[]()!*_|~\\:/ javscrip\n#-"), max_size=40),
    st.text(max_size=40),
)
HOSTILE_URLS = st.one_of(
    st.sampled_from(["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "data:text/html,<script>", "https://a.example/x\n",
                     "https://a.example/x) [x](javascript:alert(1)", "https://a.example/x)[x](javascript:alert(1))", "https://a.example/\"><script>",
                     "https://a.example/x'onmouseover='alert(1)", "vbscript:x", "//a.example/x", "https://a.example/ok(1)", "http://a.example/ok"]),
    st.text(alphabet=st.sampled_from("htps:/jav<>\"' ()[]\n.ex"), max_size=30),
)


@pytest.fixture(scope="module")
def base_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    tmp = tmp_path_factory.mktemp("escaping")
    write(tmp / "seeds" / "a.txt", "Bridge costs\n\nThe city spent $3.2 million on the new bridge in 2019, officials said.\n")
    run_pipeline(load_config(CONFIG), tmp / "seeds", tmp / "out")
    return load_report(tmp / "out" / "reports" / "verdicts.yaml")


def hostile_report(report: Report, text: str, url: str) -> Report:
    claim = report.claims[0]
    source = dataclasses.replace(claim.sources[0], url=url, title=text)
    verdict = VerdictRecord(reviewer="reviewer-1", rating="true", rationale=text, evidence=[url, "https://ok.example/e"], file=text)
    claim = claim.model_copy(update={"text": text or "x", "sources": [source, *claim.sources[1:]], "verdicts": [verdict],
                                     "consensus": Consensus(status="agreed", rating="true")})
    document = report.documents[0].model_copy(update={"title": text, "url": url, "outlet": text})
    problem = report.problems[0].model_copy(update={"file": text, "message": text}) if report.problems else None
    from factflow.models import Problem

    # What a hand-edited report or a config controls beyond claims: reviewer names, type and status keys, the run's time.
    reviewers = [r.model_copy(update={"name": text}) for r in report.summary.reviewers]
    summary = report.summary.model_copy(update={"reviewers": reviewers, "by_type": {**report.summary.by_type, text: 1},
                                                "by_consensus": {**report.summary.by_consensus, text: 1}})
    return report.model_copy(update={"claims": [claim], "documents": [document], "summary": summary, "generated_at": text,
                                     "schema_version": text, "problems": [problem or Problem(file=text, line=1, message=text)]})


class Links(HTMLParser):
    """Every link target and every element a rendered page holds."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.targets += [value or "" for name, value in attrs if name in ("href", "src")]


def parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def assert_only_web_links(links: Links) -> None:
    for target in links.targets:
        assert check_link(target) == target, target


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=HOSTILE_TEXT, url=HOSTILE_URLS)
def test_summaries_link_only_web_urls_and_escape_everything_else(base_report: Report, text: str, url: str) -> None:
    report = hostile_report(base_report, text, url)
    html, _ = render(report, "html")
    page = parsed(html)
    assert_only_web_links(page)
    # The page's own two script elements (the claims as JSON, the code that shows them) and no other.
    assert page.tags.count("script") == 2 and "img" not in page.tags
    data = html.split('<script type="application/json" id="claims-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in data and ">" not in data  # nothing in the data can end the element
    rows = json.loads(data)["claims"]
    for row in rows:
        # The script makes a link of a URL only when it is there; the data holds only URLs that pass the rule.
        assert all(url is None or check_link(url) == url for _, url in row["links"])
    assert [row["text"] for row in rows] == [c.text for c in report.claims]
    markdown, _ = render(report, "markdown")
    shown = parsed(MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown))
    assert_only_web_links(shown)
    assert set(shown.tags) <= {"h1", "h2", "p", "table", "thead", "tbody", "tr", "th", "td", "a", "br", "code", "strong", "ul", "li"}, shown.tags
    assert len([t for t in shown.tags if t == "br"]) == len(report.claims)  # the template's own <br> only


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=HOSTILE_TEXT, url=HOSTILE_URLS)
def test_claimreview_json_embeds_safely_and_links_only_web_urls(base_report: Report, text: str, url: str) -> None:
    reviews = claim_reviews(hostile_report(base_report, text, url), "Desk", "https://desk.example/checks")
    out = to_json(reviews)
    assert "<" not in out and ">" not in out and "\u2028" not in out
    assert json.loads(out) == reviews
    for review in reviews:
        for appearance in review.get("itemReviewed", {}).get("appearance", []):
            assert check_link(appearance["url"]) == appearance["url"]


@pytest.mark.parametrize("url", ["https://a.example/x\n", "https://a.example/x) [x](javascript:alert(1)", "javascript:alert(1)",
                                 "https://a.example/\u202e", "https://a.example/a b", "https://a.example/\x7f",
                                 "https://news.example@evil.example/x", "https://a.example:99999/x", "https://a.example:0/x"])
def test_evidence_urls_with_whitespace_controls_or_other_schemes_are_refused(tmp_path: Path, url: str) -> None:
    from factflow.errors import VerdictError
    from factflow.review.files import load_verdict

    cfg = load_config(CONFIG).config.review
    path = tmp_path / "review/verdicts/reviewer-1/c-0123456789ab.yaml"
    text = f"claim: c-0123456789ab\nreviewer: reviewer-1\nrating: 'true'\nrationale: x\nevidence: [{json.dumps(url)}]\n"
    with pytest.raises(VerdictError, match=r"evidence\[0\]"):
        load_verdict(path, tmp_path, {"c-0123456789ab"}, cfg, text=text)


def test_the_markdown_summary_shows_control_characters_as_escapes(base_report: Report) -> None:
    """It goes to the terminal by default ('factflow report --format markdown'): an ESC from an article
    ('\\x1bc' resets the terminal) went there raw."""
    report = hostile_report(base_report, "reset \x1bc title \x1b]0;t\x07 csi \x9b31m \u202eevil", "https://a.example/x")
    markdown, _ = render(report, "markdown")
    assert not [ch for ch in markdown if (unicodedata.category(ch) == "Cc" and ch != "\n") or ch == "\u202e"]
    assert "reset \\x1bc title" in markdown
