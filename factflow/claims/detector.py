"""Check-worthiness detector: hashed word and character n-grams scored by a logistic regression.

Model file format (``checkworthy.npz``, read with ``np.load(allow_pickle=False)``): a zip of two
``.npy`` arrays and nothing that needs pickle.

* ``weights``: float16, shape ``(2**bits,)``; one weight per hash bucket, shared by all feature kinds.
* ``header``: uint8, the UTF-8 bytes of one JSON object with
  ``format`` (``"factflow-checkworthy"``), ``version`` (must equal :data:`FORMAT_VERSION`),
  ``name``, ``bias`` (float), ``threshold`` (float in [0, 1]),
  ``features`` (the :class:`Featurizer` settings: ``bits``, ``char_min``, ``char_max``,
  ``word_seed``, ``char_seed``, ``boundaries``) and ``training`` (free-form metadata: data
  file sha256s, seed, chosen hyper-parameters, metrics).

Features of one sentence, the same at training time (``scripts/train_checkworthy.py`` builds its
matrix with :meth:`Featurizer.features`) and at run time:

1. text is NFKC-normalised, lower-cased, curly quotes and dashes made ASCII, every digit mapped to ``0``;
2. tokens are runs of letters/digits (inner ``'``, ``.`` or ``,`` allowed) or single punctuation marks;
   ``<s>`` and ``</s>`` mark the sentence boundaries;
3. word block: each token's bucket ``crc32(token, word_seed) mod 2**bits`` (``zlib.crc32`` of the UTF-8
   bytes with the seed as its start value) plus each adjacent pair's
   bucket ``(((a * 0x9E3779B1 mod 2**32) XOR b) * 0x85EBCA6B mod 2**32) >> (32 - bits)`` from the two
   tokens' crc32 values ``a``, ``b`` (arithmetic mixing avoids hashing a joined string per pair, and
   the top bits of the product depend on all input bits);
4. char block: every n-gram, ``char_min <= n <= char_max``, of ``" " + token + " "`` for tokens that
   start with a letter or digit, bucket ``crc32(ngram, char_seed) mod 2**bits``;
5. each block's distinct buckets get the value ``1 / sqrt(number of distinct buckets in the block)``
   (so a bucket hit by both blocks gets the sum), and the score is
   ``sigmoid(bias + sum(weight[bucket] * value))``.

crc32 (zlib) is used because Python's ``hash()`` is salted per process and would change the features.
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT_VERSION", "MODEL_FILE", "Detector", "Featurizer", "default_detector", "logistic"]

FORMAT_VERSION = 1
MODEL_FILE = "checkworthy.npz"
_FORMAT = "factflow-checkworthy"

# Digits become one class so "4.1 percent" and "7.3 percent" share features; quotes and dashes
# are folded because transcripts and news mix typographic and ASCII forms.
_TRANSLATE = str.maketrans({
    **{d: "0" for d in "0123456789"},
    "\u2019": "'", "\u2018": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-",
})
_TOKEN = re.compile(r"[^\W_]+(?:['.,][^\W_]+)*|[^\w\s]")
_MASK32 = 0xFFFFFFFF
# Bounded so a long-running process that scores endless new vocabulary does not grow without limit:
# in tokens, and in the n-gram buckets they hold (about 40 bytes each), whatever their length.
_CACHE_LIMIT = 200_000
_CACHE_GRAMS = 4_000_000
# Characters past which a token (a URL, a base64 blob, a "word" of megabytes with no space) is not cached
# and its n-gram buckets are made as they are used, never held in a list: a token of 2 million characters
# held 8 million buckets (460 MB), and a cache of such tokens had no bound but their count.
_LONG_TOKEN = 64
_GRAM_BLOCK = 65_536


def logistic(z: float) -> float:
    """The logistic function, split by sign so ``exp`` never overflows for extreme inputs."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


class Featurizer:
    """Turns a sentence into hashed word and character n-gram buckets; training and scoring share it."""

    def __init__(self, bits: int = 19, char_min: int = 2, char_max: int = 5, word_seed: int = 1, char_seed: int = 2, boundaries: bool = True) -> None:
        """Set the hashing parameters (they are part of the model file)."""
        if not 8 <= bits <= 26:
            raise ValueError(f"bits must be in 8..26, got {bits}")
        if not 1 <= char_min <= char_max:
            raise ValueError(f"need 1 <= char_min <= char_max, got {char_min}, {char_max}")
        self.bits = bits
        self.char_min = char_min
        self.char_max = char_max
        self.word_seed = word_seed
        self.char_seed = char_seed
        self.boundaries = boundaries
        self._mask = (1 << bits) - 1
        self._shift = 32 - bits
        self._cache: dict[str, tuple[int, tuple[int, ...]]] = {}
        self._cached_grams = 0

    def config(self) -> dict[str, Any]:
        """The settings to store in the model file."""
        return {
            "bits": self.bits, "char_min": self.char_min, "char_max": self.char_max,
            "word_seed": self.word_seed, "char_seed": self.char_seed, "boundaries": self.boundaries,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Featurizer:
        """A featurizer with the settings read from a model file."""
        return cls(**{k: config[k] for k in ("bits", "char_min", "char_max", "word_seed", "char_seed", "boundaries")})

    @staticmethod
    def tokens(text: str) -> list[str]:
        """Normalised tokens of one sentence."""
        return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower().translate(_TRANSLATE))

    def _token(self, token: str) -> tuple[int, Iterable[int]]:
        """The token's 32-bit hash and its character n-gram buckets, cached because words repeat; a long
        token's buckets come as an iterator, made as they are read (the same buckets in the same order)."""
        hit = self._cache.get(token)
        if hit is not None:
            return hit
        word = zlib.crc32(token.encode("utf-8"), self.word_seed)
        if len(token) > _LONG_TOKEN:
            return word, self._grams(token, _GRAM_BLOCK)
        grams = tuple(self._grams(token, _LONG_TOKEN + 2))  # one block: the token's buckets at once
        if len(self._cache) >= _CACHE_LIMIT or self._cached_grams + len(grams) > _CACHE_GRAMS:
            self._cache.clear()
            self._cached_grams = 0
        self._cache[token] = hit = (word, grams)
        self._cached_grams += len(grams)
        return hit

    def _grams(self, token: str, block: int) -> Iterator[int]:
        """The token's character n-gram buckets, n from char_min to char_max, in that order, made ``block``
        positions at a time."""
        if not token[0].isalnum():
            return
        seed, mask, crc = self.char_seed, self._mask, zlib.crc32
        padded = f" {token} "
        size = len(padded)
        raw = padded.encode("utf-8")
        ascii_only = len(raw) == size
        for n in range(self.char_min, min(self.char_max, size) + 1):
            last = size - n + 1
            for start in range(0, last, block):
                stop = min(start + block, last)
                if ascii_only:
                    # Slicing the bytes once encoded gives the same bytes as encoding each slice, faster.
                    yield from [crc(raw[i:i + n], seed) & mask for i in range(start, stop)]
                else:
                    yield from [crc(padded[i:i + n].encode("utf-8"), seed) & mask for i in range(start, stop)]

    def indices(self, text: str) -> tuple[list[int], list[int]]:
        """Word-block and char-block buckets of one sentence, with repeats."""
        toks = self.tokens(text)
        if self.boundaries:
            toks = ["<s>", *toks, "</s>"]
        mask, shift, token = self._mask, self._shift, self._token
        words: list[int] = []
        chars: list[int] = []
        prev: int | None = None
        for tok in toks:
            h, grams = token(tok)
            words.append(h & mask)
            if prev is not None:
                # The pair bucket of the module docstring, inline because this loop is the hot path.
                words.append(((((prev * 0x9E3779B1) & _MASK32) ^ h) * 0x85EBCA6B & _MASK32) >> shift)
            chars += grams
            prev = h
        return words, chars

    def distinct(self, text: str) -> tuple[set[int], set[int]]:
        """Word-block and char-block buckets of one sentence as sets.

        Each set is filled in the order :meth:`indices` lists the buckets, so it equals, and iterates
        in the same order as, ``set(block)`` of that list (the scorer's float sum depends on the order).
        """
        toks = self.tokens(text)
        if self.boundaries:
            toks = ["<s>", *toks, "</s>"]
        mask, shift, token = self._mask, self._shift, self._token
        words: set[int] = set()
        chars: set[int] = set()
        add_word, add_chars = words.add, chars.update
        prev: int | None = None
        for tok in toks:
            h, grams = token(tok)
            add_word(h & mask)
            if prev is not None:
                add_word(((((prev * 0x9E3779B1) & _MASK32) ^ h) * 0x85EBCA6B & _MASK32) >> shift)
            add_chars(grams)
            prev = h
        return words, chars

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Distinct buckets and their values (each block L2-normalised), concatenated over the blocks."""
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for block in self.indices(text):
            if block:
                u = np.unique(np.asarray(block, dtype=np.int64))
                cols.append(u)
                vals.append(np.full(u.size, 1.0 / math.sqrt(u.size)))
        if not cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(cols), np.concatenate(vals)


class Detector:
    """Scores English sentences for check-worthiness in [0, 1] with a packaged linear model."""

    def __init__(self, weights: np.ndarray, bias: float, threshold: float, featurizer: Featurizer, name: str = "ngram-lr", training: dict[str, Any] | None = None) -> None:
        """Wrap weights (one per hash bucket) and the featurizer that produced them."""
        if weights.shape != (1 << featurizer.bits,):
            raise ValueError(f"weights have shape {weights.shape}, expected ({1 << featurizer.bits},)")
        # Rounded to the file's float16 so a model in memory scores exactly as its saved file does;
        # held as float32 because summing float16 is slower.
        self.weights = np.asarray(weights).astype(np.float16).astype(np.float32)
        self.bias = float(bias)
        self.threshold = float(threshold)
        self.featurizer = featurizer
        self.name = name
        self.training = training or {}

    @classmethod
    def load(cls, path: Path | None = None) -> Detector:
        """Read a model file; without a path, the one packaged next to this module."""
        if path is None:
            data = _packaged_model_bytes()
            source = f"packaged {MODEL_FILE}"
        else:
            data = Path(path).read_bytes()
            source = str(path)
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            try:
                header = json.loads(bytes(npz["header"]).decode("utf-8"))
                weights = npz["weights"]
            except KeyError as exc:
                raise ValueError(f"{source}: not a check-worthiness model (missing array {exc})") from None
        if header.get("format") != _FORMAT or header.get("version") != FORMAT_VERSION:
            raise ValueError(f"{source}: unsupported model format {header.get('format')!r} version {header.get('version')!r}")
        if not 0.0 <= header["threshold"] <= 1.0:
            raise ValueError(f"{source}: threshold {header['threshold']!r} is outside [0, 1]")
        return cls(
            weights=weights, bias=header["bias"], threshold=header["threshold"],
            featurizer=Featurizer.from_config(header["features"]), name=header.get("name", "ngram-lr"),
            training=header.get("training", {}),
        )

    def save(self, path: Path) -> None:
        """Write the model file; byte-identical for identical inputs (fixed zip timestamps)."""
        header = {
            "format": _FORMAT, "version": FORMAT_VERSION, "name": self.name, "bias": self.bias,
            "threshold": self.threshold, "features": self.featurizer.config(), "training": self.training,
        }
        arrays: dict[str, np.ndarray] = {
            "weights": self.weights.astype(np.float16),
            "header": np.frombuffer(json.dumps(header, sort_keys=True, indent=1).encode("utf-8"), dtype=np.uint8),
        }
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for key, arr in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, arr, allow_pickle=False)
                info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, buf.getvalue())

    def logit(self, text: str) -> float:
        """The linear score (log-odds) of one sentence."""
        z = self.bias
        for distinct in self.featurizer.distinct(text):
            if distinct:
                # Same value as dot(weights, features(text)): every distinct bucket has value 1/sqrt(n).
                # A set dedupes faster than np.unique; int hashing is not salted, so its order, and
                # so the float sum, is the same in every process.
                u = np.fromiter(distinct, dtype=np.int64, count=len(distinct))
                z += float(self.weights[u].sum(dtype=np.float64)) / math.sqrt(u.size)
        return z

    def score(self, text: str) -> float:
        """Check-worthiness of one sentence, in [0, 1]."""
        return logistic(self.logit(text))

    def score_many(self, texts: Sequence[str]) -> list[float]:
        """Check-worthiness of each sentence, each scored alone."""
        return [self.score(t) for t in texts]

    def is_checkworthy(self, text: str) -> bool:
        """Whether the sentence scores at or above the shipped threshold."""
        return self.score(text) >= self.threshold


def _packaged_model_bytes() -> bytes:
    """The packaged model file's bytes, via importlib.resources when imported as part of the package."""
    package = __package__ or ""
    if package:
        return resources.files(package).joinpath(MODEL_FILE).read_bytes()
    # Loaded by file path (e.g. from the training script): the model sits next to this file.
    return Path(__file__).with_name(MODEL_FILE).read_bytes()


@functools.lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The packaged detector, loaded once per process."""
    return Detector.load()
