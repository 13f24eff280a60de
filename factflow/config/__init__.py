"""Configuration models: every setting of factflow, validated strictly (unknown keys are errors).

``config/factflow.yaml`` is read with :func:`load_config`; every field below has a default,
so an empty file is a valid configuration, and every field is described for the README.

The sections live in this package's modules: ``fields`` (the strict base model and the field types
the sections share), ``sources`` (the catalog of reference sources and the source APIs), ``review``
(the rating scale, reviewers, assignment); the rest, and the whole ``Config``, here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from factflow.config.fields import CLAIM_TYPES, ClaimType, EntityKind, Globs, Regexes, SourceKind, Strict, check_registered, relative_inside
from factflow.config.review import RatingLevel, ReviewConfig, Reviewer
from factflow.config.sources import ApisConfig, SourcesConfig, SourceTemplate
from factflow.errors import ConfigError
from factflow.fileio import read_text
from factflow.layout import DEFAULT_HTTP_CACHE, DEFAULT_REPORT, OutputLayout
from factflow.links import check_publisher_url
from factflow.yamlio import load_model

__all__ = [
    "CLAIM_TYPES", "ApisConfig", "CacheConfig", "ClaimType", "ClaimsConfig", "Config", "CorpusColumns", "CorpusConfig",
    "EntityKind", "HttpConfig", "IngestConfig", "LoadedConfig", "RatingLevel", "ReportConfig", "ReviewConfig", "Reviewer",
    "RunConfig", "SourceKind", "SourceTemplate", "SourcesConfig", "load_config",
]


class CorpusColumns(Strict):
    """Which column (CSV) or key (JSON) holds each field of a document; the defaults fit FakeNewsCorpus. In JSON a key
    inside an object is named with dots (``source.name``)."""

    id: str | None = Field(default="id", min_length=1, description=(
        "The document id (unique); null: a corpus without ids, each row named by its text (file stem and a hash of the text)."))
    text: str = Field(default="content", min_length=1, description="The article text (required).")
    title: str | None = Field(default="title", description="The headline; the first line of the text when absent or empty.")
    url: str | None = Field(default="url", description="Where the article was published.")
    outlet: str | None = Field(default="domain", description="The publication.")
    published: str | None = Field(default="scraped_at", description="A date or date-time (ISO 8601 at its start); only the date is kept.")


class CorpusConfig(Strict):
    """Corpus files in the seeds folder: one document per row (CSV) or per line (JSONL)."""

    patterns: Globs = Field(default=["*.csv", "*.tsv", "*.jsonl", "*.json"], description="Glob patterns of corpus files under the seeds folder.")
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
            r"^by (?-i:[A-Z][\w.'’-]+(?: (?:and )?[A-Z][\w.'’-]+){0,4})(?:\s*[,|].*)?$",
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

        check_registered(registry.get, name)
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
        return relative_inside(path)

    @property
    def user_agent_header(self) -> str:
        """The User-Agent header value in Wikimedia's recommended form: ``name/version (about; contact) library/version``."""
        import httpx  # here, not at the top: reading a config needs no HTTP library

        agent = self.user_agent
        if self.contact:
            agent = f"{agent[:-1]}; {self.contact})" if agent.endswith(")") else f"{agent} ({self.contact})"
        return f"{agent} httpx/{httpx.__version__}"


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
        return relative_inside(path)

    @field_validator("publisher_url")
    @classmethod
    def _publisher_link(cls, url: str | None) -> str | None:
        return None if url is None else check_publisher_url(url)


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
