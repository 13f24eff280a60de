"""The extraction cache: a document's scored sentences, kept on disk by content so reruns skip them.

One JSON file per (document content, claims settings, scorer version), under
``<out>/.factflow-cache/extract/``. A rerun on unchanged documents reads them instead of splitting
and scoring again; a changed document misses and is processed alone. Entries expire after
``cache.max_age_days``; ``factflow run --refresh`` ignores them (and overwrites them). The flow is
the only writer; every write is atomic. This is the project's own cache rather than a Prefect cache
policy so that the plain pipeline and every task runner share it, and a batch task can hit per
document.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from factflow import __version__
from factflow.config import ClaimsConfig, Config
from factflow.layout import OutputLayout
from factflow.models import Claim, Document, DocumentClaims, Source, SourceLeftOut
from factflow.yamlio import atomic_write_chunks, atomic_write_text


@lru_cache(maxsize=4)
def _code_version(*packages: str) -> str:
    """What changes a cached output besides its input and config: the package version and every
    file of these subpackages (for extraction, the claims package: the detectors' model files,
    fitted scorer constants, signals, splitter), and the data models."""
    digest = hashlib.sha256()
    root = resources.files("factflow")
    digest.update(root.joinpath("models.py").read_bytes())
    for package in packages:
        for name, item in _files(root.joinpath(package)):
            if name.endswith((".py", ".npz", ".onnx", ".json")):
                digest.update(name.encode("utf-8") + b"\x00" + item.read_bytes() + b"\x00")
    return f"{__version__}:{digest.hexdigest()[:16]}"


def _files(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    """Every file under a package folder, subfolders included (the detectors' model files), by relative name."""
    found: list[tuple[str, Traversable]] = []
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.is_file():
            found.append((prefix + item.name, item))
        elif item.is_dir() and item.name != "__pycache__":
            found.extend(_files(item, f"{prefix}{item.name}/"))
    return found


def cache_key(document: Document, cfg: ClaimsConfig) -> str:
    """The key of one document's extraction: its text and metadata, the claims settings, the code."""
    parts = [
        _code_version("claims"),
        cfg.model_dump_json(),
        document.model_dump_json(include={"id", "path", "text", "body_start", "published"}),
    ]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


@dataclass
class ExtractionCache:
    """Reads and writes cached extractions under one folder; counts hits and misses."""

    folder: Path
    max_age_seconds: float
    refresh: bool = False
    hits: int = 0
    misses: int = 0
    _seen: set[str] = field(default_factory=set)

    @classmethod
    def for_output(cls, out: Path, max_age_days: float, refresh: bool = False) -> ExtractionCache:
        """The cache that belongs to an output folder."""
        return cls(folder=OutputLayout(out).extractions, max_age_seconds=max_age_days * 86400, refresh=refresh)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> DocumentClaims | None:
        """The cached extraction, or None when absent, expired, unreadable or refreshing."""
        if self.refresh:
            self.misses += 1
            return None
        path = self._path(key)
        try:
            if time.time() - path.stat().st_mtime > self.max_age_seconds:
                self.misses += 1
                return None
            value = DocumentClaims.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: DocumentClaims) -> None:
        """Store an extraction (atomically)."""
        atomic_write_text(self._path(key), value.model_dump_json(), durable=False)

    def stats(self) -> dict[str, int]:
        """Hits and misses so far."""
        return {"hits": self.hits, "misses": self.misses}


@dataclass
class Merged:
    """A run's merged claims, their linked sources, and each document's extraction counts and problems."""

    claims: list[Claim]
    sources: dict[str, list[Source]]
    extractions: list[DocumentClaims]
    #: Per claim id, the catalog entries that suit the claim but give it no link (only claims that have some).
    left_out: dict[str, list[SourceLeftOut]] = field(default_factory=dict)


class _MergedFile(BaseModel):
    key: str
    #: Ids a near-duplicate group's id could be chosen from, and those of them in use after the run that saved it.
    contested: list[str]
    known: list[str]
    claims: list[Claim]
    sources: dict[str, list[Source]]
    extractions: list[DocumentClaims] = Field(description="Without their sentences: what the report needs.")
    left_out: dict[str, list[SourceLeftOut]] = {}


def claims_key(documents: Iterable[Document], cfg: Config) -> str:
    """The key of a run's merged claims and their linked sources: every input they derive from
    (besides the claim ids earlier runs used, checked apart: see :func:`load_merged`)."""
    digest = hashlib.sha256(_code_version("claims", "sources").encode("utf-8"))
    for part in (cfg.claims.model_dump_json(), cfg.sources.model_dump_json()):
        digest.update(part.encode("utf-8") + b"\x00")
    if any(t.covers_days for t in cfg.sources.catalog):  # which archive covers a claim's date moves with the day
        digest.update(date.today().isoformat().encode("ascii"))
    for document in sorted(documents, key=lambda d: d.id):  # its text, and the title, URL and date that fill source links
        digest.update(cache_key(document, cfg.claims).encode("utf-8"))
        digest.update(document.model_dump_json(exclude={"text"}).encode("utf-8") + b"\x00")
    return digest.hexdigest()


def _contested(claims: Iterable[Claim]) -> set[str]:
    """Ids that could name a near-duplicate group: only there do the ids earlier runs used change the merge."""
    from factflow.claims import claim_id  # (the claims package imports this module)

    ids: set[str] = set()
    for claim in claims:
        texts = [a.text for a in claim.appearances if a.text]
        if texts:
            ids.update([claim.id, claim_id(claim.text), *(claim_id(t) for t in texts)])
    return ids


def load_merged(out: Path, key: str, known_ids: frozenset[str], max_age_days: float) -> Merged | None:
    """What the last run of ``out`` merged, if made from the same inputs and the same ids in use
    among those a near-duplicate group could take, and not older than ``max_age_days``."""
    path = OutputLayout(out).claims_cache
    try:
        if time.time() - path.stat().st_mtime > max_age_days * 86400:
            return None
        saved = _MergedFile.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None
    if saved.key != key or sorted(known_ids.intersection(saved.contested)) != saved.known:
        return None
    return Merged(saved.claims, saved.sources, saved.extractions, saved.left_out)


def save_merged(
    out: Path, key: str, known_ids: frozenset[str], claims: list[Claim], sources: dict[str, list[Source]],
    extractions: Iterable[DocumentClaims], left_out: dict[str, list[SourceLeftOut]] | None = None,
) -> None:
    """Keep this run's merged claims, sources and extraction counts for the next run (one entry: the latest)."""
    contested = _contested(claims)
    # The run about to write a task file for every claim: by the next run their ids are in use too.
    head = {"key": key, "contested": sorted(contested), "known": sorted((known_ids | {c.id for c in claims}) & contested)}
    source_list = TypeAdapter(list[Source])

    def chunks() -> Iterator[str]:  # a claim at a time: the whole file is tens of MB at ten thousand claims
        yield json.dumps(head)[:-1] + ', "claims": ['
        for i, claim in enumerate(claims):
            yield ("," if i else "") + claim.model_dump_json()
        yield '], "sources": {'
        for i, (cid, linked) in enumerate(sources.items()):
            yield ("," if i else "") + json.dumps(cid) + ":" + source_list.dump_json(linked).decode("utf-8")
        yield '}, "extractions": ['
        for i, extraction in enumerate(extractions):
            yield ("," if i else "") + extraction.without_sentences().model_dump_json()
        yield '], "left_out": ' + TypeAdapter(dict[str, list[SourceLeftOut]]).dump_json(left_out or {}).decode("utf-8") + "}"

    atomic_write_chunks(OutputLayout(out).claims_cache, chunks(), durable=False)
