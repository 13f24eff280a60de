#!/usr/bin/env python3
"""Time writing the YAML report at tens of thousands of claims (libyaml's C dumper when present).

    python bench/report.py [--claims 20000]

Builds a synthetic report from the seed article's claims repeated with shifted numbers, then
prints the dumper in use, the report's size and the seconds to serialise and write it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from factflow.config import load_config  # noqa: E402
from factflow.pipeline import run_pipeline  # noqa: E402
from factflow.reportfile import report_text, write_report  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_pipeline(load_config(ROOT / "config" / "factflow.yaml"), ROOT / "seeds", Path(tmp))
    base = result.report.claims
    claims = [c.model_copy(update={"id": f"c-{i:012x}", "text": c.text + f" ({i})"}) for i in range(args.claims) for c in [base[i % len(base)]]]
    report = result.report.model_copy(update={"claims": claims})
    dumper = "factflow.yamlemit (block style, direct)"
    start = time.perf_counter()
    text = report_text(report)
    serialise = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_report(report, Path(tmp) / "verdicts.yaml")
        total = time.perf_counter() - start
    print(f"dumper: {dumper}")
    print(f"claims: {len(claims):,}; report: {len(text.encode()) / 1e6:.1f} MB")
    print(f"serialise: {serialise:.2f} s; serialise + atomic write: {total:.2f} s")


if __name__ == "__main__":
    main()
