"""Property-based: arbitrary Unicode text through ingest and claim extraction never breaks them."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factflow.claims import claim_id, extract_claims, merge_claims
from factflow.config import ClaimsConfig, IngestConfig
from factflow.errors import InputError
from factflow.ingest import decode, parse_text_document
from factflow.models import Document

INGEST = IngestConfig()
# The signals detector calls more sentences claims than the n-gram model, so more of the merge
# path is exercised; a low threshold does the same for the model.
CLAIMS = [ClaimsConfig(detector="signals", threshold=0.0), ClaimsConfig(threshold=0.05)]

# News-like pieces mixed with anything: hypothesis alone rarely writes "In 2015, Russia said 40% ...".
_PIECES = st.sampled_from([
    "The army said 1,200 troops arrived in Syria in 2015.", "“Quoted,” he said.", "Mr. A. Smith", "U.S.", "...", "…",
    "40%", "$3.5 billion", "---\n", "title: x\n", "\r\n", "\n\n", "\t", " ", "?", "!", "\u00a0", "\u200b", "\ufeff",
    "ﬁ", "Ⅻ", "İ", "ß", "é", "\u0301", "👍🏽", "\ud7ff", "Σ", "according to officials", "By Jane Doe\n",
])
TEXT = st.lists(st.one_of(st.text(max_size=40), _PIECES), max_size=30).map("".join)


def read(text: str, doc_id: str = "d") -> Document | None:
    """The document ingest makes of ``text``, or None when ingest refuses it with an InputError."""
    sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        return parse_text_document(doc_id, f"{doc_id}.txt", text, INGEST, sha)
    except InputError:
        return None  # empty text, unclosed or invalid front matter: a problem entry, by design


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXT, min_size=1, max_size=3), which=st.integers(0, len(CLAIMS) - 1))
def test_any_text_gives_claims_that_are_substrings_with_stable_ids(texts: list[str], which: int) -> None:
    cfg = CLAIMS[which]
    docs = [d for i, t in enumerate(texts) if (d := read(t, f"d{i}")) is not None]
    results = [extract_claims(d, cfg) for d in docs]
    again = [extract_claims(d, cfg) for d in docs]
    assert results == again
    by_id = {d.id: d for d in docs}
    for doc, result in zip(docs, results, strict=True):
        for s in result.sentences:
            assert doc.text[s.start:s.end] == s.text and s.text.strip() == s.text and s.text
    claims = merge_claims(results, cfg)
    assert claims == merge_claims(again, cfg)
    assert len({c.id for c in claims}) == len(claims)
    for claim in claims:
        assert claim.text in by_id[claim.document].text
        assert claim.id == claim_id(claim.text)
        for appearance in claim.appearances:
            assert appearance.document in by_id


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=200) | TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_decode_or_are_refused_as_binary(raw: bytes) -> None:
    try:
        text, encoding = decode(raw, Path("x.txt"))
    except InputError as exc:
        assert b"\x00" in raw and "binary file" in exc.message
        return
    assert encoding in {"utf-8", "utf-8-sig", "cp1252", "latin-1"}
    if encoding.startswith("utf-8"):  # valid UTF-8 is read as it is, never through a fallback
        try:
            raw.decode("utf-8-sig")
        except UnicodeDecodeError:  # a stray byte after UTF-8 text: that byte alone is a replacement character
            assert text == raw.decode("utf-8-sig", errors="replace")
        else:
            assert (b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b"") + text.encode("utf-8") == raw
    else:
        assert text.encode(encoding) == raw
    doc = read(text)
    # The title is the first line, or (where that line is no headline) its start cut with an ellipsis.
    assert doc is None or (doc.title and (doc.title in doc.text or doc.title.endswith("…") and doc.title[:-1] in doc.text))


MARKUP = st.sampled_from(["# ", "## ", "- ", "* ", "1. ", "> ", "**", "*", "_", "`", "```\n", "[a](http://x)", "![i](p.png)", "[r]: http://x\n",
                          "| a | b |\n|---|---|\n", "<div>", "&amp;", "\\", "\n", "\n\n", "    ", "===\n", "---\n", "]", "[", "(", ")"])


@settings(max_examples=300, deadline=None)
@given(source=st.lists(st.one_of(st.text(max_size=20), MARKUP), max_size=40).map("".join))
def test_markdown_text_keeps_every_line_where_it_was(source: str) -> None:
    from factflow.ingest.parse import markdown_text

    text = markdown_text(source)
    assert text.count("\n") == source.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    bare = re.sub(r"<[^<>]*>", "", source)  # an inline HTML tag goes, and the text around it closes up ("]<A>(")
    for line in text.split("\n"):  # what it keeps is the words of its line, never a line's markup added
        assert "](" not in line or "](" in bare
