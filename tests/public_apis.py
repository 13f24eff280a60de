"""The public APIs' answers, in their real JSON shapes, served by a real HTTP server on 127.0.0.1.

Each answer copies the documented shape of the live API (MediaWiki action=query&list=search
and prop=extracts (TextExtracts' plain text) with formatversion=2, the REST v1 page summary, Wikidata wbsearchentities and wbgetentities,
the Wayback availability API, Fact Check Tools v1alpha1 claims:search), trimmed to a few
members but with every member factflow reads and several it ignores.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SECRET_KEY = "AIzaSy-test-secret-3f9c1d77e0b24a6b"

ARTICLES = {
    "Bashar al-Assad": {
        "pageid": 4591, "wikidata": "Q44329",
        "extract": "Bashar Hafez al-Assad is a Syrian former politician who was the 19th president of Syria from 2000 until 2024. He is the son of Hafez al-Assad.",
        # The article's plain text as TextExtracts gives it (explaintext, exsectionformat=wiki): headings
        # between "==", paragraphs on their own lines. One sentence restates the seed's Assad claim, one
        # is that sentence with other figures (the figure rule ranks it after those that agree).
        "text": (
            "Bashar Hafez al-Assad is a Syrian former politician who was the 19th president of Syria from 2000 until 2024. "
            "His father Hafez al-Assad ruled Syria for 29 years.\n\n\n== Early life ==\nAssad studied ophthalmology in London before he was "
            "called back to Damascus. He married Asma Akhras, a British-born investment banker.\n\n\n== Civil war ==\n"
            "By late 2015 Assad's government controlled only 25 to 30 percent of Syria, mainly Damascus and the coast. "
            "By late 2015 Assad's government controlled only 60 to 70 percent of Syria, mainly Damascus and the coast. "
            "The Alawite minority, to which Assad belongs, was the core of the regime's support on the Syrian coastline. "
            "That year rebel groups, the Nusra Front and the Islamic State inflicted a series of crushing defeats on Assad's army.\n"
        ),
    },
    "Latakia": {
        "pageid": 90227, "wikidata": "Q192214",
        "extract": "Latakia is the principal port city of Syria, as well as the capital of the Latakia Governorate located in the north-west of the country.",
        "text": (
            "Latakia is the principal port city of Syria, as well as the capital of the Latakia Governorate located in the "
            "north-west of the country.\n\n\n== History ==\nThe city was known in antiquity as Laodicea. In 2015 Russia "
            "deployed aircraft to the Hmeimim air base south-east of the city.\n"
        ),
    },
}
ENTITIES = {
    "Q44329": ("Bashar al-Assad", "President of Syria from 2000 to 2024"),
    "Q192214": ("Latakia", "city in Syria"),
    "Q159": ("Russia", "country in Eastern Europe and Northern Asia"),
    "Q801": ("Israel", "country in Western Asia"),
    "Q858": ("Syria", "country in Western Asia"),
}
ARCHIVED = {
    "https://news.example.org/2015/09/russia-syria": "20150915083000",
    "https://www.politifact.com/factchecks/2015/sep/20/assad-territory/": "20150921120000",
}


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json; charset=utf-8")


def mediawiki(request: Request) -> Response:
    """/w/api.php on both Wikipedia and Wikidata, dispatched on ``action`` as the real API does."""
    args = request.args
    action = args.get("action")
    if action == "query" and args.get("prop") == "extracts":
        pages = []
        for title in args.get("titles", "").split("|"):
            if title in ARTICLES:
                pages.append({"pageid": ARTICLES[title]["pageid"], "ns": 0, "title": title, "extract": ARTICLES[title]["text"]})
            else:
                pages.append({"ns": 0, "title": title, "missing": True})
        return _json({"batchcomplete": True, "query": {"pages": pages}})
    if action == "query" and args.get("list") == "search":
        query = args.get("srsearch", "").casefold()
        hits = [t for t in ARTICLES if any(word in query for word in t.casefold().replace("al-", "").split())]
        return _json({
            "batchcomplete": True,
            "continue": {"sroffset": 1, "continue": "-||"},
            "query": {
                "searchinfo": {"totalhits": len(hits)},
                "search": [
                    {"ns": 0, "title": t, "pageid": ARTICLES[t]["pageid"], "size": 182734, "wordcount": 17251,
                     "snippet": f"<span class=\"searchmatch\">{t}</span> ...", "timestamp": "2026-11-20T10:00:00Z"}
                    for t in hits[: int(args.get("srlimit", 10))]
                ],
            },
        })
    if action == "wbsearchentities":
        name = args.get("search", "").casefold()
        hits = [q for q, (label, _) in ENTITIES.items() if name and (name in label.casefold() or label.casefold() in name)]
        return _json({
            "searchinfo": {"search": args.get("search")},
            "search": [
                {"id": q, "title": q, "pageid": 42000 + i, "concepturi": f"http://www.wikidata.org/entity/{q}",
                 "repository": "wikidata", "url": f"//www.wikidata.org/wiki/{q}",
                 "display": {"label": {"value": ENTITIES[q][0], "language": "en"},
                             "description": {"value": ENTITIES[q][1], "language": "en"}},
                 "label": ENTITIES[q][0], "description": ENTITIES[q][1],
                 "match": {"type": "label", "language": "en", "text": ENTITIES[q][0]}}
                for i, q in enumerate(hits[: int(args.get("limit", 7))])
            ],
            "search-continue": 1,
            "success": 1,
        })
    if action == "wbgetentities":
        entities: dict[str, Any] = {}
        for q in args.get("ids", "").split("|"):
            if q in ENTITIES:
                label, description = ENTITIES[q]
                entities[q] = {
                    "type": "item", "id": q,
                    "labels": {"en": {"language": "en", "value": label}},
                    "descriptions": {"en": {"language": "en", "value": description}},
                }
            else:
                entities[q] = {"id": q, "missing": ""}
        return _json({"entities": entities, "success": 1})
    return _json({"error": {"code": "badvalue", "info": f"Unrecognized value for parameter \"action\": {action}."}}, 400)


def page_summary(request: Request) -> Response:
    """/api/rest_v1/page/summary/{title}."""
    title = request.path.rsplit("/", 1)[-1].replace("_", " ")
    if title not in ARTICLES:
        return _json({"type": "https://mediawiki.org/wiki/HyperSwitch/errors/not_found", "title": "Not found.", "method": "get"}, 404)
    page = ARTICLES[title]
    slug = title.replace(" ", "_")
    return _json({
        "type": "standard", "title": slug, "displaytitle": f"<span class=\"mw-page-title-main\">{title}</span>",
        "namespace": {"id": 0, "text": ""}, "wikibase_item": page["wikidata"],
        "titles": {"canonical": slug, "normalized": title, "display": title},
        "pageid": page["pageid"], "lang": "en", "dir": "ltr", "revision": "1257000000", "tid": "abc",
        "timestamp": "2026-11-20T10:00:00Z", "description": "Syrian politician",
        "description_source": "local",
        "content_urls": {
            "desktop": {"page": f"https://en.wikipedia.org/wiki/{slug}", "revisions": f"https://en.wikipedia.org/wiki/{slug}?action=history"},
            "mobile": {"page": f"https://en.m.wikipedia.org/wiki/{slug}", "revisions": f"https://en.m.wikipedia.org/wiki/Special:History/{slug}"},
        },
        "extract": page["extract"],
        "extract_html": f"<p>{page['extract']}</p>",
    })


def wayback(request: Request) -> Response:
    """/wayback/available?url=..."""
    url = request.args.get("url", "")
    stamp = ARCHIVED.get(url) or ("20240101000000" if "wikipedia.org/wiki/" in url else None)
    snapshots = {} if stamp is None else {
        "closest": {"status": "200", "available": True, "url": f"http://web.archive.org/web/{stamp}/{url}", "timestamp": stamp}
    }
    return _json({"url": url, "archived_snapshots": snapshots})


def claims_search(request: Request) -> Response:
    """/v1alpha1/claims:search: refuses a request without the key, as the real API does."""
    if request.headers.get("X-Goog-Api-Key") != SECRET_KEY:
        return _json({"error": {"code": 403, "message": "The request is missing a valid API key.", "status": "PERMISSION_DENIED"}}, 403)
    query = request.args.get("query", "")
    if "Assad" not in query:
        return _json({})
    return _json({
        "claims": [{
            "text": "Assad controls only a quarter of Syria",
            "claimant": "Israeli intelligence",
            "claimDate": "2015-09-10T00:00:00Z",
            "claimReview": [{
                "publisher": {"name": "PolitiFact", "site": "politifact.com"},
                "url": "https://www.politifact.com/factchecks/2015/sep/20/assad-territory/",
                "title": "How much of Syria does Assad control?",
                "reviewDate": "2015-09-20T00:00:00Z",
                "textualRating": "Mostly False",
                "languageCode": "en",
            }],
        }, {
            # A keyword hit on "Assad" about something else: re-ranking by similarity drops it.
            "text": "Photo shows Assad's wife shopping in Paris during the war",
            "claimant": "Facebook posts",
            "claimDate": "2013-03-02T00:00:00Z",
            "claimReview": [{
                "publisher": {"name": "AFP Fact Check", "site": "factcheck.afp.com"},
                "url": "https://factcheck.afp.com/photo-assad-wife-paris",
                "title": "No, this photo does not show Asma al-Assad shopping in Paris",
                "reviewDate": "2013-03-05T00:00:00Z",
                "textualRating": "False",
                "languageCode": "en",
            }],
        }],
        "nextPageToken": "CAE",
    })


def install(server: HTTPServer) -> None:
    """Serve every API on ``server``."""
    server.expect_request("/w/api.php").respond_with_handler(mediawiki)
    server.expect_request(re.compile(r"^/api/rest_v1/page/summary/")).respond_with_handler(page_summary)
    server.expect_request("/wayback/available").respond_with_handler(wayback)
    server.expect_request("/v1alpha1/claims:search").respond_with_handler(claims_search)

