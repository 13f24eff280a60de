#!/usr/bin/env python3
"""Benchmark the whole pipeline: the Prefect flow against the plain-Python stages, first runs and reruns.

    python bench/pipeline.py [--news ../shared/data/news/fakenewscorpus_sample.csv] [--copies 10]

Corpora: the 250-article news sample, and one of ``copies`` x 250 articles generated from it (each
copy's numbers shifted by its index, so its claims differ). For each, in fresh output folders, it
times `factflow run` (Prefect flow, default thread runner) over an empty seeds folder (the fixed cost
of starting Prefect), the first run, and a rerun with nothing changed; then the same with
`--engine plain`. Each run is its own process; peak memory is that process's maximum resident set
(the temporary Prefect server runs in a child process and is reported beside it). Targets, at the
large corpus: rerun <= 25% of the first run; the flow <= 1.3x the plain pipeline; peak <= 600 MB (with
the transformer detector, the default).
Wall times on a shared machine vary by a quarter from run to run; ``--repeat 3`` keeps each best.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NEWS = ROOT.parent / "shared" / "data" / "news" / "fakenewscorpus_sample.csv"

_CHILD = """
import json, resource, sys
from factflow_flows.cli import main
code = 0
try:
    main(sys.argv[2:], standalone_mode=False)
except SystemExit as exc:
    code = exc.code or 0
with open(sys.argv[1], "w") as handle:
    json.dump({"self_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               "children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "code": code}, handle)
"""


def generate(news: Path, folder: Path, copies: int) -> Path:
    """A corpus of ``copies`` shifted copies of the news sample, as one CSV."""
    csv.field_size_limit(2**31 - 1)
    folder.mkdir(parents=True, exist_ok=True)
    with news.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = folder / "corpus.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "content", "url", "domain", "scraped_at"])
        writer.writeheader()
        for k in range(copies):
            def shift(text: str, k: int = k) -> str:
                return re.sub(r"\d+", lambda m: str(int(m.group()) + k), text) if k else text

            for row in rows:
                writer.writerow({"id": f"{row['id']}-{k}", "title": shift(row["title"]), "content": shift(row["content"]),
                                 "url": row["url"], "domain": row["domain"], "scraped_at": row["scraped_at"]})
    return out


def timed_run(seeds: Path, out: Path, config: Path, env: dict[str, str], *extra: str) -> dict[str, float]:
    """Run `factflow run` in a fresh process; its wall time and peak memory."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as stats:
        stats_path = stats.name
    args = ["run", "-q", "--config", str(config), "--seeds", str(seeds), "--out", str(out), *extra]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, stats_path, *args], cwd=out.parent, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    info = json.loads(Path(stats_path).read_text() or "{}")
    os.unlink(stats_path)
    if done.returncode != 0 or info.get("code"):
        sys.exit(f"factflow {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return {"wall": wall, "self_mb": info["self_kb"] / 1024, "children_mb": info["children_kb"] / 1024}


def bench_corpus(name: str, seeds: Path, work: Path, env: dict[str, str], repeat: int = 1) -> dict[str, dict[str, float]]:
    """Every measurement for one corpus; with ``repeat``, each in fresh folders that many times,
    keeping the shortest wall time (the least disturbed by other load) and the largest memory."""
    config = ROOT / "config" / "factflow.yaml"
    rounds = []
    for k in range(repeat):
        empty = work / f"{name}-{k}-empty-seeds"
        empty.mkdir()
        measured = {"prefect, empty seeds": timed_run(empty, work / f"{name}-{k}-empty-out", config, env)}
        # Odd rounds run the plain pipeline first: a run after a long one is often slower here.
        for engine in (("prefect", "plain") if k % 2 == 0 else ("plain", "prefect")):
            flags = ("--engine", "plain") if engine == "plain" else ()
            measured[f"{engine}, first run"] = timed_run(seeds, work / f"{name}-{k}-{engine}", config, env, *flags)
            measured[f"{engine}, rerun"] = timed_run(seeds, work / f"{name}-{k}-{engine}", config, env, *flags)
        order = ["prefect, empty seeds", "prefect, first run", "prefect, rerun", "plain, first run", "plain, rerun"]
        rounds.append({label: measured[label] for label in order})
    results = {
        label: {"wall": min(r[label]["wall"] for r in rounds), "self_mb": max(r[label]["self_mb"] for r in rounds),
                "children_mb": max(r[label]["children_mb"] for r in rounds)}
        for label in rounds[0]
    }
    print(f"\n{name}" + (f" (best wall time of {repeat} rounds: " + ", ".join(
        "/".join(f"{r[label]['wall']:.1f}" for r in rounds) for label in rounds[0]) + ")" if repeat > 1 else ""))
    print(f"  {'run':<22} {'wall s':>8} {'peak MB':>9} {'+ child MB':>11}")
    for label, r in results.items():
        print(f"  {label:<22} {r['wall']:>8.1f} {r['self_mb']:>9.0f} {r['children_mb']:>11.0f}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news", type=Path, default=DEFAULT_NEWS, help="The news sample CSV.")
    parser.add_argument("--copies", type=int, default=10, help="Copies of the sample in the large corpus.")
    parser.add_argument("--only-large", action="store_true", help="Skip the 250-article corpus.")
    parser.add_argument("--repeat", type=int, default=1, help="Rounds of every measurement (fresh folders each); the best wall time counts.")
    args = parser.parse_args()
    if not args.news.is_file():
        sys.exit(f"news sample not found: {args.news} (pass --news PATH; it lives in ../shared/data/news/)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    with tempfile.TemporaryDirectory(prefix="factflow-bench-") as tmp:
        work = Path(tmp)
        env["PREFECT_HOME"] = str(work / "prefect-home")
        if not args.only_large:
            small = work / "news-seeds"
            small.mkdir()
            (small / args.news.name).symlink_to(args.news.resolve())
            bench_corpus("news sample (250 articles)", small, work, env, args.repeat)
        big = generate(args.news, work / "large-seeds", args.copies).parent
        r = bench_corpus(f"generated corpus ({args.copies * 250:,} articles)", big, work, env, args.repeat)
        rerun = r["prefect, rerun"]["wall"] / r["prefect, first run"]["wall"]
        ratio = r["prefect, first run"]["wall"] / r["plain, first run"]["wall"]
        peak = max(x["self_mb"] for x in r.values())
        print("\ntargets at the large corpus")
        print(f"  rerun / first run (prefect): {rerun:.2f}  (target <= 0.25: {'met' if rerun <= 0.25 else 'MISSED'})")
        print(f"  prefect / plain (first run): {ratio:.2f}  (target <= 1.30: {'met' if ratio <= 1.3 else 'MISSED'})")
        print(f"  peak memory of a run:        {peak:.0f} MB (target <= 600: {'met' if peak <= 600 else 'MISSED'})")


if __name__ == "__main__":
    main()
