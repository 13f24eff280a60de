"""The ``sources`` section of the config: the catalog of reference sources (URL templates and what
they apply to), the source APIs and their settings."""

from __future__ import annotations

import re
import string
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from factflow.config.fields import (
    GDELT_COVERS_DAYS,
    TEMPLATE_FIELDS,
    ClaimType,
    EntityKind,
    Regexes,
    Slug,
    SourceKind,
    Strict,
    check_registered,
    check_unique,
)


def _check_template(url: str) -> str:
    if not re.match(r"^https?://[^/\s{}]+", url):
        raise ValueError("must be an http:// or https:// URL with a literal host")
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(url) if name is not None]
    except ValueError as exc:
        raise ValueError(f"is not a valid template: {exc}") from exc
    # A format spec or conversion ({query:>999999999}, {query!r}) would pad, quote or repeat the value: a
    # placeholder is its name alone, so a filled link is the URL-encoded value and nothing more.
    formatted = [f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
                 for name, spec, conversion in fields if spec or conversion]
    if formatted:
        raise ValueError(f"placeholder(s) {', '.join(formatted)} carry a format or a conversion; "
                         "write each placeholder as its name alone, such as {query}")
    names = {name for name, _, _ in fields}
    unknown = names - set(TEMPLATE_FIELDS)
    if unknown:
        raise ValueError(
            f"uses unknown placeholder(s) {', '.join(sorted(unknown))}; allowed: "
            + ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
        )
    return url


def _check_base_url(url: str) -> str:
    if not re.match(r"^https?://[^/\s]+$", url.rstrip("/")):
        raise ValueError("must be an http:// or https:// URL of a host, without a path (e.g. https://en.wikipedia.org)")
    return url.rstrip("/")


class SourceTemplate(Strict):
    """One reference source: where a reviewer can start checking a claim."""

    id: Slug
    name: str = Field(min_length=1, description="Shown to reviewers, e.g. 'Wikipedia'.")
    kind: SourceKind = Field(description="What sort of source this is.")
    url: str = Field(
        description=(
            "URL template; placeholders are filled from the claim's anatomy and its document, URL-encoded: {query} (the claim's "
            "named entities, figures and up to two content words; no verbs), {phrase} (its first three terms), {topic} (names and "
            "content words, no figures), {entity} (one link per named entity, up to sources.max_entities, most salient first), "
            "{entities} (those names together), {figures} (the quantities it states), {speaker} (whom it is attributed to, when "
            "named), {quote} (the quoted words), {document_url}, {published}, {date_from}, {date_to} (YYYY-MM-DD), "
            "{datetime_from}, {datetime_to} (YYYYMMDDhhmmss)."
        )
    )
    dated_url: str | None = Field(
        default=None,
        description="Template used instead of url when the document's publication date is known (for a date window around it).",
    )
    applies_to: list[ClaimType] = Field(
        default=[], description="Claim types this source suits; empty means every type."
    )
    entity_kinds: list[EntityKind] = Field(
        default=[], description="When set, the source applies only to claims naming an entity of one of these kinds (person, place, ...)."
    )
    keywords: Regexes = Field(
        default=[],
        description="Case-insensitive regular expressions; when set, the source applies only to claims whose text or context matches one (topic sources).",
    )
    requires: list[Literal["entity", "document_url", "published", "speaker", "figures"]] = Field(
        default=[], description="Fields the claim must have for this source to apply."
    )
    covers_days: int | None = Field(
        default=None, ge=1, le=36_500,
        description=(
            "The archive searches only the last N days before the run (GDELT's DOC 2.0 API: a rolling 3 months). A claim "
            "whose news window starts earlier gets no link from this entry; an entry whose fallback_for names it links instead."
        ),
    )
    fallback_for: Slug | None = Field(
        default=None,
        description=(
            "The id of an entry with covers_days: this entry applies only to dated claims that archive does not cover "
            "(a dated search that reaches back)."
        ),
    )
    api: str | None = Field(
        default=None,
        description=(
            "The API (under sources.apis) that resolves this source when the run is online, by its registered name "
            "(factflow/sources/registry.py lists them; an unknown name is an error that names them); null: a plain link."
        ),
    )

    @field_validator("api")
    @classmethod
    def _registered_api(cls, name: str | None) -> str | None:
        # Imported here, not at the top: the sources package imports this module.
        from factflow.sources import registry

        if name is not None:
            check_registered(registry.get, name)
        return name

    @field_validator("url")
    @classmethod
    def _template(cls, url: str) -> str:
        return _check_template(url)

    @field_validator("dated_url")
    @classmethod
    def _dated_template(cls, url: str | None) -> str | None:
        return None if url is None else _check_template(url)


_CONFLICT_WORDS = [
    r"\b(?:war|wars|warfare|conflict|fighting|battle|offensive|airstrikes?|air ?strikes?|bomb(?:s|ing|ed)?|shell(?:ing|ed)|troops|soldiers|militar(?:y|ies)|militias?|rebels?|insurgen(?:ts?|cy)|forces|army|ceasefire|truce|siege|killed|casualt(?:y|ies)|wounded)\b",
    r"\b(?:refugees?|displaced|displacement|asylum|humanitarian|famine|hunger|starvation|aid|relief|evacuat(?:e|ed|ion)|cholera|epidemic|earthquake|flood(?:s|ing)?|drought|disaster|shelters?|civilians?)\b",
]

def default_catalog() -> list[SourceTemplate]:
    """The catalog used when the config names none.

    Built when a config is made, not when this module is imported: each ``api`` is checked against
    the source-API registry, which lives in the sources package, and that package imports this module.
    """
    return [
        SourceTemplate(
            id="undata", name="UNdata (UN Statistics Division)", kind="statistics",
            url="https://data.un.org/Search.aspx?q={topic}", applies_to=["statistic"],
        ),
        SourceTemplate(
            id="worldbank", name="World Bank Open Data", kind="statistics",
            url="https://data.worldbank.org/search?q={topic}", applies_to=["statistic"],
        ),
        SourceTemplate(
            id="wikiquote", name="Wikiquote (statements attributed to the speaker)", kind="archive",
            url="https://en.wikiquote.org/w/index.php?search={speaker}&ns0=1", applies_to=["quote"],
        ),
        SourceTemplate(
            id="quote-search", name="Web search for the speaker and the quote", kind="archive",
            url="https://duckduckgo.com/?q={speaker}%20{quote}", applies_to=["quote"],
        ),
        SourceTemplate(
            id="google-factcheck", name="Google Fact Check Explorer", kind="fact-check",
            url="https://toolbox.google.com/factcheck/explorer/search/{query};hl=en", api="factchecktools",
        ),
        SourceTemplate(
            id="wikipedia", name="Wikipedia", kind="encyclopedia",
            url="https://en.wikipedia.org/w/index.php?search={entity}&ns0=1", api="wikipedia",
        ),
        SourceTemplate(
            id="wikidata", name="Wikidata", kind="knowledge-base",
            url="https://www.wikidata.org/w/index.php?search={entity}", api="wikidata",
        ),
        SourceTemplate(
            id="gdelt", name="GDELT news archive", kind="news-archive",
            url="https://api.gdeltproject.org/api/v2/doc/doc?query={phrase}&mode=artlist&format=html&sort=datedesc",
            dated_url=(
                "https://api.gdeltproject.org/api/v2/doc/doc?query={phrase}&mode=artlist&format=html&sort=datedesc"
                "&startdatetime={datetime_from}&enddatetime={datetime_to}"
            ),
            covers_days=GDELT_COVERS_DAYS,
        ),
        SourceTemplate(
            id="news-search", name="Google News, dated search", kind="news-archive",
            url="https://www.google.com/search?tbm=nws&q={query}%20after%3A{date_from}%20before%3A{date_to}",
            fallback_for="gdelt",
        ),
        SourceTemplate(
            id="wayback", name="Wayback Machine copy of the article", kind="archive",
            url="https://web.archive.org/web/*/{document_url}", requires=["document_url"], api="wayback",
        ),
        SourceTemplate(
            id="reliefweb", name="ReliefWeb (conflict and humanitarian reports)", kind="topic",
            url="https://reliefweb.int/updates?search={query}", keywords=_CONFLICT_WORDS,
        ),
    ]


class ApiConfig(Strict):
    """Where one public API lives (a test points it at a server on 127.0.0.1)."""

    base_url: Annotated[str, AfterValidator(_check_base_url)] = Field(description="Scheme and host of the API, no path.")


class FactCheckApiConfig(ApiConfig):
    """Google Fact Check Tools: needs an API key, read from the environment, never written anywhere."""

    api_key_env: str = Field(
        default="FACTCHECK_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable holding the API key; without it, existing fact-checks are not looked up.",
    )
    language_code: str = Field(default="en", description="BCP-47 language of the fact-checks to find.")
    page_size: int = Field(default=5, ge=1, le=50, description="Existing fact-checks fetched per claim.")


class ApisConfig(Strict):
    """The public APIs used to resolve sources when the run is online."""

    wikipedia: ApiConfig = Field(default=ApiConfig(base_url="https://en.wikipedia.org"), description="MediaWiki search and the REST page summary.")
    wikidata: ApiConfig = Field(default=ApiConfig(base_url="https://www.wikidata.org"), description="wbsearchentities and wbgetentities.")
    wayback: ApiConfig = Field(default=ApiConfig(base_url="https://archive.org"), description="The Wayback Machine availability API.")
    factchecktools: FactCheckApiConfig = Field(
        default=FactCheckApiConfig(base_url="https://factchecktools.googleapis.com"), description="Google Fact Check Tools claims:search."
    )


class SourcesConfig(Strict):
    """Reference sources linked to every verification task."""

    catalog: list[SourceTemplate] = Field(
        default_factory=default_catalog, min_length=1, description="The source catalog, in the order tasks list them."
    )
    max_terms: int = Field(default=6, ge=1, le=20, description="Key terms taken from a claim (its search terms when it names nothing and states no figure).")
    max_entities: int = Field(
        default=3, ge=1, le=10, description="Named entities that get their own links ({entity}: Wikipedia, Wikidata), most salient first."
    )
    news_window_days: int = Field(
        default=7, ge=0, le=365, description="Days either side of the document's publication date searched in the news archive."
    )
    online: bool = Field(default=False, description="Resolve sources over HTTP (same as `factflow run --online`); offline runs only build links.")
    apis: ApisConfig = Field(default_factory=ApisConfig, description="Base URLs (and the key variable) of the APIs used online.")
    passages: int = Field(
        default=3, ge=0, le=10,
        description="Evidence passages per claim, online: the sentences of the Wikipedia articles on its entities most "
        "similar to it (0: none looked up).",
    )
    passage_chars: int = Field(
        default=30_000, ge=1_000, le=200_000,
        description="Characters of each Wikipedia article read for evidence passages (its beginning); bounds the text fetched "
        "and encoded per article.",
    )
    match_threshold: float = Field(
        default=0.70, ge=0.3, le=1.0,
        description="Similarity (cosine of the sentence encoder, 0-1) at which a new claim counts as one already checked "
        "by the desk or an imported ClaimReview; a claim stating different figures never does. 0.70 was chosen on the "
        "development pairs of bench/matching.py: precision 0.92, recall 0.97 of 'same claim'.",
    )

    @field_validator("catalog")
    @classmethod
    def _unique(cls, catalog: list[SourceTemplate]) -> list[SourceTemplate]:
        check_unique([s.id for s in catalog], "source id")
        covering = {s.id for s in catalog if s.covers_days is not None}
        for s in catalog:
            if s.fallback_for is not None and s.fallback_for not in covering:
                raise ValueError(
                    f"source {s.id!r}: fallback_for {s.fallback_for!r} must name an entry of this catalog with covers_days; "
                    f"entries with covers_days: {', '.join(sorted(covering)) or 'none'}"
                )
        return catalog
