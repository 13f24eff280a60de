"""Running on this machine: the shipped models on the CPU (one onnxruntime session and tokenizer setup,
shared by the check-worthiness detector, ``claims/transformer.py``, and the sentence encoder,
``encoder.py``), and batch work with the garbage collector paused (:func:`collector_paused`)."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: The threads a model may use in this process, set by :func:`limit_threads` (None: no limit).
_limit: int | None = None


def limit_threads(threads: int) -> None:
    """Cap the threads of every model this process loads from now on: a worker process of a pool
    (``run.workers``) takes its share of the cores, so that the workers do not oversubscribe them."""
    global _limit
    _limit = max(1, threads)


def default_threads(threads: int | None = None) -> int:
    """The threads a model uses: ``threads`` when given, else the machine's cores up to two, at most
    this process's limit (see :func:`limit_threads`)."""
    if threads is not None:
        return max(1, threads)
    found = min(2, os.cpu_count() or 1)
    return max(1, found if _limit is None else min(found, _limit))


def cpu_session(model: bytes | Path, intra_op_threads: int) -> Any:
    """An onnxruntime session on the CPU: ``intra_op_threads`` per run, one inter-op thread, and no
    spinning (a spinning thread burns a core that another run or worker process could use).

    Give the model file's path where there is one: a session made from bytes keeps them for its
    whole life (onnxruntime holds them to rebuild the session), 23 MB for the detector, in every process."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = intra_op_threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(os.fspath(model) if isinstance(model, Path) else model, options, providers=["CPUExecutionProvider"])


#: Characters of a text handed to a tokenizer for each token it keeps. The tokenizer reads the whole text
#: before it truncates (a 10 MB claim took 1.6 GB); WordPiece reads words of up to 100 characters (a
#: longer one is one [UNK]), so ``max_tokens`` tokens of any text but one of giant words or vast runs
#: of spaces end long before this: what the model sees does not change.
CHARS_PER_TOKEN = 200


def tokenizer_input(texts: Sequence[str], max_tokens: int) -> list[str]:
    """``texts`` cut to what a tokenizer truncating at ``max_tokens`` can use (see :data:`CHARS_PER_TOKEN`)."""
    limit = max_tokens * CHARS_PER_TOKEN
    return [text[:limit] for text in texts]


def load_tokenizer(tokenizer_json: str, max_tokens: int) -> Any:
    """The model's tokenizer, unpadded, truncating at ``max_tokens``."""
    from tokenizers import Tokenizer

    found = Tokenizer.from_str(tokenizer_json)
    found.no_padding()
    found.enable_truncation(max_tokens)
    return found


def collector_paused() -> contextlib.AbstractContextManager[None]:
    """Python's cyclic garbage collector off for the block, and back as it was after it.

    A run builds hundreds of thousands of small objects that live until it ends (claims, sources,
    verdicts, records), and the collector, set off by allocations, walks every live object at
    each full collection: on a rerun of 2,500 articles with one in a hundred edited, nine full
    collections took 0.85 s of 4.5 s. The run's data are trees, not cycles, so little waits for the
    collector meanwhile: reference counting frees the rest as usual (the benchmark's peak memory
    did not move). Mercurial pauses its collector the same way while it builds large structures.
    """
    return _collector(False)


def collector_running() -> contextlib.AbstractContextManager[None]:
    """Python's cyclic garbage collector on for the block, and back as it was after it: for work inside
    :func:`collector_paused` that makes reference cycles as it goes (network I/O: HTTP clients,
    connection pools, retries' exceptions with their tracebacks), so that they do not pile up."""
    return _collector(True)


@contextlib.contextmanager
def _collector(on: bool) -> Iterator[None]:
    was = gc.isenabled()
    (gc.enable if on else gc.disable)()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()
