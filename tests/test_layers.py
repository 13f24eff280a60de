"""The architecture's rules, checked: the domain never reaches up, only our own names are installed,
and the pipeline is declared once."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from factflow.pipeline import PIPELINE, PlainRunner, execute
from factflow.stages import RunContext

ROOT = Path(__file__).resolve().parent.parent


def domain_modules() -> list[str]:
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for path in (ROOT / "factflow").rglob("*.py")
    )


def test_the_domain_package_imports_neither_prefect_nor_the_shell_layer() -> None:
    # A fresh interpreter imports every module of factflow/ and lists what got imported.
    code = (
        "import importlib, json, sys\n"
        f"for name in {domain_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = json.loads(done.stdout)
    assert len(domain_modules()) > 30
    reaching_up = [m for m in loaded if m.split(".")[0] in ("prefect", "prefect_dask", "flows", "factflow_flows", "distributed")]
    assert reaching_up == []


def test_only_factflow_names_are_installed_and_every_package_is() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    packages = setuptools["packages"]
    assert all(p == "factflow" or p.startswith(("factflow.", "factflow_")) for p in packages)
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "factflow").rglob("__init__.py")}
    assert on_disk == {p for p in packages if p.startswith("factflow") and not p.startswith("factflow_")}
    assert setuptools["package-dir"] == {"factflow_flows": "flows"}
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"factflow": "factflow_flows.cli:entry"}


def test_a_stage_is_one_entry_and_the_driver_follows_the_declaration(tmp_path: Path, seed_dir: Path) -> None:
    from factflow.config import load_config

    names = [s.name for s in PIPELINE]
    assert len(names) == len(set(names))
    produced: set[str] = set()
    for stage in PIPELINE:  # every input is produced by an earlier stage
        assert set(stage.inputs) <= produced, (stage.name, set(stage.inputs) - produced)
        produced |= set(stage.outputs)

    # A stage added to the declaration runs, in its place, with the values it names.
    seen: list[tuple[str, int]] = []

    def count_claims(ctx: RunContext, plan: object) -> None:
        seen.append(("count", len(plan.items)))  # type: ignore[attr-defined]

    from dataclasses import replace

    extra = replace(PIPELINE[0], name="count-claims", label="Counting", func=count_claims, inputs=("plan",), outputs=("_",))
    at = names.index("build-tasks") + 1
    loaded = load_config(ROOT / "config" / "factflow.yaml")
    out = tmp_path / "out"
    calls: list[str] = []

    class Recording(PlainRunner):
        def call(self, stage, ctx, *args):  # type: ignore[no-untyped-def]
            calls.append(stage.name)
            return super().call(stage, ctx, *args)

        def map(self, stage, ctx, batches):  # type: ignore[no-untyped-def]
            calls.append(stage.name)
            return super().map(stage, ctx, batches)

    result = execute(RunContext(loaded, seed_dir, out), Recording(), pipeline=[*PIPELINE[:at], extra, *PIPELINE[at:]])
    assert seen == [("count", result.report.summary.claims)] and result.report.summary.claims > 0
    offline = [n for n in names if n != "resolve-sources"]  # skipped offline (its `when`)
    assert calls == [*offline[:at], "count-claims", *offline[at:]]


def test_the_stages_run_with_the_garbage_collector_paused_and_it_comes_back_as_it_was(tmp_path: Path, seed_dir: Path) -> None:
    import gc
    from dataclasses import replace

    from factflow.config import load_config

    loaded = load_config(ROOT / "config" / "factflow.yaml")
    during: list[bool] = []
    probe = replace(PIPELINE[0], name="probe", label="Probing", func=lambda ctx: during.append(gc.isenabled()), inputs=(), outputs=("_",))
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            execute(RunContext(loaded, seed_dir, tmp_path / f"out-{enabled}"), PlainRunner(), pipeline=[probe, *PIPELINE])
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
    assert during == [False, False]
    with pytest.raises(ZeroDivisionError):  # a stage that fails gives the collector back too
        execute(RunContext(loaded, seed_dir, tmp_path / "out-failed"), PlainRunner(),
                pipeline=[replace(probe, func=lambda ctx: 1 / 0), *PIPELINE])
    assert gc.isenabled()


def test_network_stages_run_with_the_collector_on_inside_a_paused_run(tmp_path: Path, seed_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTP clients make reference cycles as they go: resolving sources (and fetching a URL list) runs with
    the collector on, and the run's pause comes back after it."""
    import gc
    from types import SimpleNamespace

    from factflow import stages
    from factflow.config import load_config
    from factflow.models import Claim, PlannedClaim
    from factflow.runtime import collector_paused

    loaded = load_config(ROOT / "config" / "factflow.yaml").going_online(True)
    seen: list[bool] = []

    def resolve_sources(claims, sources, documents, cfg, out):  # type: ignore[no-untyped-def]
        seen.append(gc.isenabled())
        return SimpleNamespace(sources=sources, already_checked={}, passages={}, requests_sent=0)

    monkeypatch.setattr(stages, "resolve_sources", resolve_sources)
    fetched: list[bool] = []
    monkeypatch.setattr(stages, "fetch_urls", lambda *a, **k: fetched.append(gc.isenabled()) or ([], []))
    plan = stages.Plan([PlannedClaim(Claim.model_construct(id="c-1"), "", [], [])])
    with collector_paused():
        stages.resolve(RunContext(loaded, seed_dir, tmp_path), plan, [])
        fetch = stages.web_fetcher(loaded, tmp_path)
        assert fetch is not None
        fetch([])
        assert not gc.isenabled()
    assert seen == [True] and fetched == [True] and gc.isenabled()


def test_every_registered_detector_and_source_api_is_documented() -> None:
    from factflow.claims import registry as detectors
    from factflow.sources import registry as source_apis

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in (*detectors.names(), *source_apis.names()) if f"`{name}`" not in readme]
    assert missing == [], f"the README names every registered detector and source API; missing: {missing}"
