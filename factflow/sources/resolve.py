"""Online resolution: check every task's catalog sources against public APIs, concurrently, once per run.

:func:`resolve_sources` is the stage function: offline links in, the same links out with
``status`` (``resolved`` or ``unresolved`` and the reason), what each API found, Wayback
snapshots of the pages cited, fact-checks already published elsewhere, and evidence passages
(``passages.py``: the sentences of the claim's entities' Wikipedia articles most similar to it). Each source goes to
the API its catalog entry names, through the source-API registry (``registry.py``). A source that
cannot be resolved keeps its offline link and the run goes on; an API name the registry does not
know is an error (the config refuses it when read), never another API's answer.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import TypeVar

import httpx

from factflow.config import Config, SourceTemplate
from factflow.errors import SourceError
from factflow.http import Memo, build_client, polite_transport, run_async
from factflow.layout import OutputLayout
from factflow.matching import similarities
from factflow.memory.vectors import CachedEncoder
from factflow.models import Claim, Document, DocumentRecord, EvidencePassage, ExistingFactCheck, Resolution, Source
from factflow.sources import apis, registry
from factflow.sources.catalog import expand, template_fields
from factflow.sources.passages import Article, articles_of, best_passages
from factflow.sources.registry import unresolved

T = TypeVar("T")

#: The header Google APIs read an API key from; a header keeps the key out of URLs (and so of logs and the cache).
API_KEY_HEADER = "X-Goog-Api-Key"


@dataclass
class ResolvedBatch:
    """What resolution produced for a batch of claims."""

    sources: dict[str, list[Source]]
    already_checked: dict[str, list[ExistingFactCheck]] = field(default_factory=dict)
    #: Each claim's evidence passages (an empty list: none found); no entry when ``sources.passages`` is 0.
    passages: dict[str, list[EvidencePassage]] = field(default_factory=dict)
    requests_sent: int = 0


class Resolver:
    """Resolves sources for many claims with one client, asking each distinct question once.

    Each source goes to the resolver its catalog entry's ``api`` names in the source-API registry
    (``registry.py``); what resolvers share (the client, the memo, snapshots) is here.
    """

    def __init__(self, client: httpx.AsyncClient, config: Config, api_key: str | None, encoder: object | None = None,
                 vector_cache: Path | None = None) -> None:
        self.client = client
        self.config = config
        self.api_key = api_key
        self.memo = Memo()
        self.apis = config.sources.apis
        self._encoder = encoder
        self._vector_cache = vector_cache

    def rerank(self, claim: str, checks: Sequence[ExistingFactCheck]) -> list[ExistingFactCheck]:
        """Published fact-checks by similarity to the claim (the score claim matching uses: the packaged encoder and
        the figure rule), highest first, each with its ``similarity``; those below ``sources.match_threshold`` dropped."""
        if not checks:
            return []
        scores = similarities(claim, [c.claim or c.title or "" for c in checks], self.encoder())
        threshold = self.config.sources.match_threshold
        ranked = sorted((i for i in range(len(checks)) if float(scores[i]) >= threshold), key=lambda i: (-float(scores[i]), i))
        return [checks[i].model_copy(update={"similarity": round(min(1.0, float(scores[i])), 4), "origin": "google"}) for i in ranked]

    def encoder(self) -> object:
        """The sentence encoder: the one given, or the packaged one, loaded when first needed."""
        if self._encoder is None:
            from factflow.encoder import SentenceEncoder  # loaded only when there is something to score

            self._encoder = SentenceEncoder.load()
            if self._vector_cache is not None:  # a rerun encodes only the sentences it has not seen
                self._encoder = CachedEncoder(self._encoder, self._vector_cache)
        return self._encoder

    def save_vectors(self) -> None:
        """Keep the vectors this run encoded or reused for the next run (when they are cached)."""
        if isinstance(self._encoder, CachedEncoder):
            self._encoder.save()

    async def article_text(self, title: str) -> str:
        """The beginning of a Wikipedia article's plain text, asked once per run; empty when it cannot be read."""
        base, limit = self.apis.wikipedia.base_url, self.config.sources.passage_chars
        try:
            return await self.once(f"wp-extract:{title}", partial(apis.wikipedia_extract, self.client, base, title, limit))
        except Exception:  # noqa: BLE001 - an article that cannot be read gives no passages, never a failed run
            return ""

    async def passages(self, claims: Sequence[Claim], sources: Mapping[str, Sequence[Source]]) -> dict[str, list[EvidencePassage]]:
        """Each claim's evidence passages from the Wikipedia articles its per-entity sources resolved to."""
        cfg = self.config.sources
        entity_sources = {t.id for t in cfg.catalog if t.api == "wikipedia" and "{entity}" in t.url}
        articles: dict[str, list[Article]] = {c.id: articles_of(sources.get(c.id, ()), entity_sources) for c in claims}
        titles = list(dict.fromkeys(a.title for found in articles.values() for a in found))
        texts = dict(zip(titles, await asyncio.gather(*(self.article_text(t) for t in titles)), strict=True))
        if not any(texts.values()):
            return {c.id: [] for c in claims}
        try:
            return best_passages(claims, articles, texts, self.encoder(), cfg.passages)
        except Exception:  # noqa: BLE001 - text no rule foresaw costs the passages, never the run
            return {c.id: [] for c in claims}

    async def once(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        """Ask ``make()`` once per run for ``key``; later callers share its answer."""
        return await self.memo.once(key, make)

    async def wayback(self, url: str) -> Resolution | None:
        """The closest Wayback Machine snapshot of ``url``, asked once per run."""
        base = self.apis.wayback.base_url
        return await self.once(f"wb:{url}", lambda: apis.wayback_snapshot(self.client, base, url))

    async def resolve_one(
        self, source: Source, template: SourceTemplate | None, fields: dict[str, str]
    ) -> tuple[Source, list[ExistingFactCheck] | None]:
        """One source of one claim: resolved with what was found, or unresolved with the reason."""
        if template is None or template.api is None:
            return source, None
        api = registry.get(template.api)  # an unknown name is an error here, never another API's answer
        try:
            return await api.resolve(self, template, source, fields)
        except (SourceError, ValueError) as exc:  # ValueError: a field of the answer failed validation
            return unresolved(source, str(exc).splitlines()[0]), None
        except Exception as exc:  # noqa: BLE001 - one odd answer costs one source, never the run
            return unresolved(source, f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"), None

    async def archive(self, source: Source, url: str) -> Source:
        """Attach the Wayback Machine snapshot of a cited page, when there is one; a failure leaves the source as it is."""
        try:
            snapshot = await self.wayback(url)
        except Exception:  # noqa: BLE001 - no snapshot: the source stays as it is
            return source
        return replace(source, archived=snapshot) if snapshot else source

    async def archive_check(self, check: ExistingFactCheck) -> ExistingFactCheck:
        """A published fact-check with its Wayback Machine snapshot, when there is one."""
        if check.url is None:  # a desk verdict with no public page
            return check
        try:
            snapshot = await self.wayback(check.url)
        except Exception:  # noqa: BLE001 - no snapshot: the fact-check stays as it is
            return check
        return check.model_copy(update={"archived": snapshot}) if snapshot else check

    async def resolve_claim(
        self, claim: Claim, sources: Sequence[Source], document: Document | DocumentRecord | None
    ) -> tuple[list[Source], list[ExistingFactCheck] | None]:
        """Every source of one claim, concurrently; each with the fields its link was filled from (a per-entity link, its entity)."""
        cfg = self.config.sources
        claim_fields = {**template_fields(claim, document, cfg), "claim": claim.text}
        links = {(link.source.id, link.source.url): link for link in expand(claim, cfg, document)}
        templates = {t.id: t for t in cfg.catalog}

        def resolve(source: Source) -> Awaitable[tuple[Source, list[ExistingFactCheck] | None]]:
            link = links.get((source.id, source.url))
            if link is None:  # a link built earlier (another day's archive coverage): the claim's own fields
                return self.resolve_one(source, templates.get(source.id), claim_fields)
            return self.resolve_one(source, link.template, {**link.fields, "claim": claim.text})

        results = await asyncio.gather(*(resolve(s) for s in sources))
        checked = next((found for _, found in results if found is not None), None)
        return [s for s, _ in results], checked


async def resolve_with(
    client: httpx.AsyncClient,
    claims: Sequence[Claim],
    sources: Mapping[str, Sequence[Source]],
    documents: Sequence[Document | DocumentRecord],
    config: Config,
    api_key: str | None,
    encoder: object | None = None,
    vector_cache: Path | None = None,
) -> ResolvedBatch:
    """Resolve every claim's sources with the given client (injected: tests pass their own); ``encoder`` ranks
    published fact-checks and finds passages (None: the packaged one, loaded when there is something to rank,
    its vectors kept in ``vector_cache`` when given)."""
    resolver = Resolver(client, config, api_key, encoder, vector_cache)
    by_id = {d.id: d for d in documents}
    results = await asyncio.gather(*(resolver.resolve_claim(c, sources.get(c.id, []), by_id.get(c.document)) for c in claims))
    resolved = ResolvedBatch(sources={})
    for claim, (claim_sources, checked) in zip(claims, results, strict=True):
        resolved.sources[claim.id] = claim_sources
        if checked is not None:
            resolved.already_checked[claim.id] = checked
    if config.sources.passages:
        resolved.passages = await resolver.passages(claims, resolved.sources)
    resolver.save_vectors()
    polite = polite_transport(client)
    resolved.requests_sent = polite.sent if polite else 0
    return resolved


def api_key(config: Config, environ: Mapping[str, str] | None = None) -> str | None:
    """The Fact Check Tools API key from the environment variable the config names, or None."""
    value = (os.environ if environ is None else environ).get(config.sources.apis.factchecktools.api_key_env, "").strip()
    return value or None


def secret_headers(config: Config, key: str | None) -> dict[str, dict[str, str]]:
    """Headers added below the cache, per URL prefix: only Fact Check Tools requests carry the key."""
    if not key:
        return {}
    return {f"{config.sources.apis.factchecktools.base_url}/v1alpha1/": {API_KEY_HEADER: key}}


def resolve_sources(
    claims: Sequence[Claim],
    sources: Mapping[str, Sequence[Source]],
    documents: Sequence[Document | DocumentRecord],
    config: Config,
    out: Path,
    client_factory: Callable[[], httpx.AsyncClient] | None = None,
) -> ResolvedBatch:
    """Stage function: resolve sources over HTTP with one polite, cached client for the whole batch."""
    key = api_key(config)

    async def main() -> ResolvedBatch:
        layout = OutputLayout.of(out, http_cache=config.http.cache_dir)
        client = client_factory() if client_factory else build_client(config.http, layout.http_cache, secret_headers(config, key))
        async with client:
            return await resolve_with(client, claims, sources, documents, config, key, vector_cache=layout.passage_vector_cache)

    return run_async(main)
