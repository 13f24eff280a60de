"""Configuration models: every setting of factflow, validated strictly (unknown keys are errors).

``config/factflow.yaml`` is read with :func:`load_config`; every field below has a default,
so an empty file is a valid configuration, and every field is described for the README.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from factflow.errors import ConfigError, UnknownNameError
from factflow.layout import DEFAULT_HTTP_CACHE, DEFAULT_REPORT, OutputLayout
from factflow.yamlio import load_model, read_text

Slug = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$",
        description="lower-case letters, digits, '.', '_' or '-'; used in file names",
    ),
]

SourceKind = Literal[
    "encyclopedia", "knowledge-base", "fact-check", "news-archive", "archive", "statistics", "topic"
]
ClaimType = Literal[
    "statistic", "quantity", "event", "quote", "causal", "prediction", "opinion", "question", "other"
]
CLAIM_TYPES: tuple[str, ...] = ClaimType.__args__  # type: ignore[attr-defined]

def _check_regex(pattern: str) -> str:
    """A pattern compiled as the run uses it: alone (never joined to another pattern, whose groups and
    inline flags it could upset), case-insensitive."""
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{_short_pattern(pattern)} is not a valid regular expression: {exc}") from exc
    except OverflowError as exc:  # "a{99999999999}": a repetition count past what the engine holds
        raise ValueError(f"{_short_pattern(pattern)} is not a valid regular expression: {exc}; "
                         "a repetition count is at most 4,294,967,294") from exc
    except RecursionError as exc:  # "((((...": groups nested thousands deep
        raise ValueError(f"{_short_pattern(pattern)} is not a valid regular expression: groups nested too deeply "
                         "to compile; nest them a few levels at most") from exc
    from factflow.regexes import backtracking_risk  # here: the module is read only when a config has patterns

    try:
        risk = backtracking_risk(pattern)
    except RecursionError as exc:
        raise ValueError(f"{_short_pattern(pattern)}: groups nested too deeply to check; nest them a few levels at most") from exc
    if risk:
        raise ValueError(f"{_short_pattern(pattern)} {risk}")
    return pattern


def _short_pattern(pattern: str) -> str:
    return repr(pattern) if len(pattern) <= 80 else repr(pattern[:77] + "...")


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice; each must be unique")
        seen.add(value)


#: A list of regular expressions, each checked to compile (an error names the item's line).
Regexes = list[Annotated[str, AfterValidator(_check_regex)]]


def _check_globs(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        parts = Path(pattern).parts
        if not pattern.strip() or Path(pattern).is_absolute() or ".." in parts or "\x00" in pattern:
            raise ValueError(f"{pattern!r} must be a glob relative to the seeds folder, such as *.txt or news/*.md")
    return patterns


#: Glob patterns searched under the seeds folder: relative, never reaching outside it.
Globs = Annotated[list[str], AfterValidator(_check_globs)]

#: Fields a source URL template may use; each is URL-encoded before it is filled in.
TEMPLATE_FIELDS = (
    "query", "phrase", "topic", "entity", "entities", "figures", "speaker", "quote", "document_url",
    "published", "date_from", "date_to", "datetime_from", "datetime_to",
)
#: GDELT's DOC 2.0 API searches "a rolling window of the last 3 months" of news
#: (https://blog.gdeltproject.org/gdelt-doc-2-0-api-debuts/): the default archive entry's ``covers_days``.
GDELT_COVERS_DAYS = 90
#: Kinds of the entities claim extraction finds (``factflow.models.Entity.kind``).
EntityKind = Literal["person", "organisation", "place", "nationality", "date", "quantity", "other"]


def _check_registered(get: Callable[[str], object], name: str) -> None:
    """Look ``name`` up in a registry; an unknown one is the ValueError pydantic reports at its YAML line, listing the known names."""
    try:
        get(name)
    except UnknownNameError as exc:
        raise ValueError(exc.message) from None


def _relative_inside(path: str) -> str:
    """A path relative to the output folder that stays inside it (no absolute path, no ``..``, not the folder itself)."""
    p = Path(path)
    if p.is_absolute() or ".." in p.parts or not p.parts or "\x00" in path:
        raise ValueError("must be a relative path inside the output folder, such as reports/verdicts.yaml")
    return path


class Strict(BaseModel):
    """Base of all config models: unknown keys are errors, values are immutable, types are not coerced.

    Strict types: ``threshold: true`` is an error, not 1.0, and ``batch_size: "50"`` is an error,
    not 50 (a number is still accepted where a decimal is expected).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class CorpusColumns(Strict):
    """Which column (CSV) or key (JSONL) holds each field of a document; the defaults fit FakeNewsCorpus."""

    id: str = Field(default="id", min_length=1, description="The document id (required, unique).")
    text: str = Field(default="content", min_length=1, description="The article text (required).")
    title: str | None = Field(default="title", description="The headline; the first line of the text when absent or empty.")
    url: str | None = Field(default="url", description="Where the article was published.")
    outlet: str | None = Field(default="domain", description="The publication.")
    published: str | None = Field(default="scraped_at", description="A date or date-time (ISO 8601 at its start); only the date is kept.")


class CorpusConfig(Strict):
    """Corpus files in the seeds folder: one document per row (CSV) or per line (JSONL)."""

    patterns: Globs = Field(default=["*.csv", "*.jsonl"], description="Glob patterns of corpus files under the seeds folder.")
    columns: CorpusColumns = Field(default_factory=CorpusColumns, description="Where each document field is found.")


class IngestConfig(Strict):
    """Where documents come from and what counts as one."""

    patterns: Globs = Field(
        default=["*.txt", "*.md", "*.html", "*.htm"],
        min_length=1,
        description="Glob patterns (relative to the seeds folder, searched recursively) of documents to read; *.html pages go through article extraction.",
    )
    urls_file: str = Field(
        default="urls.txt",
        min_length=1,
        description="Name of the file under the seeds folder that lists article URLs to fetch, one a line ('#' starts a comment); it is not itself a document. Fetched only when the run is online.",
    )
    allow_loopback: bool = Field(
        default=False, description="Allow fetching URLs on loopback addresses (127.0.0.0/8, ::1); for tests and local mirrors."
    )
    allow_private: bool = Field(
        default=False, description="Allow fetching URLs on private and link-local addresses (10/8, 172.16/12, 192.168/16, 169.254/16, fc00::/7, fe80::/10)."
    )
    max_redirects: int = Field(default=5, ge=0, le=20, description="Redirects followed when fetching an article URL; each hop is checked like the first.")
    max_file_bytes: int = Field(
        default=5_000_000, ge=1, le=1_000_000_000, description="Files larger than this are skipped and reported as a problem."
    )
    byline_patterns: Regexes = Field(
        default=[
            r"^special to \S+",
            r"^by (?-i:[A-Z][\w.'’-]+(?: (?:and )?[A-Z][\w.'’-]+){0,4})(?:,.*)?$",
            r"^(?:staff|wire) report(?:s)?$",
            r"^posted (?:on|by) .{0,60}$",
        ],
        description="Case-insensitive regular expressions; a short line near the top that matches one is the byline (metadata, not text).",
    )
    corpus: CorpusConfig = Field(default_factory=lambda: CorpusConfig(), description="Corpus files: many documents in one CSV or JSONL file.")

    @field_validator("urls_file")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if "/" in name or "\\" in name or "\x00" in name or name in (".", ".."):
            raise ValueError(f"{name!r} must be a file name in the seeds folder, such as urls.txt (no folders)")
        return name


class ClaimsConfig(Strict):
    """How sentences become claims."""

    detector: str = Field(
        default="minilm",
        description=(
            "What scores sentences, by name: minilm (the default: a fine-tuned transformer, calibrated), ngram (the trained "
            "n-gram model alone, fastest), blend (the n-gram model with news-fitted signals) or signals (the interpretable "
            "signals alone). The names come from factflow/claims/registry.py."
        ),
    )

    @field_validator("detector")
    @classmethod
    def _registered(cls, name: str) -> str:
        # Imported here, not at the top: the claims package imports this module.
        from factflow.claims import registry

        _check_registered(registry.get, name)
        return name

    threshold: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="A checkable sentence scoring at or above this is a claim; null uses the detector's shipped threshold.",
    )
    context_sentences: int = Field(
        default=1, ge=0, le=5, description="Sentences of context shown before and after a claim in its task."
    )
    max_sentences_per_document: int = Field(
        default=5000, ge=1, le=10_000_000, description="Sentences beyond this in one document are not scored; the report says so."
    )
    max_sentence_chars: int = Field(
        default=3000, ge=100, le=10_000_000,
        description="A longer 'sentence' (a run of text with no sentence end, such as a table or a one-line dump) is not scored; the report says so.",
    )
    near_duplicate_similarity: float | None = Field(
        default=0.8, gt=0.0, le=1.0,
        description="Sentences whose word-bigram Jaccard similarity is at least this are one claim (null: exact repeats only).",
    )
    boilerplate_patterns: Regexes = Field(
        default=[],
        description="Extra case-insensitive regular expressions; a sentence matching one is boilerplate (added to the built-in list).",
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
            _check_registered(registry.get, name)
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
        _check_unique([s.id for s in catalog], "source id")
        covering = {s.id for s in catalog if s.covers_days is not None}
        for s in catalog:
            if s.fallback_for is not None and s.fallback_for not in covering:
                raise ValueError(
                    f"source {s.id!r}: fallback_for {s.fallback_for!r} must name an entry of this catalog with covers_days; "
                    f"entries with covers_days: {', '.join(sorted(covering)) or 'none'}"
                )
        return catalog


class HttpConfig(Strict):
    """The one HTTP layer (source resolution and URL ingest): politeness, retries, limits, cache."""

    user_agent: str = Field(
        default="factflow/0.1 (automated fact-check task pipeline)", min_length=1,
        description="User-Agent sent with every request; the contact is appended (Wikimedia requires a way to reach you).",
    )
    contact: str = Field(default="", description="An e-mail address or URL where API operators can reach you; set it before going online.")
    timeout_seconds: float = Field(default=10.0, gt=0, le=300, description="Per-request timeout (connect, read, write, pool).")
    deadline_seconds: float = Field(default=120.0, gt=0, le=3600, description="Overall time budget of one stage's requests; what is left unresolved then stays a link.")
    retries: int = Field(default=3, ge=0, le=10, description="Retries after a timeout, connection error, 429 or 5xx.")
    backoff_seconds: float = Field(default=0.5, ge=0, le=60, description="First retry delay; doubles each retry, with jitter; a longer Retry-After wins.")
    backoff_max_seconds: float = Field(default=30.0, ge=0, le=600, description="Longest wait before a retry (Retry-After included).")
    per_host_concurrency: int = Field(default=2, ge=1, le=32, description="Requests in flight at once to one host.")
    min_interval_seconds: float = Field(default=0.2, ge=0, le=60, description="Minimum time between the starts of two requests to one host.")
    max_response_bytes: int = Field(default=5_000_000, ge=1_000, le=1_000_000_000, description="Larger responses are refused.")
    cache_dir: str = Field(
        default=DEFAULT_HTTP_CACHE, description="On-disk HTTP cache, relative to the output folder; a rerun on the same input sends no request."
    )
    cache_ttl_hours: float = Field(default=168.0, gt=0, le=87_600, description="How long a cached response is reused.")

    @field_validator("cache_dir")
    @classmethod
    def _inside_out(cls, path: str) -> str:
        return _relative_inside(path)

    @property
    def user_agent_header(self) -> str:
        """The User-Agent header value in Wikimedia's recommended form: ``name/version (about; contact) library/version``."""
        import httpx  # here, not at the top: reading a config needs no HTTP library

        agent = self.user_agent
        if self.contact:
            agent = f"{agent[:-1]}; {self.contact})" if agent.endswith(")") else f"{agent} ({self.contact})"
        return f"{agent} httpx/{httpx.__version__}"


class RatingLevel(Strict):
    """One label of the rating scale."""

    label: Slug
    rating_value: int | None = Field(
        default=None, ge=-1_000_000, le=1_000_000, description="ClaimReview ratingValue (higher is truer); null for labels off the ordinal scale such as 'unverifiable'."
    )
    definition: str = Field(default="", description="Shown to reviewers when they choose a rating.")
    name: str = Field(
        default="", description="The label as readers see it, published as ClaimReview's alternateName "
        "(default: the label in words, 'pants-on-fire' as 'Pants on fire').",
    )

    @model_validator(mode="after")
    def _default_name(self) -> RatingLevel:
        if not self.name.strip():
            object.__setattr__(self, "name", self.label.replace("-", " ").replace("_", " ").capitalize())
        return self


DEFAULT_SCALE = [
    RatingLevel(label="true", rating_value=6, definition="The statement is accurate and nothing significant is missing."),
    RatingLevel(label="mostly-true", rating_value=5, definition="Accurate but needs clarification or additional information."),
    RatingLevel(label="half-true", rating_value=4, definition="Partially accurate but leaves out important details or takes things out of context."),
    RatingLevel(label="mostly-false", rating_value=3, definition="Contains an element of truth but ignores critical facts that would give a different impression."),
    RatingLevel(label="false", rating_value=2, definition="The statement is not accurate."),
    RatingLevel(label="pants-on-fire", rating_value=1, definition="Not accurate and makes a ridiculous claim."),
    RatingLevel(label="unverifiable", rating_value=None, definition="Public evidence is not enough to rate the statement."),
]


class Reviewer(Strict):
    """A person who rates claims."""

    id: Slug
    name: str = Field(default="", description="Display name.")
    expertise: list[str] = Field(
        default=[],
        description="Tags this reviewer is good at: claim types (statistic, quote, ...), entity kinds (person, place, ...) "
        "or topics (a word or phrase found in a claim's text, such as 'syria').",
    )
    max_open_tasks: int | None = Field(
        default=None, ge=1, le=1_000_000, description="A reviewer with this many unrated tasks gets no new ones; null means no limit."
    )

    @property
    def display(self) -> str:
        """The name to show, falling back to the id."""
        return self.name or self.id


class Adjudicator(Strict):
    """A senior editor whose verdict settles a disputed claim."""

    id: Slug
    name: str = Field(default="", description="Display name.")

    @property
    def display(self) -> str:
        """The name to show, falling back to the id."""
        return self.name or self.id


class ReviewConfig(Strict):
    """Who reviews, how many per claim, on which scale."""

    reviewers: list[Reviewer] = Field(
        default=[Reviewer(id="reviewer-1", name="Reviewer 1"), Reviewer(id="reviewer-2", name="Reviewer 2")],
        min_length=1,
        description="The desk's reviewers.",
    )
    reviewers_per_claim: int = Field(default=2, ge=1, le=100, description="How many reviewers rate each claim.")
    scale: list[RatingLevel] = Field(
        default=DEFAULT_SCALE, min_length=2, description="Rating labels, ordered from truest to least true; off-scale labels (rating_value null) last."
    )
    adjudicators: list[Adjudicator] = Field(
        default=[], description="Editors whose verdict settles a claim; their ids must differ from the reviewers'."
    )
    consensus: Literal["unanimous", "majority"] = Field(
        default="unanimous",
        description="'unanimous': every assigned reviewer gives the same rating; 'majority': more than half of "
        "reviewers_per_claim give the same rating (PolitiFact's two of three editors).",
    )
    expertise_weight: float = Field(
        default=2.0, ge=0.0, le=1_000.0,
        description="How many open tasks above an even share of the work an expert may carry for claims matching "
        "their expertise before the rest goes by load alone; 0 ignores expertise.",
    )
    blind: bool = Field(
        default=False,
        description="Blind review: factflow review and the Prefect form show a reviewer no other reviewer's verdict "
        "on a claim until they have rated it themselves.",
    )
    due_hours: float | None = Field(
        default=72.0, gt=0, le=87_600,
        description="A task not rated this many hours after it was assigned is overdue; null means tasks are never overdue.",
    )
    unverifiable_in_alpha: Literal["missing", "lowest"] = Field(
        default="missing",
        description="How off-scale ratings (rating_value null, such as 'unverifiable') enter Krippendorff's alpha: "
        "'missing' leaves them out; 'lowest' ranks them below the least true label.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ReviewConfig:
        _check_unique([r.id for r in self.reviewers] + [a.id for a in self.adjudicators], "reviewer or adjudicator id")
        _check_unique([r.label for r in self.scale], "rating label")
        if self.reviewers_per_claim > len(self.reviewers):
            raise ValueError(
                f"reviewers_per_claim is {self.reviewers_per_claim} but only {len(self.reviewers)} reviewer(s) are configured"
            )
        return self

    @property
    def labels(self) -> list[str]:
        """The rating labels, in scale order."""
        return [level.label for level in self.scale]

    @property
    def people(self) -> list[str]:
        """Every id that may own a verdict folder: reviewers, then adjudicators."""
        return [r.id for r in self.reviewers] + [a.id for a in self.adjudicators]

    def is_adjudicator(self, person: str) -> bool:
        """True when ``person`` is one of the adjudicators."""
        return any(a.id == person for a in self.adjudicators)


class CacheConfig(Strict):
    """The extraction cache that lets reruns skip unchanged documents."""

    enabled: bool = Field(default=True, description="Keep each document's extraction under <out>/.factflow-cache/ and reuse it.")
    max_age_days: float = Field(default=30.0, gt=0, le=36_500, description="Cached extractions older than this are redone.")


class RunConfig(Strict):
    """How the flow runs."""

    batch_size: int = Field(
        default=50, ge=1, le=10_000,
        description="Documents per extraction task, at most, a document shorter than 2,000 characters counting as its "
                    "share of that (a Prefect task run costs milliseconds); with several workers, fewer, so that each worker "
                    "gets eight batches.",
    )
    workers: int = Field(
        default=1, ge=1, le=256,
        description="Worker processes that extract claims, batch by batch, each with its share of the cores for the model "
                    "(1: in the run's own process). Used by the plain engine and the flow's thread runner; Dask has dask_workers.",
    )
    task_runner: Literal["threads", "dask"] = Field(default="threads", description="Run extraction tasks on threads, or on a Dask cluster.")
    dask_address: str | None = Field(
        default=None, pattern=r"^(tcp|tls|ucx|inproc)://\S+$",
        description="An existing Dask scheduler (tcp://host:port); null starts a local cluster.",
    )
    dask_workers: int = Field(default=2, ge=1, le=256, description="Workers of the local Dask cluster.")
    lock_timeout: float = Field(default=900.0, ge=0, le=86_400, description="Seconds a run waits for another run on the same output folder to finish.")


class ReportConfig(Strict):
    """Where the report goes."""

    path: str = Field(default=DEFAULT_REPORT, description="Report file, relative to the output folder.")
    publisher: str = Field(default="Fact-check desk", min_length=1, description="Who publishes the ClaimReview export (its author).")
    publisher_url: str | None = Field(
        default=None, pattern=r"^https?://\S+$", description="The publisher's page; each exported review's url is this plus '#<claim-id>'."
    )

    @field_validator("path")
    @classmethod
    def _relative(cls, path: str) -> str:
        return _relative_inside(path)


class Config(Strict):
    """The whole configuration of a run."""

    ingest: IngestConfig = Field(default_factory=IngestConfig, description="Reading the seeds folder.")
    claims: ClaimsConfig = Field(default_factory=ClaimsConfig, description="Finding claims.")
    sources: SourcesConfig = Field(default_factory=SourcesConfig, description="Reference sources.")
    http: HttpConfig = Field(default_factory=HttpConfig, description="HTTP politeness, retries, limits and cache (online runs).")
    review: ReviewConfig = Field(default_factory=ReviewConfig, description="Reviewers and the rating scale.")
    report: ReportConfig = Field(default_factory=ReportConfig, description="The report.")
    cache: CacheConfig = Field(default_factory=CacheConfig, description="The extraction cache.")
    run: RunConfig = Field(default_factory=RunConfig, description="How the flow runs.")


class LoadedConfig(BaseModel):
    """A validated config together with where it came from (for the report)."""

    model_config = ConfigDict(frozen=True)

    config: Config
    path: str | None
    sha256: str | None

    def going_online(self, online: bool = True) -> LoadedConfig:
        """The same config with ``sources.online`` set (what ``factflow run --online`` does)."""
        if not online or self.config.sources.online:
            return self
        return self.with_changes("sources", online=True)

    def layout(self, out: Path) -> OutputLayout:
        """Where this config's run keeps everything under the output folder ``out``."""
        return OutputLayout.of(out, self.config.report.path, self.config.http.cache_dir)

    def with_changes(self, section: str, **changes: Any) -> LoadedConfig:
        """The same config with some settings of one section replaced (not validated again)."""
        part = getattr(self.config, section).model_copy(update=changes)
        return self.model_copy(update={"config": self.config.model_copy(update={section: part})})


def load_config(path: Path | None) -> LoadedConfig:
    """Read and validate a config file; ``None`` gives the built-in defaults."""
    if path is None:
        return LoadedConfig(config=Config(), path=None, sha256=None)
    text = read_text(path, ConfigError)
    config = load_model(path, Config, ConfigError, text=text)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedConfig(config=config, path=str(path), sha256=digest)
