"""The sentence encoder for claim matching, run with onnxruntime and tokenizers (no torch at run time).

Files, in ``factflow/claims/models/`` (written by ``scripts/build_encoder.py``):

* ``minilm-encoder.onnx``: the pretrained all-MiniLM-L6-v2 (Apache-2.0) with mean pooling and L2
  normalisation inside the graph, int8-quantised; inputs ``input_ids`` and ``attention_mask``
  (int64, batch x tokens), output ``embedding`` (batch x 384, unit length);
* ``minilm-tokenizer.json``: the WordPiece tokenizer the detector ships too (the same file);
* ``minilm-encoder.json``: provenance (weights' sha256, licence), the export's settings and hashes.

It matched better than the fine-tuned detector's pooled embedding on the development pairs of
``bench/matching.py`` (``bench/matching.md``): fine-tuning for check-worthiness pulls every claim
towards one direction, so unrelated claims look alike.

Batched: the sentences are sorted by length and run in batches of similar length. Dynamic int8
quantisation scales activations per batch, so a sentence's vector moves a little with its
neighbours; on the development pairs that moved cosine scores by at most a few thousandths
(``bench/matching.md``), far less than the gap between same-claim and different-claim pairs, and
batching is what makes encoding 100,000 candidates affordable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from factflow.runtime import cpu_session, default_threads, load_tokenizer, tokenizer_input

__all__ = ["DIMENSIONS", "SentenceEncoder"]

_META = "minilm-encoder.json"
_FORMAT = "factflow-sentence-encoder"
#: The vector length of the packaged encoder.
DIMENSIONS = 384
#: Sentences per onnxruntime call: large enough to amortise the call, small enough that padding stays short.
BATCH = 16
#: Sentences tokenised at a time (their token ids are kept, the tokenizer's encodings are not).
TOKENISE = 1024


class SentenceEncoder:
    """Turns sentences into unit-length vectors whose dot product is their semantic similarity."""

    def __init__(self, model: bytes | Path, tokenizer_json: str, meta: dict[str, Any], threads: int | None = None) -> None:
        """Build the inference session and tokenizer from the model files' contents."""
        if meta.get("format") != _FORMAT or meta.get("version") != 1:
            raise ValueError(f"unsupported sentence encoder metadata {meta.get('format')!r} version {meta.get('version')!r}")
        self.session = cpu_session(model, default_threads(threads))
        self.max_tokens = int(meta["max_tokens"])
        self.tokenizer = load_tokenizer(tokenizer_json, self.max_tokens)
        self.meta = meta
        self.dimensions = int(meta["dimensions"])

    @classmethod
    def load(cls, folder: Path | None = None, threads: int | None = None) -> SentenceEncoder:
        """The packaged encoder (or the one in ``folder``)."""
        if folder is None:
            base: Any = resources.files("factflow.claims").joinpath("models")  # beside the detector, sharing its tokenizer
        else:
            base = folder
        meta = json.loads(base.joinpath(_META).read_text(encoding="utf-8"))
        with resources.as_file(base.joinpath(meta["model"])) as model:  # the file itself, installed as files
            return cls(model, base.joinpath(meta["tokenizer"]).read_text(encoding="utf-8"), meta, threads)

    def encode(self, sentences: Sequence[str], batch: int = BATCH) -> np.ndarray:
        """A (len(sentences), dimensions) float32 array of unit vectors, in input order."""
        out = np.zeros((len(sentences), self.dimensions), dtype=np.float32)
        if not sentences:
            return out
        # A slice of sentences at a time, tokenised, encoded and let go: a tokenizer's encoding of a sentence
        # (offsets, tokens, masks) weighs kilobytes, its token ids as Python ints more than a kilobyte, and
        # 47,000 texts' ids held at once cost 60 MB.
        for start in range(0, len(sentences), TOKENISE):
            token_ids = [e.ids for e in self.tokenizer.encode_batch(tokenizer_input(sentences[start:start + TOKENISE], self.max_tokens))]
            # Similar lengths together: little padding, so little work wasted and little batch effect.
            order = sorted(range(len(token_ids)), key=lambda i: len(token_ids[i]))
            for k in range(0, len(order), batch):
                part = order[k:k + batch]
                width = max(1, max(len(token_ids[i]) for i in part))
                ids = np.zeros((len(part), width), dtype=np.int64)
                mask = np.zeros((len(part), width), dtype=np.int64)
                for row, i in enumerate(part):
                    tokens = token_ids[i]
                    ids[row, : len(tokens)] = tokens
                    mask[row, : len(tokens)] = 1
                mask[:, 0] = 1  # an empty text still has one (padding) token to pool over
                out[[start + i for i in part]] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        # Renormalised here too: the graph normalises, but int8 rounding and an all-zero row must not leak through.
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out
