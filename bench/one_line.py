#!/usr/bin/env python3
"""Time ingest and claim extraction on pathological one-line files: the work must stay linear.

    python bench/one_line.py [--mb 10] [--mb 1]

For each shape (words with no full stop, only dots, only digits, punctuation, a mix of initials,
money and opinion words, and distinct short sentences), it writes a file of one line of that size,
reads it with ``ingest.max_file_bytes`` raised to let it in, and extracts claims with the default
limits. It prints seconds for reading and for extraction, and which limits were reported. Doubling
the size should about double the time; quadratic code would quadruple it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factflow.claims import extract_claims  # noqa: E402
from factflow.config import ClaimsConfig, IngestConfig  # noqa: E402
from factflow.ingest import load_documents  # noqa: E402

SHAPES = {
    "no-sentence-end": lambda n: b"word " * (n // 5),
    "dots": lambda n: b"." * n,
    "digits": lambda n: b"1" * n,
    "punctuation": lambda n: b". , " * (n // 4),
    "mixed": lambda n: b"I think A. Smith said $1,2 " * (n // 27),
    "sentences": lambda n: "".join(f"The army said {i:,} troops arrived in Syria in 2015. " for i in range(n // 55)).encode(),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, action="append", help="file size in MB (repeatable; default 10)")
    sizes = parser.parse_args().mb or [10.0]
    claims_cfg = ClaimsConfig()
    extract_claims(next(iter(load_documents(_write(Path(tempfile.mkdtemp()), b"Warm up. The model loads once."), IngestConfig())[0])), claims_cfg)
    print(f"{'shape':<16} {'MB':>5} {'read s':>7} {'extract s':>10}  limits reported")
    for mb in sizes:
        n = int(mb * 1024 * 1024)
        for name, make in SHAPES.items():
            folder = Path(tempfile.mkdtemp(prefix="factflow-bench-"))
            _write(folder, make(n))
            start = time.perf_counter()
            (doc,), problems = load_documents(folder, IngestConfig(max_file_bytes=n * 2 + 1000))
            read = time.perf_counter() - start
            start = time.perf_counter()
            result = extract_claims(doc, claims_cfg)
            extract = time.perf_counter() - start
            limits = "; ".join(p.message.split(" (raise ")[0][:60] for p in problems + result.problems) or "-"
            print(f"{name:<16} {mb:>5g} {read:>7.2f} {extract:>10.2f}  {limits}", flush=True)


def _write(folder: Path, body: bytes) -> Path:
    (folder / "one-line.txt").write_bytes(b"Title\n\n" + body)
    return folder


if __name__ == "__main__":
    main()
