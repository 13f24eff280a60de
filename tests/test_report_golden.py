"""Streaming correctness: a run writes the same outputs, byte for byte but its own timestamps, as the
golden files recorded before the report and the run's records were streamed.

The seed run's outputs are committed as text (``tests/golden/seeds-*.txt``: the report, the task
files, the verdict stubs, the assignments, and the SHA-256 of the report's JSON twin); the news
sample's only as SHA-256 digests (``tests/golden/news.json``), since its text is not ours to commit.
Each run is a first run and a rerun into the same folder (the rerun copies unchanged claims' text
from the first report). The detector is ``ngram``: its scores are sums in float64, the same on every
CPU, where the int8 transformer's logits move with the CPU's instructions (see test_transformer.py).

Regenerate, after a change that is meant to change the outputs:
``FACTFLOW_REGENERATE_GOLDEN=1 python -m pytest tests/test_report_golden.py``, and read the diff.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from factflow.config import LoadedConfig, load_config
from factflow.pipeline import run_pipeline
from tests.conftest import CONFIG, NEWS, SEED

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("FACTFLOW_REGENERATE_GOLDEN") == "1"
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\+00:00|Z)")


def golden_config() -> LoadedConfig:
    """The shipped config with the n-gram detector, under a fixed name and digest (the report records both)."""
    loaded = load_config(CONFIG).with_changes("claims", detector="ngram")
    return loaded.model_copy(update={"path": "config/factflow.yaml", "sha256": "0" * 64})


def normalised(text: str, since: datetime) -> str:
    """``text`` with every timestamp made by the runs (from ``since`` on) replaced; dates from the input stay."""
    def stamp(match: re.Match[str]) -> str:
        when = datetime.fromisoformat(match.group().replace("Z", "+00:00"))
        return "<run time>" if when >= since - timedelta(seconds=2) else match.group()

    return _STAMP.sub(stamp, text)


def outputs(out: Path, since: datetime) -> dict[str, str]:
    """What a reader of a run's output folder sees, normalised, by group: the report, its JSON twin,
    the assignments, the task files, the verdict stubs (each group's files in name order)."""
    report = (out / "reports" / "verdicts.yaml").read_bytes()
    twin_digest, twin = (out / "reports" / ".verdicts.yaml.json").read_text(encoding="utf-8").split("\n", 1)
    assert twin_digest == hashlib.sha256(report).hexdigest()  # the twin mirrors exactly this report

    def files(pattern: str) -> str:
        return "".join(f"--- {p.relative_to(out).as_posix()}\n{p.read_text(encoding='utf-8')}" for p in sorted(out.glob(pattern)))

    groups = {
        "report": report.decode("utf-8"),
        "twin": twin,
        "assignments": (out / "review" / "assignments.json").read_text(encoding="utf-8"),
        "tasks": files("review/tasks/*.yaml"),
        "stubs": files("review/verdicts/*/*.yaml"),
    }
    return {name: normalised(text, since) for name, text in groups.items()}


def first_and_rerun(seeds: Path, out: Path) -> dict[str, dict[str, str]]:
    """The outputs of a first run and of a rerun with nothing changed, both plain, into ``out``."""
    loaded = golden_config()
    since = datetime.now().astimezone()
    run_pipeline(loaded, seeds, out)
    first = outputs(out, since)
    run_pipeline(loaded, seeds, out)
    return {"first": first, "rerun": outputs(out, since)}


def as_text(groups: dict[str, str]) -> str:
    """The groups of one run as one golden text: the twin by its digest (it repeats the report as JSON)."""
    shown = {**groups, "twin": "sha256 " + hashlib.sha256(groups["twin"].encode("utf-8")).hexdigest() + "\n"}
    return "".join(f"=== {name}\n{text}" for name, text in shown.items())


def test_seed_run_writes_the_golden_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # documents' paths are recorded as given: relative, the same everywhere
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    runs = first_and_rerun(Path("seeds"), Path("out"))
    for name, groups in runs.items():
        golden = GOLDEN / f"seeds-{name}.txt"
        text = as_text(groups)
        if REGENERATE:
            golden.parent.mkdir(exist_ok=True)
            golden.write_text(text, encoding="utf-8", newline="\n")
        assert golden.is_file(), f"{golden} is missing: run with FACTFLOW_REGENERATE_GOLDEN=1 to write it"
        assert text == golden.read_text(encoding="utf-8"), f"the {name} run's outputs differ from {golden}"
    assert runs["first"]["report"].count("\n- id: c-") >= 5  # the seed's claims are in it


@pytest.mark.skipif(not NEWS.is_file(), reason=f"needs the news sample at {NEWS} (../shared/data/news/, not in the repository)")
def test_news_run_writes_the_golden_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / NEWS.name).symlink_to(NEWS)
    runs = first_and_rerun(Path("seeds"), Path("out"))
    digests = {name: {group: hashlib.sha256(text.encode("utf-8")).hexdigest() for group, text in groups.items()}
               for name, groups in runs.items()}
    golden = GOLDEN / "news.json"
    if REGENERATE:
        golden.write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert golden.is_file(), f"{golden} is missing: run with FACTFLOW_REGENERATE_GOLDEN=1 to write it"
    expected = json.loads(golden.read_text(encoding="utf-8"))
    differ = [f"{name} {group}" for name, groups in digests.items() for group, digest in groups.items()
              if expected.get(name, {}).get(group) != digest]
    assert not differ, f"outputs that differ from {golden}: {', '.join(differ)}"
