"""Ingest: turn the seeds folder (text and HTML files, corpora, a URL list) into documents.

The modules, top to bottom; each imports only modules below it, so there is no cycle::

    files   the seeds folder: find its files, read each, gather corpora and fetched URLs (load_documents)
    corpus  many documents in one CSV or JSONL file
    web     the URL list, and fetching its articles safely over the shared HTTP layer (factflow.http)
    parse   one text or HTML page to one document: title, byline, body, front matter
    dates   publication dates as corpus rows and front matter write them
    nesting HTML nested deeper than the HTML parser reads, flattened so that its text is kept
"""

from factflow.ingest.corpus import discover_corpora, read_corpus
from factflow.ingest.files import discover, load_documents, read_document, unreadable_folders
from factflow.ingest.parse import (
    FrontMatter,
    decode,
    extract_article,
    parse_document,
    parse_text_document,
    split_front_matter,
)
from factflow.ingest.web import UrlLine, WebFetcher, fetch_urls, read_url_list

__all__ = [
    "FrontMatter",
    "UrlLine",
    "WebFetcher",
    "decode",
    "discover",
    "discover_corpora",
    "extract_article",
    "fetch_urls",
    "load_documents",
    "parse_document",
    "parse_text_document",
    "read_corpus",
    "read_document",
    "read_url_list",
    "split_front_matter",
    "unreadable_folders",
]
