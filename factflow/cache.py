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
import time
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from factflow import __version__
from factflow.config import ClaimsConfig
from factflow.models import Document, DocumentClaims
from factflow.yamlio import atomic_write_text

CACHE_DIR = Path(".factflow-cache") / "extract"


@lru_cache(maxsize=1)
def _code_version() -> str:
    """What changes the extraction output besides the document and config: the package version and
    every file of the claims package (the model file, the fitted scorer constants, the signals, the splitter)."""
    digest = hashlib.sha256()
    claims = resources.files("factflow").joinpath("claims")
    for item in sorted(claims.iterdir(), key=lambda i: i.name):
        if item.is_file() and item.name.endswith((".py", ".npz")):
            digest.update(item.name.encode("utf-8") + b"\x00" + item.read_bytes() + b"\x00")
    return f"{__version__}:{digest.hexdigest()[:16]}"


def cache_key(document: Document, cfg: ClaimsConfig) -> str:
    """The key of one document's extraction: its text and metadata, the claims settings, the code."""
    parts = [
        _code_version(),
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
        return cls(folder=out / CACHE_DIR, max_age_seconds=max_age_days * 86400, refresh=refresh)

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
