"""schema.org ClaimReview JSON-LD for every claim with a consensus rating."""

from __future__ import annotations

import json
from typing import Any

from factflow.export import RATED
from factflow.models import ExportClaim, Report, ReportClaim, ReportExport, check_link


def to_json(reviews: list[dict[str, Any]]) -> str:
    """The reviews as JSON safe to embed in an HTML ``<script type="application/ld+json">``.

    ``<``, ``>`` and ``&`` (and the line separators JavaScript reads as line ends) are written as
    ``\\u`` escapes: a claim holding ``</script>`` cannot end the script element.
    """
    text = json.dumps(reviews, indent=2, ensure_ascii=False)
    for ch in "<>&\u2028\u2029":
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def _link(url: str | None) -> str | None:
    try:
        return check_link(url) if url else None
    except ValueError:
        return None  # only http(s) URLs reach a link


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v not in (None, [], {})}


def claim_reviews(report: Report | ReportExport, publisher: str, publisher_url: str) -> list[dict[str, Any]]:
    """One ClaimReview per claim whose consensus is agreed or adjudicated, in report order."""
    values = [level.rating_value for level in report.scale if level.rating_value is not None]
    best, worst = (max(values), min(values)) if values else (None, None)
    by_label = {level.label: level for level in report.scale}
    documents = {d.id: d for d in report.documents}
    return [_review(c, by_label, documents, best, worst, publisher, publisher_url)
            for c in report.claims if c.consensus.status in RATED and c.consensus.rating]


def _review(claim: ReportClaim | ExportClaim, by_label: dict, documents: dict, best: int | None, worst: int | None,
            publisher: str, publisher_url: str) -> dict[str, Any]:
    label = claim.consensus.rating or ""
    level = by_label.get(label)
    numeric = level is not None and level.rating_value is not None
    first = documents.get(claim.document)
    appearances = []
    for a in claim.appearances:
        doc = documents.get(a.document)
        url = _link(doc.url) if doc is not None else None
        if url and {"@type": "CreativeWork", "url": url} not in appearances:
            appearances.append({"@type": "CreativeWork", "url": url})
    outlet = first.outlet if first is not None else None
    return _drop_empty({
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{publisher_url.rstrip('/')}#{claim.id}",
        "claimReviewed": " ".join(claim.text.split()),
        # The day the consensus was reached, so a rerun does not re-date a review.
        "datePublished": claim.consensus.since[:10] if claim.consensus.since else None,
        "author": _drop_empty({"@type": "Organization", "name": publisher, "url": _link(publisher_url)}),
        # An off-scale label such as "unverifiable" has no number: it is published by name only.
        "reviewRating": _drop_empty({
            "@type": "Rating",
            "ratingValue": level.rating_value if numeric and level is not None else None,
            "bestRating": best if numeric else None,
            "worstRating": worst if numeric else None,
            "alternateName": level.name if level is not None else label,
        }),
        "itemReviewed": _drop_empty({
            "@type": "Claim",
            "author": {"@type": "Organization", "name": outlet} if outlet else None,
            "datePublished": first.published if first is not None else None,
            "appearance": appearances,
        }),
    })
