"""The review flow's form, against a real `prefect server` on 127.0.0.1 started (and stopped) by the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from factflow_flows.server import free_port, stop

from factflow.config import LoadedConfig
from factflow.pipeline import run_pipeline
from factflow.review import ReviewSession, load_verdict
from tests.browser import Browser, open_browser
from tests.conftest import CONFIG, ROOT

pytestmark = pytest.mark.prefect

ARTIFACTS = ROOT / ".pytest-artifacts"


# The same start-and-stop helpers `factflow serve` uses: a free loopback port, and a stop by
# process group id (SIGTERM, then SIGKILL).
_free_port = free_port
_stop = stop


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real Prefect server on a free loopback port, with its own PREFECT_HOME."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    # PREFECT_UI_API_URL: the UI (opened by the browser test) looks for its API on port 4200 otherwise.
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING",
               PREFECT_UI_API_URL=f"http://127.0.0.1:{port}/api")
    log = (home / "server.log").open("w")
    prefect = Path(sys.executable).parent / "prefect"
    server = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (home / "server.log").read_text()
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "prefect server did not become healthy"
            time.sleep(0.5)
        yield {**env, "PREFECT_API_URL": api}
    finally:
        _stop(server)
        log.close()


def _paused(client: Any, run_id: Any, after: str | None, deadline: float) -> tuple[Any, str]:
    """Wait for the flow run to pause with a pause key other than ``after``, and for its form: Prefect
    saves the form's schema and description just after the run enters Paused. Returns its state and key."""
    from prefect.input.actions import read_flow_run_input
    from prefect.input.run_input import keyset_from_paused_state

    while time.monotonic() < deadline:
        state = client.read_flow_run(run_id).state
        if state is not None and state.is_paused() and state.state_details.pause_key != after:
            keyset = keyset_from_paused_state(state)
            if all(read_flow_run_input(keyset[part], flow_run_id=run_id) is not None for part in ("schema", "description")):
                return state, state.state_details.pause_key
        if state is not None and state.is_final():
            raise AssertionError(f"flow run ended early: {state}")
        time.sleep(0.3)
    raise AssertionError("flow run did not pause")


def test_review_form_pauses_per_task_and_writes_the_verdict_file(
    prefect_server: dict[str, str], seed_dir: Path, out_dir: Path, loaded: LoadedConfig
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.flow_runs import resume_flow_run
    from prefect.input.actions import read_flow_run_input
    from prefect.input.run_input import keyset_from_paused_state
    from prefect.settings import PREFECT_API_URL, temporary_settings

    run_pipeline(loaded, seed_dir, out_dir)
    tasks = ReviewSession(out_dir, loaded.config.review, "reviewer-1").open_tasks()
    assert len(tasks) >= 3
    code = (
        "import json, sys\n"
        "from factflow_flows.review import review\n"
        "print(json.dumps(review(reviewer='reviewer-1', config=sys.argv[1], out=sys.argv[2], poll_seconds=1)))\n"
    )
    flow_proc = subprocess.Popen(
        [sys.executable, "-c", code, str(CONFIG), str(out_dir)], cwd=ROOT, env=prefect_server,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    deadline = time.monotonic() + 180
    try:
        with temporary_settings({PREFECT_API_URL: prefect_server["PREFECT_API_URL"]}), get_client(sync_client=True) as client:
            while not (runs := client.read_flow_runs()):
                assert flow_proc.poll() is None and time.monotonic() < deadline, flow_proc.stderr.read() if flow_proc.stderr else ""
                time.sleep(0.3)
            run_id = runs[0].id
            # 1. The first form shows the claim, its sources and the scale, and offers the scale as the rating's choices.
            state, key = _paused(client, run_id, None, deadline)
            keyset = keyset_from_paused_state(state)
            description = read_flow_run_input(keyset["description"], flow_run_id=run_id)
            schema = read_flow_run_input(keyset["schema"], flow_run_id=run_id)
            first = tasks[0].task
            assert " ".join(first.text.split()) in description and first.sources[0].url in description
            assert "`pants-on-fire`: Not accurate and makes a ridiculous claim." in description
            assert schema["properties"]["rating"]["enum"] == loaded.config.review.labels
            resume_flow_run(run_id, run_input={"rating": "mostly-false", "rationale": "The ISW map says otherwise.",
                                               "evidence": ["https://example.org/isw-map"]})
            # 2. A verdict that breaks a rule is not saved: the same claim comes back with the reason.
            state, key = _paused(client, run_id, key, deadline)
            resume_flow_run(run_id, run_input={"rating": "false", "rationale": "Wrong.", "evidence": ["javascript:alert(1)"]})
            state, key = _paused(client, run_id, key, deadline)
            description = read_flow_run_input(keyset_from_paused_state(state)["description"], flow_run_id=run_id)
            assert "Not saved" in description and "is not an http(s) URL" in description
            assert " ".join(tasks[1].task.text.split()) in description
            # ... in a form that holds what the reviewer submitted, as its defaults; the rationale is marked required.
            schema = read_flow_run_input(keyset_from_paused_state(state)["schema"], flow_run_id=run_id)
            assert {name: field.get("default") for name, field in schema["properties"].items()} == {
                "rating": "false", "rationale": "Wrong.", "evidence": ["javascript:alert(1)"], "skip": False}
            assert schema["required"] == ["rating", "rationale"]
            # Rows left empty are ignored.
            resume_flow_run(run_id, run_input={"rating": "false", "rationale": "Wrong.", "evidence": ["", " "]})
            # 3. Skip every other task.
            for _ in tasks[2:]:
                state, key = _paused(client, run_id, key, deadline)
                resume_flow_run(run_id, run_input={"rating": "true", "rationale": "", "skip": True})
        out, err = flow_proc.communicate(timeout=120)
    finally:
        _stop(flow_proc)
    assert flow_proc.returncode == 0, err
    assert json.loads(out.strip().splitlines()[-1]) == {"saved": 2, "skipped": len(tasks) - 2, "left": len(tasks) - 2}
    claim_ids = {t.task.claim for t in tasks}
    saved = load_verdict(tasks[0].file, out_dir, claim_ids, loaded.config.review).verdict
    assert (saved.rating, saved.rationale, saved.evidence) == ("mostly-false", "The ISW map says otherwise.", ["https://example.org/isw-map"])
    second = load_verdict(tasks[1].file, out_dir, claim_ids, loaded.config.review).verdict
    assert (second.rating, second.evidence) == ("false", [])
    assert yaml.safe_load(tasks[2].file.read_text(encoding="utf-8"))["rating"] is None
    # The next run of the fact-check pipeline collects what the form wrote.
    report = run_pipeline(loaded, seed_dir, out_dir).report
    assert {v.rating for c in report.claims for v in c.verdicts if v.reviewer == "reviewer-1"} == {None, "mostly-false", "false"}


def test_prefect_yaml_deploys_the_review_flow_with_the_factcheck_flow(prefect_server: dict[str, str]) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    prefect = str(Path(sys.executable).parent / "prefect")
    pool = subprocess.run([prefect, "work-pool", "create", "factflow", "--type", "process"],
                          env=prefect_server, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert pool.returncode == 0, pool.stdout + pool.stderr
    deployed = subprocess.run([prefect, "--no-prompt", "deploy", "--all"],
                              env=prefect_server, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    with temporary_settings({PREFECT_API_URL: prefect_server["PREFECT_API_URL"]}), get_client(sync_client=True) as client:
        deployments = {d.name: d for d in client.read_deployments()}
        assert set(deployments) >= {"every-6-hours", "by-reviewer"}
        review = deployments["by-reviewer"]
        assert review.entrypoint == "flows/review.py:review"
        assert review.parameter_openapi_schema["required"] == ["reviewer"]
        assert client.read_flow(review.flow_id).name == "review"


@pytest.mark.parametrize("blind", [True, False])
def test_the_form_hides_other_verdicts_in_blind_mode(seed_dir: Path, out_dir: Path, loaded: LoadedConfig, blind: bool) -> None:
    from factflow_flows.review import describe, verdict_form

    run_pipeline(loaded, seed_dir, out_dir)
    cfg = loaded.config.review.model_copy(update={"blind": blind})
    session = ReviewSession(out_dir, cfg, "reviewer-1")
    first = session.open_tasks()[0].task.claim
    (out_dir / "review" / "verdicts" / "reviewer-2" / f"{first}.yaml").write_text(
        f"claim: {first}\nreviewer: reviewer-2\nrating: 'false'\nrationale: SECRET-REASON.\n", encoding="utf-8")
    session.refresh()
    item = session.open_tasks()[0]
    text = describe(item, 1, 9, session, None)
    assert ("SECRET-REASON" in text) is not blind
    assert ("hidden until you rate" in text) is blind
    schema = verdict_form(cfg).model_json_schema()
    assert schema["properties"]["rating"]["enum"] == cfg.labels and schema["properties"]["evidence"]["type"] == "array"


def _start_review(prefect_server: dict[str, str], out_dir: Path, reviewer: str) -> subprocess.Popen[str]:
    code = (
        "import json, sys\n"
        "from factflow_flows.review import review\n"
        "print(json.dumps(review(reviewer=sys.argv[3], config=sys.argv[1], out=sys.argv[2], poll_seconds=1)))\n"
    )
    return subprocess.Popen(
        # INFO: the run's page shows the flow's INFO lines, as it does outside the tests.
        [sys.executable, "-c", code, str(CONFIG), str(out_dir), reviewer], cwd=ROOT, env={**prefect_server, "PREFECT_LOGGING_LEVEL": "INFO"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def _run_logs(client: Any, run_id: Any) -> list[Any]:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    return list(client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id]))))


def test_a_mistyped_reviewer_fails_the_run_with_one_message_and_no_traceback(
    prefect_server: dict[str, str], seed_dir: Path, out_dir: Path, loaded: LoadedConfig
) -> None:
    """Run as a worker runs a deployment's flow run (``python -m prefect.engine RUN_ID``), so the run's own
    logs, the ones its page shows, are what is checked."""
    from factflow_flows.review import review
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    run_pipeline(loaded, seed_dir, out_dir)
    with temporary_settings({PREFECT_API_URL: prefect_server["PREFECT_API_URL"]}), get_client(sync_client=True) as client:
        run = client.create_flow_run(review, parameters={"reviewer": "reviewr-1", "config": str(CONFIG), "out": str(out_dir)})
        engine = subprocess.run([sys.executable, "-m", "prefect.engine", str(run.id)], cwd=ROOT,
                                env={**prefect_server, "PREFECT__FLOW_ENTRYPOINT": "flows/review.py:review"},
                                capture_output=True, text=True, timeout=120)
        state = client.read_flow_run(run.id).state
        logs = _run_logs(client, run.id)
    assert state is not None and state.is_failed()
    assert state.message == "--reviewer: 'reviewr-1' is not a configured reviewer or adjudicator; known: reviewer-1, reviewer-2"
    errors = [log.message for log in logs if log.level >= 40]
    assert errors == [state.message], errors
    assert not any("Traceback" in log.message for log in logs)
    assert "Traceback" not in engine.stdout + engine.stderr


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    with open_browser(tmp_path / "profile", width=1400, height=1000) as b:
        yield b


MODAL = "document.querySelector('.p-modal')"
FIELDS = f"[...{MODAL}.querySelectorAll('select, textarea')].map(e => e.value)"


def _wait(browser: Browser, expression: str, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := browser.evaluate(expression):
            return value
        time.sleep(0.2)
    raise AssertionError(f"not true within {seconds} s: {expression}")


def test_the_form_in_a_browser_comes_back_filled_in_after_an_invalid_submit_and_ignores_empty_rows(
    prefect_server: dict[str, str], seed_dir: Path, out_dir: Path, loaded: LoadedConfig, browser: Browser
) -> None:
    """The real UI of the real server in headless Chromium: the paused run says to press Resume; after a
    refused verdict the form holds the reviewer's rating, rationale and evidence under the reason; a
    row left empty is ignored when the corrected form is submitted."""
    from prefect.client.orchestration import get_client
    from prefect.flow_runs import resume_flow_run
    from prefect.settings import PREFECT_API_URL, temporary_settings

    run_pipeline(loaded, seed_dir, out_dir)
    first = ReviewSession(out_dir, loaded.config.review, "reviewer-1").open_tasks()[0]
    flow_proc = _start_review(prefect_server, out_dir, "reviewer-1")
    deadline = time.monotonic() + 180
    try:
        with temporary_settings({PREFECT_API_URL: prefect_server["PREFECT_API_URL"]}), get_client(sync_client=True) as client:
            while not (runs := client.read_flow_runs()) or not any(r.parameters.get("out") == str(out_dir) for r in runs):
                assert flow_proc.poll() is None and time.monotonic() < deadline, flow_proc.stderr.read() if flow_proc.stderr else ""
                time.sleep(0.3)
            run_id = next(r.id for r in runs if r.parameters.get("out") == str(out_dir))
            _, key = _paused(client, run_id, None, deadline)
            # The submit the UI makes, with a link the verdict rules refuse.
            resume_flow_run(run_id, run_input={"rating": "mostly-false", "rationale": "The ISW map says otherwise.",
                                               "evidence": ["https://example.org/isw-map", "javascript:alert(1)"]})
            _, key = _paused(client, run_id, key, deadline)

            browser.open(f"{prefect_server['PREFECT_API_URL'].removesuffix('/api')}/runs/flow-run/{run_id}",
                         "[...document.querySelectorAll('button')].some(b => b.textContent.trim() === 'Resume')", timeout=90)
            # the run's page (its logs) tells the reviewer what to do
            _wait(browser, "document.body.innerText.includes('press Resume (top right) to open the form')")
            browser.evaluate("[...document.querySelectorAll('button')].find(b => b.textContent.trim() === 'Resume').click()")
            _wait(browser, f"{MODAL} && {MODAL}.querySelectorAll('textarea').length >= 3")
            top = browser.evaluate(f"{MODAL}.querySelector('.markdown-renderer').innerText")
            assert top.startswith("Not saved: evidence[1]: 'javascript:alert(1)' is not an http(s) URL"), top
            assert " ".join(first.task.text.split()) in top
            assert browser.evaluate(FIELDS)[:1] == ["mostly-false"]
            assert [v for v in browser.evaluate(FIELDS) if v][1:] == [
                "The ISW map says otherwise.", "https://example.org/isw-map", "javascript:alert(1)"]
            labels = browser.evaluate(f"[...{MODAL}.querySelectorAll('.p-label__text, label')].map(l => l.innerText)")
            assert not any(label.startswith("Rationale") and "Optional" in label for label in labels), labels
            ARTIFACTS.mkdir(exist_ok=True)
            browser.screenshot(ARTIFACTS / "review-form-after-invalid-submit.png")

            # Correct it as a reviewer would: delete the bad row, add a row and leave it empty, submit.
            browser.evaluate(f"[...{MODAL}.querySelectorAll('textarea')].find(t => t.value === 'javascript:alert(1)')"
                             ".closest('.p-draggable-list__item, [draggable]').querySelector('button').click()")
            _wait(browser, f"![...{MODAL}.querySelectorAll('textarea')].some(t => t.value === 'javascript:alert(1)')")
            browser.evaluate(f"[...{MODAL}.querySelectorAll('button')].find(b => b.textContent.trim() === 'Add item').click()")
            _wait(browser, f"[...{MODAL}.querySelectorAll('textarea')].filter(t => t.value === '').length === 1")
            browser.evaluate(f"[...{MODAL}.querySelectorAll('button')].find(b => b.textContent.trim() === 'Submit').click()")
            _, key = _paused(client, run_id, key, deadline)
    finally:
        _stop(flow_proc)
    saved = load_verdict(first.file, out_dir, {first.task.claim}, loaded.config.review).verdict
    assert (saved.rating, saved.rationale, saved.evidence) == ("mostly-false", "The ISW map says otherwise.", ["https://example.org/isw-map"])


def test_the_form_lists_what_already_checked_the_claim_closest_first_with_markup_escaped(
    seed_dir: Path, out_dir: Path, loaded: LoadedConfig
) -> None:
    from dataclasses import replace

    from factflow_flows.review import describe

    from factflow.models import EvidencePassage, ExistingFactCheck

    run_pipeline(loaded, seed_dir, out_dir)
    session = ReviewSession(out_dir, loaded.config.review, "reviewer-1")
    item = session.open_tasks()[0]
    checks = [
        ExistingFactCheck(publisher="Desk", rating="mostly-true", claim="The *bridge* cost [$3m](javascript:x)", origin="desk",
                          claim_id="c-0123456789ab", reviewers=["reviewer-1", "reviewer-2"], date="2026-11-30", similarity=0.91),
        ExistingFactCheck(publisher="Checker", rating="False", url="https://checker.example/r/1", claim="It cost $3m.",
                          origin="imported", similarity=0.82),
    ]
    passages = [EvidencePassage(text="Assad holds *a quarter* of Syria.", title="Bashar al-Assad",
                                url="https://en.wikipedia.org/wiki/Bashar_al-Assad", similarity=0.8)]
    task = item.task.model_copy(update={"already_checked": checks, "evidence_passages": passages})
    text = describe(replace(item, ref=task), 1, 1, session, None)
    heads = ["**Already checked (closest first):**", "**Passages that bear on the claim (closest first):**", "**Sources:**"]
    assert [text.index(h) for h in heads] == sorted(text.index(h) for h in heads)  # what was checked, then passages, then links
    assert "- Assad holds \\*a quarter\\* of Syria. (Bashar al-Assad, [link](https://en.wikipedia.org/wiki/Bashar_al-Assad))" in text
    assert text.index("**Already checked (closest first):**") < text.index("**Sources:**")  # first
    section = text.split("**Already checked (closest first):**")[1].split("**Passages")[0]
    assert "_The form below is filled in with the desk's earlier verdict" in section  # adopting is one submit
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert len(lines) == 2 and "this desk, claim c-0123456789ab" in lines[0] and "similarity 0.91" in lines[0]
    assert "reviewer-1, reviewer-2" in lines[0] and "\\*bridge\\*" in lines[0] and "\\[$3m\\](javascript" in lines[0]  # no link
    assert lines[1].endswith("([link](https://checker.example/r/1))") and "'False' by Checker" in lines[1]
