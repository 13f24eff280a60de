"""Sentence vectors kept on disk by text, so a rerun encodes only the claims it has not seen.

Encoding is the costly part of claim matching (about a hundred sentences a second on two
cores); a desk's claims change little from one run to the next. One file under the output's
cache folder (``OutputLayout.vector_cache``) holds the vectors of the last run's texts, keyed by
the text and the encoder's weights, so a new encoder never reuses an old vector. The run is its
only writer; a damaged or foreign file is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from factflow.fileio import atomic_write_with, read_regular


class Encoder(Protocol):
    meta: dict[str, object]

    def encode(self, sentences: Sequence[str]) -> np.ndarray: ...


#: What reading a damaged file raises: a short or empty file (EOFError), a broken zip or member
#: (BadZipFile, zlib.error), a missing array (KeyError), garbage (ValueError).
#: Vectors stacked at a time when saving.
_ROWS = 4096

_DAMAGED = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error)


def _read(path: Path, width: int = 0) -> dict[bytes, np.ndarray]:
    """The vectors of a file :meth:`CachedEncoder.save` wrote, by key; none when it is missing or
    damaged, or holds anything but finite float vectors (of ``width`` numbers, when given)."""
    raw = read_regular(path)  # none yet, or not a plain file (never waited on): encode again
    if raw is None:
        return {}
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            keys, vectors = data["keys"], data["vectors"]
    except _DAMAGED:  # damaged: encode again
        return {}
    if not (keys.dtype == np.dtype("S16") and keys.ndim == 1 and vectors.ndim == 2 and len(keys) == len(vectors) and vectors.dtype.kind == "f"
            and (not width or vectors.shape[1] == width) and np.isfinite(vectors).all()):
        return {}
    # Keys sliced from the raw bytes: an element of an S16 array drops its trailing zero bytes (one key in 256).
    raw = keys.tobytes()
    return {raw[i * 16:(i + 1) * 16]: v for i, v in enumerate(vectors.astype(np.float32, copy=False))}


class CachedEncoder:
    """An encoder that reads vectors it has made before from ``path`` and keeps, on :meth:`save`,
    those of the texts asked for in this run (so the file does not grow without end).

    ``borrowed`` are files another writer keeps (the imported claims' vectors, written by
    ``factflow import claimreview``): read, never written, and their vectors are not copied into ``path``.
    ``seeded`` are files another writer keeps too (the run's own vectors, for an import): read, never
    written, and the vectors of this run's texts found there are kept in ``path`` as if made here.
    """

    def __init__(self, encoder: Encoder, path: Path, borrowed: Sequence[Path] = (), seeded: Sequence[Path] = ()) -> None:
        self.encoder: Encoder | None = encoder
        self.dimensions = int(getattr(encoder, "dimensions", 0))
        self.path = path
        self.meta = encoder.meta
        self._salt = json.dumps(encoder.meta, sort_keys=True, default=str).encode("utf-8")  # its weights' sha256, export, ...
        width = int(getattr(encoder, "dimensions", 0))
        self._known = _read(path, width)
        for other in seeded:
            for key, vector in _read(other, width).items():
                self._known.setdefault(key, vector)
        self._lent: dict[bytes, np.ndarray] = {}
        for other in borrowed:
            self._lent.update(_read(other, width))
        self._used: dict[bytes, np.ndarray] = {}
        self.encoded = 0

    def _key(self, text: str) -> bytes:
        return hashlib.sha256(self._salt + b"\x00" + text.encode("utf-8", "surrogatepass")).digest()[:16]

    def missing(self, sentences: Sequence[str]) -> int:
        """How many distinct texts of ``sentences`` :meth:`encode` would have to encode."""
        return sum(1 for k in {self._key(s) for s in sentences} if k not in self._known and k not in self._used and k not in self._lent)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Unit vectors of ``sentences``, in order: known ones from the files, the others from the encoder."""
        keys = [self._key(s) for s in sentences]
        first = {k: i for i, k in reversed(list(enumerate(keys)))}  # one encoding per distinct text
        missing = sorted(i for k, i in first.items() if k not in self._known and k not in self._used and k not in self._lent)
        if missing and self.encoder is None:
            raise RuntimeError("the encoder was let go (unload) before every text was encoded")
        fresh = self.encoder.encode([sentences[i] for i in missing]) if missing and self.encoder is not None else None
        self.encoded += len(missing)
        if fresh is not None and len(missing) == len(keys):  # all new, each once (a first run): the encoder's own array, not a copy
            self._used.update(zip(keys, fresh, strict=True))
            return fresh
        for row, i in enumerate(missing):
            assert fresh is not None
            self._used[keys[i]] = fresh[row]
        for k in keys:
            if k not in self._used and k not in self._lent:
                self._used[k] = self._known[k]
        width = self.dimensions
        out: np.ndarray | None = None
        for i, k in enumerate(keys):
            vector = self._used[k] if k in self._used else self._lent[k]
            if out is None:
                out = np.zeros((len(sentences), width or len(vector)), dtype=np.float32)
            out[i] = vector
        return out if out is not None else np.zeros((0, width), dtype=np.float32)

    def unload(self) -> None:
        """Let go of the model, keeping the vectors (an encoder's session and tokenizer hold about 90 MB):
        called once every text is encoded, before the search, which needs the memory more."""
        self.encoder = None

    def save(self) -> None:
        """Keep the vectors of this run's texts (atomically), written as they are stacked: the archive
        ``np.load`` reads, with no copy of all the vectors in memory (two, 170 MB at 54,000, before)."""
        if not self._used:
            return
        atomic_write_with(self.path, self._write, durable=False)

    def _write(self, handle: BinaryIO) -> None:
        vectors = list(self._used.values())
        width = len(vectors[0])
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            with archive.open("keys.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.array(list(self._used), dtype="S16"), allow_pickle=False)
            with archive.open("vectors.npy", "w", force_zip64=True) as member:
                header = {"descr": np.lib.format.dtype_to_descr(np.dtype("<f4")), "fortran_order": False, "shape": (len(vectors), width)}
                np.lib.format.write_array_header_1_0(member, header)
                for start in range(0, len(vectors), _ROWS):
                    member.write(np.stack(vectors[start:start + _ROWS]).astype("<f4", copy=False).tobytes())
