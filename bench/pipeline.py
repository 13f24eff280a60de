#!/usr/bin/env python3
"""Benchmark the whole pipeline: the Prefect flow against the plain-Python stages, first runs and reruns.

    python bench/pipeline.py [--news ../shared/data/news/fakenewscorpus_sample.csv] [--copies 10]
    python bench/pipeline.py --only-workers [--batch-size 10] [--repeat 3]
    python bench/pipeline.py --only-dask [--repeat 3]
    python bench/pipeline.py --only-large --one-sentence 20000 [--distinct] [--copies 0] [--engine plain] [--no-rerun]

Corpora: the 250-article news sample, and one of ``copies`` x 250 articles generated from it (each
copy's numbers shifted by its index, so its claims differ). For each, in fresh output folders, it
times `factflow run` (Prefect flow, default thread runner) over an empty seeds folder (the fixed cost
of starting Prefect), the first run, a rerun with nothing changed and (the generated corpus) a
rerun after one document in a hundred was edited (a sentence added); then the same with
`--engine plain`. Each run is its own process; peak memory is that process's maximum resident set
(the temporary Prefect server runs in a child process and is reported beside it), and beside it the
output folder's size, its file count and its bytes per claim. ``--one-sentence N`` adds a corpus of
N one-sentence documents (one CSV: the news sample's sentences, split as the pipeline splits them,
each pass over them with its numbers shifted by the pass's index, so sentences without numbers
repeat; ``--distinct`` makes every document's text different, and the bench prints how many
different texts the corpus holds); ``--copies 0`` leaves out the
generated articles, ``--engine plain`` the flow, ``--no-rerun`` the reruns. Targets, at the
large corpus: rerun <= 25% of the first run, and <= 10% after 1% of the documents changed; the flow
<= 1.3x the plain pipeline; peak <= 600 MB (with the transformer detector, the default).
Wall times on a shared machine vary by a quarter from run to run; ``--repeat 3`` keeps each best.
``--served``: the flow's runs use one long-running local Prefect server, started here as
``factflow serve`` starts it (and stopped at the end), as a run started while ``serve`` runs does,
instead of a temporary server each; that server's memory is not in the runs' figures.

The extraction stage alone, on the news sample, with one and two workers (``run.workers``): each in
a fresh process with the extraction cache off, timing the stage from its first batch to its last
result (worker start-up and model loading included, reading the documents not): one worker in
the run's process with the model's default two threads, the same with one thread, and two worker
processes with one model thread each. Target: two workers >= 1.7x one.

The flow on a local Dask cluster (``--task-runner dask``) of one and of two workers, on the news
sample with the extraction cache off: whole runs, so each figure includes starting the cluster and
the temporary Prefect server.
"""

from __future__ import annotations

import argparse
import contextlib
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


# The extraction stage alone, in a fresh process: argv = config, seeds, out, workers, model threads
# of the run's own process (0: the default), batch size. Prints the stage's wall and CPU seconds
# (its own and its workers'), and the peak memory of the process and of its largest worker, as JSON.
_EXTRACT = """
import json, resource, sys, time
from pathlib import Path
from factflow.config import load_config
from factflow.pipeline import PIPELINE, PlainRunner
from factflow.stages import RunContext, load
from factflow.runtime import limit_threads

config, seeds, out, workers, threads, batch = sys.argv[1:]
loaded = load_config(Path(config)).with_changes("run", workers=int(workers), batch_size=int(batch)).with_changes("cache", enabled=False)
if int(threads):
    limit_threads(int(threads))
ctx = RunContext(loaded, Path(seeds), Path(out))
documents, _ = load(ctx)
stage = next(s for s in PIPELINE if s.each is not None)
batches = stage.each(ctx, documents, None)

def cpu():
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


start, used = time.perf_counter(), cpu()
for _ in PlainRunner().map(stage, ctx, batches):
    pass  # the pool's workers have ended (and count as children) when the stage returns
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": cpu() - used, "documents": len(documents), "batches": len(batches),
                  "self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

#: The extraction stage's settings compared: (label, run.workers, model threads of the run's own process; 0: the default).
WORKER_SETTINGS = [("1 worker, 2 model threads", 1, 0), ("1 worker, 1 model thread", 1, 1), ("2 workers, 1 model thread each", 2, 0)]


def bench_workers(seeds: Path, work: Path, env: dict[str, str], batch_size: int, repeat: int = 1) -> dict[str, float]:
    """The extraction stage's best wall time (of ``repeat`` rounds) with each of :data:`WORKER_SETTINGS`; printed,
    with the CPU time of that round (a wall time near the CPU time means one core's worth of work) and the
    peak memory of the run's process and of a worker process."""
    config = ROOT / "config" / "factflow.yaml"
    times: dict[str, list[float]] = {label: [] for label, _, _ in WORKER_SETTINGS}
    cpu: dict[tuple[str, float], float] = {}
    shape: dict[str, dict[str, float]] = {}
    for k in range(repeat):
        for label, workers, threads in WORKER_SETTINGS if k % 2 == 0 else WORKER_SETTINGS[::-1]:
            out = work / f"extract-{k}-{workers}-{threads}"
            out.mkdir()
            done = subprocess.run([sys.executable, "-c", _EXTRACT, str(config), str(seeds), str(out), str(workers), str(threads),
                                   str(batch_size)], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(f"extraction with {label} failed:\n{done.stdout}\n{done.stderr}")
            shape[label] = measured = json.loads(done.stdout.splitlines()[-1])
            times[label].append(measured["seconds"])
            cpu[label, measured["seconds"]] = measured["cpu"]
    best = {label: min(t) for label, t in times.items()}
    one, one_thread, two = (best[label] for label, _, _ in WORKER_SETTINGS)
    documents = next(iter(shape.values()))["documents"]
    print(f"\nextraction stage, {documents:.0f} documents, run.batch_size {batch_size}, {os.cpu_count()} cores" + (
        f" (best of {repeat} rounds: " + "; ".join(f"{label}: " + "/".join(f"{t:.1f}" for t in ts) for label, ts in times.items())
        + ")" if repeat > 1 else ""))
    print(f"  {'':<32} {'batches':>8} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'+ worker MB':>12}")
    for label, workers, _ in WORKER_SETTINGS:
        m, seconds = shape[label], best[label]
        each = f"{workers} x {m['worker_mb']:.0f}" if workers > 1 else ""
        print(f"  {label:<32} {m['batches']:>8.0f} {seconds:>8.1f} {cpu[label, seconds]:>8.1f} {m['self_mb']:>8.0f} {each:>12}")
    speedup = one / two
    print(f"  two workers / one worker:        {speedup:.2f}x  (target >= 1.70: {'met' if speedup >= 1.7 else 'MISSED'}); "
          f"against one worker with one model thread: {one_thread / two:.2f}x")
    return best


def bench_dask(seeds: Path, work: Path, env: dict[str, str], config: Path, repeat: int = 1) -> dict[int, float]:
    """The flow on a local Dask cluster (``--task-runner dask``) of one and of two worker processes
    (``run.dask_workers``), the extraction cache off: each run's best wall time (cluster start-up and
    the temporary Prefect server included) and its documents and sentences a second; printed."""
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    best: dict[int, float] = {}
    sentences = documents = 0
    for k in range(repeat):
        for workers in (1, 2) if k % 2 == 0 else (2, 1):
            data.setdefault("run", {})["dask_workers"] = workers
            data.setdefault("cache", {})["enabled"] = False
            path = work / f"dask-{workers}.yaml"
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
            out = work / f"dask-{k}-{workers}"
            wall = timed_run(seeds, out, path, env, "--task-runner", "dask")["wall"]
            best[workers] = min(wall, best.get(workers, wall))
            documents, sentences = summary_count(out, "documents"), summary_count(out, "sentences")
    print(f"\nthe flow on a local Dask cluster (--task-runner dask), {documents:,} documents, extraction cache off"
          + (f", best of {repeat} rounds" if repeat > 1 else ""))
    print(f"  {'dask workers':<14} {'wall s':>8} {'documents/s':>12} {'sentences/s':>12}")
    for workers, wall in sorted(best.items()):
        print(f"  {workers:<14} {wall:>8.1f} {documents / wall:>12.1f} {sentences / wall:>12.1f}")
    print(f"  two workers / one:  {best[1] / best[2]:.2f}x (whole runs: start-up included)")
    return best


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


#: Places a pass over the sentences names when ``--distinct`` asks that no sentence repeat.
_PLACES = ("Ohio", "Kent", "Lagos", "Perth", "Quebec", "Goa", "Bavaria", "Oslo", "Texas", "Cork", "Natal")


def generate_one_sentence(news: Path, folder: Path, n: int, distinct: bool = False) -> Path:
    """A corpus of ``n`` one-sentence documents, as one CSV (written once per folder): the news sample's
    sentences, each pass over them with its numbers shifted by the pass's index, so a sentence without
    a number repeats; with ``distinct``, each pass after the first also opens every sentence with a
    place and the pass's index ("In Kent district 3, ..."), so that no two documents' text is the same."""
    out = folder / "corpus.csv"
    if out.is_file():
        return out
    sys.path.insert(0, str(ROOT))
    from factflow.claims.split import split_sentences

    csv.field_size_limit(2**31 - 1)
    with news.open(encoding="utf-8", newline="") as handle:
        bodies = [row["content"] for row in csv.DictReader(handle)]
    sentences = list(dict.fromkeys(
        " ".join(body[start:end].split()) for body in bodies for start, end in split_sentences(body) if len(body[start:end].split()) >= 4))
    folder.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "content"])
        for i in range(n):
            k, text = i // len(sentences), sentences[i % len(sentences)]
            if k:
                text = re.sub(r"\d+", lambda m, k=k: str(int(m.group()) + k), text)
                if distinct:
                    text = f"In {_PLACES[k % len(_PLACES)]} district {k}, {text[:1].lower()}{text[1:]}"
            writer.writerow([f"s{i}", f"Sentence {i}", text])
    return out


def distinct_texts(corpus: Path) -> int:
    """How many different texts a CSV corpus's documents hold."""
    with corpus.open(encoding="utf-8", newline="") as handle:
        return len({row["content"] for row in csv.DictReader(handle)})


def output_size(out: Path) -> tuple[int, int]:
    """The bytes and the number of files under an output folder."""
    size = files = 0
    for path in out.rglob("*"):
        if path.is_file() and not path.is_symlink():
            size += path.stat().st_size
            files += 1
    return size, files


def summary_count(out: Path, name: str) -> int:
    """A count of the run's report summary (near the top of the file): claims, documents, sentences."""
    with (out / "reports" / "verdicts.yaml").open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(f"  {name}: "):
                return int(line.split(":")[1])
    return 0


def claims_in(out: Path) -> int:
    """The claims the run's report holds."""
    return summary_count(out, "claims")


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
    size, files = output_size(out)
    return {"wall": wall, "self_mb": info["self_kb"] / 1024, "children_mb": info["children_kb"] / 1024,
            "out_mb": size / 1e6, "files": files, "claims": claims_in(out)}


def change_one_in(corpus: Path, every: int = 100) -> bytes:
    """Edit one document in ``every`` of a CSV corpus in place (a sentence with a figure added to its
    text, different for each); the file's original bytes, to put back."""
    original = corpus.read_bytes()
    with corpus.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames or [], list(reader)
    with corpus.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for i, row in enumerate(rows):
            if i % every == 0:
                row["content"] += f"\n\nThe council approved {i + 12} new homes on Tuesday, officials said."
            writer.writerow(row)
    return original


def bench_corpus(name: str, seeds: Path, work: Path, env: dict[str, str], repeat: int = 1,
                 engines: tuple[str, ...] = ("prefect", "plain"), rerun: bool = True,
                 config: Path = ROOT / "config" / "factflow.yaml", changed: Path | None = None) -> dict[str, dict[str, float]]:
    """Every measurement for one corpus; with ``repeat``, each in fresh folders that many times,
    keeping the shortest wall time (the least disturbed by other load) and the largest memory.
    ``changed``: the corpus's CSV file, for a third run after one document in a hundred is edited
    (the file is put back as it was afterwards)."""
    rounds = []
    slug = re.sub(r"\W+", "-", name)
    for k in range(repeat):
        measured = {}
        if "prefect" in engines:
            empty = work / f"{slug}-{k}-empty-seeds"
            empty.mkdir()
            measured["prefect, empty seeds"] = timed_run(empty, work / f"{slug}-{k}-empty-out", config, env)
        # Odd rounds run the plain pipeline first: a run after a long one is often slower here.
        for engine in (engines if k % 2 == 0 else engines[::-1]):
            flags = ("--engine", "plain") if engine == "plain" else ()
            measured[f"{engine}, first run"] = timed_run(seeds, work / f"{slug}-{k}-{engine}", config, env, *flags)
            if rerun:
                measured[f"{engine}, rerun"] = timed_run(seeds, work / f"{slug}-{k}-{engine}", config, env, *flags)
            if rerun and changed is not None:
                original = change_one_in(changed)
                try:
                    measured[f"{engine}, 1% changed"] = timed_run(seeds, work / f"{slug}-{k}-{engine}", config, env, *flags)
                finally:
                    changed.write_bytes(original)
        order = ["prefect, empty seeds", "prefect, first run", "prefect, rerun", "prefect, 1% changed",
                 "plain, first run", "plain, rerun", "plain, 1% changed"]
        rounds.append({label: measured[label] for label in order if label in measured})
    results = {
        label: {"wall": min(r[label]["wall"] for r in rounds), "self_mb": max(r[label]["self_mb"] for r in rounds),
                "children_mb": max(r[label]["children_mb"] for r in rounds),
                **{key: rounds[-1][label][key] for key in ("out_mb", "files", "claims")}}
        for label in rounds[0]
    }
    print(f"\n{name}" + (f" (best wall time of {repeat} rounds: " + ", ".join(
        "/".join(f"{r[label]['wall']:.1f}" for r in rounds) for label in rounds[0]) + ")" if repeat > 1 else ""))
    print(f"  {'run':<22} {'wall s':>8} {'peak MB':>9} {'+ child MB':>11} {'claims':>8} {'output MB':>10} {'files':>8} {'bytes/claim':>12}")
    for label, r in results.items():
        per_claim = f"{r['out_mb'] * 1e6 / r['claims']:,.0f}" if r["claims"] else "-"
        print(f"  {label:<22} {r['wall']:>8.1f} {r['self_mb']:>9.0f} {r['children_mb']:>11.0f} {r['claims']:>8,.0f} "
              f"{r['out_mb']:>10.1f} {r['files']:>8,.0f} {per_claim:>12}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news", type=Path, default=DEFAULT_NEWS, help="The news sample CSV.")
    parser.add_argument("--copies", type=int, default=10, help="Copies of the sample in the large corpus.")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--only-large", action="store_true", help="Skip the 250-article corpus (and the extraction stage's figures).")
    only.add_argument("--only-workers", action="store_true", help="Only the extraction stage with one and two workers, on the news sample.")
    only.add_argument("--only-dask", action="store_true", help="Only the flow on a local Dask cluster of one and two workers, on the news sample.")
    parser.add_argument("--repeat", type=int, default=1, help="Rounds of every measurement (fresh folders each); the best wall time counts.")
    parser.add_argument("--batch-size", type=int, default=50, help="run.batch_size for the extraction stage's figures (default: the shipped 50).")
    parser.add_argument("--one-sentence", type=int, default=0, metavar="N",
                        help="Also a corpus of N generated one-sentence documents (e.g. 20000; the issue's size is 100000).")
    parser.add_argument("--distinct", action="store_true",
                        help="With --one-sentence: no two documents' text the same (sentences without numbers repeat otherwise).")
    parser.add_argument("--engine", choices=("both", "plain", "prefect"), default="both", help="Which engines the corpora run with.")
    parser.add_argument("--no-rerun", action="store_true", help="First runs only.")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "factflow.yaml",
                        help="The config of the corpus runs (e.g. one with claims.detector: ngram).")
    parser.add_argument("--served", action="store_true",
                        help="The flow's runs use one long-running Prefect server, as while `factflow serve` runs, not a temporary one each.")
    args = parser.parse_args()
    engines = ("prefect", "plain") if args.engine == "both" else (args.engine,)
    corpus = {"engines": engines, "rerun": not args.no_rerun, "config": args.config.resolve()}
    if not args.news.is_file():
        sys.exit(f"news sample not found: {args.news} (pass --news PATH; it lives in ../shared/data/news/)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    with tempfile.TemporaryDirectory(prefix="factflow-bench-") as tmp, contextlib.ExitStack() as stack:
        work = Path(tmp)
        env["PREFECT_HOME"] = str(work / "prefect-home")
        if args.served:
            from factflow_flows.server import prefect_api

            saved = os.environ.pop("PREFECT_API_URL", None)  # a server of the bench's own, in its PREFECT_HOME
            if saved is not None:
                stack.callback(os.environ.__setitem__, "PREFECT_API_URL", saved)
            api = stack.enter_context(prefect_api(work / "prefect-home"))
            print(f"flow runs use the long-running Prefect server at {api.url} (its memory is not in the figures)")
        small = work / "news-seeds"
        small.mkdir()
        (small / args.news.name).symlink_to(args.news.resolve())
        if not args.only_large and not args.only_dask:
            bench_workers(small, work, env, args.batch_size, args.repeat)
        if not args.only_large and not args.only_workers:
            bench_dask(small, work, env, args.config.resolve(), args.repeat)
        if args.only_workers or args.only_dask:
            return
        if not args.only_large:
            bench_corpus("news sample (250 articles)", small, work, env, args.repeat, **corpus)
        if args.copies:
            big_csv = generate(args.news, work / "large-seeds", args.copies)
            r = bench_corpus(f"generated corpus ({args.copies * 250:,} articles)", big_csv.parent, work, env, args.repeat, **corpus,
                             changed=big_csv)
            print("\ntargets at the large corpus")
            if "prefect, rerun" in r:
                rerun = r["prefect, rerun"]["wall"] / r["prefect, first run"]["wall"]
                print(f"  rerun / first run (prefect): {rerun:.2f}  (target <= 0.25: {'met' if rerun <= 0.25 else 'MISSED'})")
            for engine in corpus["engines"]:
                if f"{engine}, 1% changed" in r:
                    part = r[f"{engine}, 1% changed"]["wall"] / r[f"{engine}, first run"]["wall"]
                    print(f"  1% changed / first ({engine}): {part:.2f}  (target <= 0.10: {'met' if part <= 0.1 else 'MISSED'})")
            if "prefect, first run" in r and "plain, first run" in r:
                ratio = r["prefect, first run"]["wall"] / r["plain, first run"]["wall"]
                print(f"  prefect / plain (first run): {ratio:.2f}  (target <= 1.30: {'met' if ratio <= 1.3 else 'MISSED'})")
            peak = max(x["self_mb"] for x in r.values())
            print(f"  peak memory of a run:        {peak:.0f} MB (target <= 600: {'met' if peak <= 600 else 'MISSED'})")
        if args.one_sentence:
            kind = "distinct" if args.distinct else "generated"
            path = generate_one_sentence(args.news, work / f"one-sentence-{kind}-{args.one_sentence}", args.one_sentence, args.distinct)
            r = bench_corpus(f"one-sentence documents ({args.one_sentence:,}, {distinct_texts(path):,} different texts)",
                             path.parent, work, env, args.repeat, **corpus)
            peak = max(x["self_mb"] for x in r.values())
            print(f"  peak memory of a run:        {peak:.0f} MB (target at 100,000 documents <= 1,000)")
            if "plain, first run" in r:
                print(f"  first run (plain):           {r['plain, first run']['wall']:.0f} s (target at 100,000 documents <= 150)")


if __name__ == "__main__":
    main()
