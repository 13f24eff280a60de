#!/usr/bin/env python3
"""What matching against the desk's memory adds to a run, at the issue's size: 3,000 new claims
against 100,000 imported ClaimReview items.

    python bench/memory.py [--claims 3000] [--candidates 100000] [--work build/bench-memory]

Both come from the debate sentences of ``../shared/data/checkworthy/train.tsv``: the new claims are
one-sentence documents of the first sentences labelled Yes (half again as many as ``--claims``,
since the detector passes about two in three), and the candidates are the other sentences, each written in
a few forms (a figure shifted, a "reportedly" prefix, an attribution ...) until there are
``--candidates`` distinct texts. The candidates are imported once with ``factflow import claimreview``
(which encodes them: timed and printed, and kept in ``--work`` so a second bench run skips it).
It then times, each in its own output folder:

* a run of those documents with no memory (the baseline),
* the same run with the imported index (first run: the new claims are encoded and searched),
* a rerun with nothing new (the match cache answers: nothing encoded, nothing searched),

and prints the match stage's own time (the plain runner's progress hook stamps each stage), the
added wall time, and how many claims were matched. Target: the match stage <= 30 s for 3,000 new
claims against 100,000 candidates, and about nothing on the rerun.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factflow.config import load_config  # noqa: E402
from factflow.memory import import_files  # noqa: E402
from factflow.pipeline import run_pipeline  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "checkworthy"
_NUMBER = re.compile(r"\d+")


def sentences(path: Path) -> list[tuple[str, bool]]:
    """The text and label of each sentence of a ClaimBuster TSV with six words or more."""
    csv.field_size_limit(2**31 - 1)
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [(row["Text"].strip(), row["class_label"].strip() == "Yes") for row in csv.DictReader(fh, delimiter="\t")]
    return [(text, yes) for text, yes in dict.fromkeys(rows) if len(text.split()) >= 6]


def split(data: Path, claims: int) -> tuple[list[str], list[str]]:
    """(the new claims' sentences, the candidates' base sentences): no sentence in both."""
    rows = sentences(data / "train.tsv")
    new = [text for text, yes in rows if yes][: claims + claims // 2]
    taken = set(new)
    return new, [text for text, _ in rows if text not in taken]


def candidate_texts(base: list[str], n: int) -> list[str]:
    """``n`` distinct claim texts built from ``base``, in a few written forms."""
    forms = (
        lambda s: s,
        lambda s: "Reportedly, " + s[0].lower() + s[1:],
        lambda s: _NUMBER.sub(lambda m: str(int(m.group(0)) + 3), s) if _NUMBER.search(s) else s + " That is what the record shows.",
        lambda s: s.rstrip(".") + ", an official said.",
        lambda s: "It was claimed that " + s[0].lower() + s[1:],
        lambda s: "According to the record, " + s[0].lower() + s[1:],
        lambda s: s.rstrip(".") + ", the report said.",
    )
    out: dict[str, None] = {}
    for form in forms:
        for s in base:
            out.setdefault(form(s))
            if len(out) >= n:
                return list(out)
    raise SystemExit(f"only {len(out):,} distinct candidates could be made; ask for fewer")


def write_index_file(texts: list[str], path: Path) -> None:
    """The candidates as ClaimReview JSON Lines."""
    with path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            fh.write(json.dumps({
                "@type": "ClaimReview", "url": f"https://checker.example/r/{i}", "claimReviewed": text,
                "datePublished": "2020-01-05", "author": {"@type": "Organization", "name": "Checker"},
                "reviewRating": {"@type": "Rating", "alternateName": "False"},
            }) + "\n")


def timed(loaded, seeds: Path, out: Path) -> tuple[float, dict[str, float], object]:  # type: ignore[no-untyped-def]
    """Wall time of one plain run, each stage's time (by progress label), and the result."""
    stamps: dict[str, list[float]] = {}

    def progress(label: str, done: int, total: int) -> None:
        stamps.setdefault(label, [time.perf_counter(), 0.0])[1] = time.perf_counter()

    t = time.perf_counter()
    result = run_pipeline(loaded, seeds, out, progress=progress)
    wall = time.perf_counter() - t
    return wall, {label: end - start for label, (start, end) in stamps.items()}, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA, help="the folder of train.tsv (default ../shared/data/checkworthy)")
    ap.add_argument("--claims", type=int, default=3000)
    ap.add_argument("--candidates", type=int, default=100_000)
    ap.add_argument("--work", type=Path, default=ROOT / "build" / "bench-memory")
    args = ap.parse_args(argv)
    if not (args.data / "train.tsv").is_file():
        raise SystemExit(f"needs {args.data / 'train.tsv'} (the labelled debate sentences)")
    loaded = load_config(ROOT / "config" / "factflow.yaml")
    args.work.mkdir(parents=True, exist_ok=True)

    # The new claims: one-sentence documents, as a CSV corpus.
    new, base = split(args.data, args.claims)
    seeds = args.work / f"seeds-{args.claims}"
    if not seeds.exists():
        seeds.mkdir()
        with (seeds / "claims.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "title", "content"])
            for i, text in enumerate(new):
                w.writerow([f"n{i}", f"Claim {i}", text])

    # The memory: imported once (encoding timed), then copied into each run's output folder.
    memory = args.work / f"memory-{args.candidates}"
    if not (memory / "memory" / "claimreviews.vectors.npz").is_file():
        texts = candidate_texts(base, args.candidates)
        source = args.work / f"candidates-{args.candidates}.jsonl"
        write_index_file(texts, source)
        t = time.perf_counter()
        result = import_files([source], memory)
        print(f"import: {result.total:,} reviews, {result.encoded:,} encoded in {time.perf_counter() - t:.0f} s "
              f"({result.encoded / max(1e-9, time.perf_counter() - t):.0f} claims/s)", flush=True)

    base_out = args.work / "out-baseline"
    with_out = args.work / "out-memory"
    for folder in (base_out, with_out):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(memory / "memory", with_out / "memory")

    wall0, stages0, res0 = timed(loaded, seeds, base_out)
    wall1, stages1, res1 = timed(loaded, seeds, with_out)
    wall2, stages2, res2 = timed(loaded, seeds, with_out)
    label = next((k for k in stages1 if "already" in k.lower() or "match" in k.lower()), None)
    n_claims = len(res1.report.claims)  # type: ignore[attr-defined]
    matched = sum(1 for c in res1.report.claims if c.already_checked)  # type: ignore[attr-defined]
    print(f"claims: {n_claims:,} new, against {args.candidates:,} imported candidates; {matched:,} matched at the threshold")
    # The first run of the process also loads the models, so the stage's own time is the figure, not the difference.
    print(f"run without memory: {wall0:.1f} s (models loaded); with memory: {wall1:.1f} s; rerun with nothing new: {wall2:.1f} s")
    if label:
        print(f"match stage ({label!r}): first {stages1.get(label, 0.0):.1f} s, rerun {stages2.get(label, 0.0):.2f} s  (target <= 30 s, ~0)")
    print("stages, first run with memory: " + ", ".join(f"{k} {v:.1f} s" for k, v in stages1.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
