"""The fine-tuned transformer detector (``claims.detector: minilm``), run with onnxruntime and tokenizers.

Files, in ``factflow/claims/models/`` (written by ``scripts/train_transformer.py``):

* ``minilm-checkworthy.onnx``: all-MiniLM-L6-v2 fine-tuned for check-worthiness (mean pooling and
  one linear output: the log-odds of Yes), int8-quantised; inputs ``input_ids`` and
  ``attention_mask`` (int64, batch x tokens), output ``logit`` (batch);
* ``minilm-tokenizer.json``: the model's WordPiece tokenizer, for the ``tokenizers`` library;
* ``minilm-checkworthy.json``: ``max_tokens``, the Platt calibration ``a``, ``b`` (probability =
  sigmoid(a * logit + b)), the ``threshold`` on that probability, the n-gram ``screen``, reference
  logits of the trained model, and the training record (data hashes, figures).

The screen: a sentence the n-gram model is sure is not a claim (its calibrated probability below
``screen.below``) is not run through the transformer and keeps that calibrated probability; the
cut was chosen on development data so recall drops by at most one point. On news it spares the
transformer about a fifth of the sentences (19.7% of the news development fold; 32% of the sentences
scored in the 233 articles not held out), on debates about half.

No torch and no transformers at run time; nothing is downloaded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from factflow.claims.detector import logistic
from factflow.runtime import cpu_session, default_threads, load_tokenizer, tokenizer_input

__all__ = ["MODEL_DIR", "TransformerDetector"]

#: The packaged model files' folder, inside the package.
MODEL_DIR = "models"
_META = "minilm-checkworthy.json"
_FORMAT = "factflow-transformer-detector"


@dataclass(frozen=True)
class Calibration:
    """Platt scaling: probability = sigmoid(a * logit + b)."""

    a: float
    b: float

    def __call__(self, logit: float) -> float:
        """The calibrated probability of one logit."""
        return logistic(self.a * logit + self.b)


class TransformerDetector:
    """Scores sentences in batches with the packaged int8 ONNX model; screened by the n-gram model."""

    def __init__(self, model: bytes | Path, tokenizer_json: str, meta: dict[str, Any], threads: int | None = None) -> None:
        """Build the inference session and tokenizer from the model files' contents."""
        if meta.get("format") != _FORMAT or meta.get("version") != 1:
            raise ValueError(f"unsupported transformer model metadata {meta.get('format')!r} version {meta.get('version')!r}")
        # One thread per run: the parallelism is across sentences (see ``logits``).
        self.threads = default_threads(threads)
        self._executor: ThreadPoolExecutor | None = None
        self.session = cpu_session(model, 1)
        self.max_tokens = int(meta["max_tokens"])
        self.tokenizer = load_tokenizer(tokenizer_json, self.max_tokens)
        self.meta = meta
        self.threshold = float(meta["threshold"])
        self.calibration = Calibration(**meta["calibration"])
        self.screen_calibration = Calibration(**meta["screen"]["ngram_calibration"])
        self.screen_below = float(meta["screen"]["below"])

    @classmethod
    def load(cls, folder: Path | None = None, threads: int | None = None) -> TransformerDetector:
        """The packaged model (or the one in ``folder``)."""
        if folder is None:
            base = resources.files(__package__ or "factflow.claims").joinpath(MODEL_DIR)
            meta = json.loads(base.joinpath(_META).read_text(encoding="utf-8"))
            with resources.as_file(base.joinpath(meta["model"])) as model:  # the file itself, installed as files
                return cls(model, base.joinpath(meta["tokenizer"]).read_text(encoding="utf-8"), meta, threads)
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        return cls(folder / meta["model"], (folder / meta["tokenizer"]).read_text(encoding="utf-8"), meta, threads)

    def logits(self, sentences: Sequence[str]) -> list[float]:
        """The model's raw log-odds of Yes for each sentence (no screen, no calibration).

        Each sentence runs alone, spread over ``threads`` threads (onnxruntime releases the GIL):
        dynamic int8 quantisation scales activations per input tensor, so in a padded batch a
        sentence's score would depend on its neighbours. Alone, it scores the same wherever it
        appears, and on short inputs one call per sentence costs about as much as batching.
        """
        encodings = self.tokenizer.encode_batch(tokenizer_input(sentences, self.max_tokens))
        if len(encodings) > 1 and self.threads > 1:
            return list(self._pool().map(self._one, encodings))
        return [self._one(e) for e in encodings]

    def _one(self, encoding: Any) -> float:
        ids = np.asarray([encoding.ids or [0]], dtype=np.int64)
        return float(self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0])

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="factflow-minilm")
        return self._executor

    def scores(self, sentences: Sequence[str], ngram_logits: Sequence[float] | None = None,
               settled: Sequence[bool] | None = None) -> list[float]:
        """Calibrated probabilities; sentences the n-gram model screens out keep its calibrated probability,
        and so do those ``settled`` says are decided without a score (a question, prediction, opinion or promotion:
        never a claim, whatever the model would say), so the model runs only where its score decides."""
        if ngram_logits is None:
            return [self.calibration(z) for z in self.logits(sentences)]
        out = [self.screen_calibration(z) for z in ngram_logits]
        keep = [i for i, p in enumerate(out) if p >= self.screen_below and not (settled and settled[i])]
        if keep:
            for i, z in zip(keep, self.logits([sentences[i] for i in keep]), strict=True):
                out[i] = self.calibration(z)
        return out
