"""Bad seeds: every bad file is a problem that says what is wrong, the rest is read, nothing hangs."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from factflow.config import ClaimsConfig, IngestConfig, LoadedConfig
from factflow.ingest import load_documents
from factflow.models import Problem
from factflow.pipeline import run_pipeline
from tests.conftest import SEED, write

TEN_MB = 10 * 1024 * 1024


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def by_name(problems: list[Problem]) -> dict[str, str]:
    return {Path(p.file).name: p.message for p in problems}


def with_config(loaded: LoadedConfig, ingest: IngestConfig | None = None, claims: ClaimsConfig | None = None) -> LoadedConfig:
    update = {k: v for k, v in {"ingest": ingest, "claims": claims}.items() if v is not None}
    return LoadedConfig(config=loaded.config.model_copy(update=update), path=None, sha256=None)


def test_a_folder_of_bad_seeds_still_gives_a_whole_report(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    seeds.mkdir()
    shutil.copy(SEED, seeds / SEED.name)
    (seeds / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (seeds / "latin.txt").write_bytes("Café prices\n\nA café in São Paulo raised prices by 12% in 2015.".encode("latin-1"))
    (seeds / "bom.txt").write_bytes(b"\xef\xbb\xbfBOM title\r\n\r\nThe army said 1,200 troops arrived in 2015.\r\n")
    (seeds / "empty.txt").write_bytes(b"")
    write(seeds / "folder.txt" / "inside.txt", "Inside a folder named folder.txt\n\nTroops left Aleppo in 2016.")
    (seeds / "huge.txt").write_bytes(b"word " * (TEN_MB // 5))
    with deadline(120):
        result = run_pipeline(loaded, seeds, out)
    report = yaml.safe_load(result.report_path.read_text(encoding="utf-8"))
    docs = {d["id"]: d for d in report["documents"]}
    assert set(docs) == {SEED.stem, "latin", "bom", "inside"}
    assert docs["latin"]["encoding"] == "cp1252" and docs["latin"]["title"] == "Café prices"
    assert docs["bom"]["encoding"] == "utf-8-sig" and docs["bom"]["title"] == "BOM title"
    assert docs[SEED.stem]["encoding"] == "utf-8"
    problems = {Path(p["file"]).name: p["message"] for p in report["problems"]}
    assert set(problems) == {"binary.txt", "empty.txt", "huge.txt"}
    assert problems["binary.txt"].startswith("binary file (contains NUL bytes)")
    assert problems["empty.txt"].startswith("empty document")
    assert f"file is {TEN_MB:,} bytes, over the limit of 5,000,000 (ingest.max_file_bytes)" in problems["huge.txt"]
    assert report["summary"]["problems"] == 3


def test_a_folder_named_like_a_document_is_walked_not_read(tmp_path: Path) -> None:
    write(tmp_path / "notes.txt" / "a.txt", "A title\n\nText.")
    (tmp_path / "empty.md").mkdir()
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.id for d in docs] == ["a"] and problems == []


def test_symbolic_link_loops_broken_links_and_links_to_folders_are_problems(tmp_path: Path) -> None:
    seeds, outside = tmp_path / "seeds", tmp_path / "outside"
    write(seeds / "real.txt", "Real title\n\nText.")
    write(outside / "secret.txt", "Secret title\n\nNot for this run.")
    (seeds / "loop-a.txt").symlink_to("loop-b.txt")
    (seeds / "loop-b.txt").symlink_to("loop-a.txt")
    (seeds / "self.txt").symlink_to("self.txt")
    (seeds / "broken.txt").symlink_to("nowhere.txt")
    (seeds / "shared.txt").symlink_to(outside / "secret.txt")  # a file elsewhere: read like the file
    (seeds / "sub").mkdir()
    (seeds / "sub" / "up").symlink_to("..", target_is_directory=True)  # a folder loop: never followed
    (seeds / "sub" / "again.txt").symlink_to("../real.txt")  # inside the seeds folder: read
    (seeds / "dir-link.txt").symlink_to(outside, target_is_directory=True)
    with deadline(30):
        docs, problems = load_documents(seeds, IngestConfig())
    assert sorted(d.path for d in docs) == [str(seeds / "real.txt"), str(seeds / "shared.txt"), str(seeds / "sub" / "again.txt")]
    messages = by_name(problems)
    assert messages["loop-a.txt"].startswith("symbolic link loop") and messages["loop-b.txt"].startswith("symbolic link loop")
    assert messages["self.txt"].startswith("symbolic link loop")
    assert messages["broken.txt"].startswith("broken symbolic link")
    assert messages["dir-link.txt"].startswith("a link to a folder")
    assert messages["again.txt"].startswith("same text as")  # the link and its target are one text
    assert len(problems) == 6


@pytest.mark.parametrize(("name", "said"), [("pipe.txt", "not a regular file (a pipe, socket or device)"),
                                            ("urls.txt", "cannot read the URL list: not a regular file")])
def test_a_named_pipe_is_a_problem_and_is_never_opened(tmp_path: Path, name: str, said: str) -> None:
    write(tmp_path / "good.txt", "Good title\n\nText.")
    os.mkfifo(tmp_path / name)  # opening it for reading would block until a writer comes
    with deadline(30):
        docs, problems = load_documents(tmp_path, IngestConfig())
    assert [d.id for d in docs] == ["good"]
    assert by_name(problems)[name].startswith(said)


def test_a_corpus_that_is_a_pipe_a_device_or_a_bad_link_is_one_problem_never_skipped_in_silence(tmp_path: Path) -> None:
    """Corpus files go through the checks documents do: a pipe is never opened, a device never read,
    and each bad one is a problem (they were skipped without a word); a folder named x.csv is a folder."""
    write(tmp_path / "good.csv", "id,title,content\na,A,Officials said 40 people died in the Ohio floods on Monday.\n")
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "random.jsonl").symlink_to("/dev/urandom")
    (tmp_path / "broken.csv").symlink_to(tmp_path / "nowhere.csv")
    (tmp_path / "loop.jsonl").symlink_to(tmp_path / "loop.jsonl")
    (tmp_path / "folder-link.csv").symlink_to(tmp_path / "rows.csv", target_is_directory=True)
    write(tmp_path / "rows.csv" / "inner.csv", "id,title,content\nb,B,The city spent $3.2 million on the new bridge in 2019.\n")
    with deadline(30):
        docs, problems = load_documents(tmp_path, IngestConfig())
    assert sorted(d.id for d in docs) == ["a", "b"]  # rows.csv/ is a folder: its corpus is read
    messages = by_name(problems)
    assert messages["pipe.csv"].startswith("not a regular file (a pipe, socket or device)")
    assert messages["random.jsonl"].startswith("not a regular file (a pipe, socket or device)")
    assert messages["broken.csv"].startswith("broken symbolic link")
    assert messages["loop.jsonl"].startswith("symbolic link loop")
    assert messages["folder-link.csv"].startswith("a link to a folder")
    assert len(problems) == 5


def test_a_url_list_that_is_a_broken_link_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "urls.txt").symlink_to(tmp_path / "nowhere.txt")
    assert by_name(load_documents(tmp_path, IngestConfig())[1])["urls.txt"].startswith("cannot read the URL list")


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(b"word " * (TEN_MB // 5), id="no-sentence-end"),
        pytest.param(b"." * TEN_MB, id="dots"),
        pytest.param(b"1" * TEN_MB, id="digits"),
        pytest.param(b". , " * (TEN_MB // 4), id="punctuation"),
        pytest.param(b"I think A. Smith said $1,2 " * (TEN_MB // 27), id="mixed"),
    ],
)
def test_a_10_mb_file_of_one_line_is_read_in_bounded_time_when_the_limit_allows(tmp_path: Path, line: bytes) -> None:
    from factflow.claims import extract_claims

    (tmp_path / "one-line.txt").write_bytes(b"Title\n\n" + line)
    start = time.perf_counter()
    with deadline(120):
        (doc,), problems = load_documents(tmp_path, IngestConfig(max_file_bytes=20_000_000))
        result = extract_claims(doc, ClaimsConfig())
    elapsed = time.perf_counter() - start
    assert problems == []
    # Linear work takes a few seconds here; the quadratic regexes this pins took hours.
    assert elapsed < 60, f"{elapsed:.1f} s for 10 MB"
    limits = [p.message for p in result.problems]
    assert any("longer than 3,000 characters were not scored" in m and "claims.max_sentence_chars" in m for m in limits) or any(
        "claims.max_sentences_per_document" in m for m in limits
    ), limits


def test_sentence_limits_are_reported_with_their_config_keys(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    text = "".join(f"The army said {i:,} troops arrived in Syria in 2015. " for i in range(2000))
    write(seeds / "many.txt", "Many sentences\n\n" + text + "\n\n" + "x" * 400)
    cfg = with_config(loaded, claims=loaded.config.claims.model_copy(update={"max_sentences_per_document": 100, "max_sentence_chars": 300}))
    report = run_pipeline(cfg, seeds, out).report
    messages = [p.message for p in report.problems]
    assert any(m.startswith("document has more than 100 sentences") and "claims.max_sentences_per_document" in m for m in messages)
    (doc,) = report.documents
    assert doc.sentences == 100


def test_a_long_sentence_is_reported_with_its_line(tmp_path: Path) -> None:
    from factflow.claims import extract_claims

    write(tmp_path / "d.txt", "Title\n\nA short sentence about 2015.\n\n" + "y" * 500 + "\n\nAnother one in 2016.")
    (doc,), _ = load_documents(tmp_path, IngestConfig())
    result = extract_claims(doc, ClaimsConfig(max_sentence_chars=200))
    (problem,) = result.problems
    assert problem.line == 5 and problem.message.startswith("1 sentence(s) longer than 200 characters were not scored")
    assert [s.text for s in result.sentences] == ["A short sentence about 2015.", "Another one in 2016."]


@pytest.mark.parametrize(("head", "line"), [
    ("---\ntitle: Title\nurl: https://example.com/a\n---\n\nTitle\n\n", 10),  # the body repeats the title
    ("---\ntitle: Title\nauthor: Ann Lee\ntags: [a, b]\n---\n", 8),  # the title comes from the front matter alone
    ("+++\ntitle = 'Title'\n+++\n\n\nTitle\n\n", 10),
])
def test_a_long_sentence_after_front_matter_is_reported_at_its_line_in_the_file(tmp_path: Path, head: str, line: int) -> None:
    """Lines were counted in the text after the front matter: a problem pointed lines above the sentence."""
    from factflow.claims import extract_claims

    write(tmp_path / "d.md", head + "A short sentence about 2015.\n\n" + "y" * 500 + "\n\nAnother one in 2016.\n")
    (doc,), problems = load_documents(tmp_path, IngestConfig())
    assert problems == []
    (problem,) = extract_claims(doc, ClaimsConfig(max_sentence_chars=200)).problems
    assert (tmp_path / "d.md").read_text().split("\n")[line - 1].startswith("yyy")
    assert problem.line == line


def test_a_long_sentence_in_a_page_or_a_corpus_row_names_the_page_or_the_row(tmp_path: Path) -> None:
    """An HTML page's extracted text and a corpus row's text have no lines of the file: 'corpus.csv:2:5' was no place."""
    from factflow.claims import extract_claims

    write(tmp_path / "c.csv", "id,title,content\nr1,Title,\"A short sentence about 2015.\n\n" + "y" * 500 + "\"\n")
    write(tmp_path / "p.html", "<html><head><title>Page</title></head><body><article><h1>Page</h1><p>A short sentence about 2015.</p>"
          + "<p>" + "y" * 500 + "</p><p>Another sentence of the page in 2016, said officials on Monday.</p></article></body></html>")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and len(docs) == 2
    for doc in docs:
        (problem,) = extract_claims(doc, ClaimsConfig(max_sentence_chars=200)).problems
        assert (problem.file, problem.line) == (doc.path, None)
        assert problem.message == ("1 sentence(s) longer than 200 characters were not scored (raise claims.max_sentence_chars to score them)")


def test_the_same_text_under_two_names_is_read_once_per_name_and_its_claims_merge(tmp_path: Path, loaded: LoadedConfig) -> None:
    seeds, out = tmp_path / "seeds", tmp_path / "out"
    seeds.mkdir()
    shutil.copy(SEED, seeds / "original.txt")
    shutil.copy(SEED, seeds / "copy.txt")
    report = run_pipeline(loaded, seeds, out).report
    assert [d.id for d in report.documents] == ["copy", "original"]
    (problem,) = report.problems
    assert Path(problem.file).name == "original.txt" and problem.message.startswith(f"same text as {seeds / 'copy.txt'}")
    assert report.claims and all({a.document for a in c.appearances} == {"copy", "original"} for c in report.claims)
    assert len(list((out / "review" / "tasks").glob("c-*.yaml"))) == len(report.claims)


# --- unreadable files -------------------------------------------------------------------------------
# Permissions do not stop root (CI runs tests as root), so as root the check runs in a child
# process as the unprivileged user 'nobody', where chmod 000 really refuses the read.

_NOBODY = 65534


def load_as_unprivileged(seeds: Path) -> dict[str, list]:
    """load_documents as a user that file permissions apply to: this process, or 'nobody' when we are root.

    As root, a forked child drops to 'nobody' (the code is already imported, so nothing has to be
    reachable by that user but the seeds) and sends its result back through a pipe.
    """
    if os.geteuid() != 0:
        return _load(seeds)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 1
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(_NOBODY)
            os.setuid(_NOBODY)
            with os.fdopen(write_end, "w") as pipe:
                pipe.write(json.dumps(_load(seeds)))
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        text = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0 and text, "the unprivileged child failed"
    result: dict[str, list] = json.loads(text)
    return result


def _load(seeds: Path) -> dict[str, list]:
    docs, problems = load_documents(seeds, IngestConfig())
    return {"docs": [d.id for d in docs], "problems": [p.model_dump() for p in problems]}


@pytest.fixture
def world_readable_dir() -> Iterator[Path]:
    """A folder under the system temp dir that another user can reach (pytest's tmp_path is owner-only)."""
    folder = Path(tempfile.mkdtemp(prefix="factflow-perm-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


def test_an_unreadable_file_and_an_unreadable_folder_are_problems(world_readable_dir: Path) -> None:
    seeds = world_readable_dir / "seeds"
    write(seeds / "good.txt", "Good title\n\nText.")
    write(seeds / "locked.txt", "Locked title\n\nText.").chmod(0o000)
    write(seeds / "closed" / "inside.txt", "Inside title\n\nText.")
    for path in [seeds, seeds / "good.txt", seeds / "closed" / "inside.txt"]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    (seeds / "closed").chmod(0o000)
    result = load_as_unprivileged(seeds)
    assert result["docs"] == ["good"]
    messages = {Path(p["file"]).name: p["message"] for p in result["problems"]}
    assert messages == {
        "locked.txt": "cannot read: Permission denied",
        "closed": "cannot read folder: Permission denied; the files in it were not read",
    }


def nest(root: Path, names: list[str], file: str, text: str) -> None:
    """Folders ``names`` one inside the other under ``root`` and ``file`` at the bottom, made through folder
    descriptors: neither a path of any length nor Python's recursion limit stands in the way."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in names:
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open(file, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, text.encode("utf-8"))
        os.close(out)
    finally:
        os.close(fd)


def unnest(root: Path, name: str) -> None:
    """Remove the folders ``name`` nested one inside the other under ``root`` (and the files at the bottom)
    a level at a time: shutil.rmtree recurses, and pytest's clean-up of its temporary folders would fail on them."""
    top, lifted = root / name, root / f".{name}.lifted"
    while top.is_dir():
        for entry in os.scandir(top):
            if entry.name != name or not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
        if (top / name).is_dir():
            os.rename(top / name, lifted)
            os.rmdir(top)
            os.rename(lifted, top)
        else:
            os.rmdir(top)


def test_folders_nested_past_the_recursion_limit_or_the_longest_path_cost_a_problem_at_most(
    tmp_path: Path, loaded: LoadedConfig
) -> None:
    """Path.rglob and os.walk recurse: seeds (or a reviewer's folder) nested 1,500 deep stopped the run
    with RecursionError, and a folder whose path is longer than the system takes (ENAMETOOLONG) with an
    OSError, both as tracebacks. The deep document is read; the folder past the longest path is one problem."""
    seeds = tmp_path / "seeds"
    write(seeds / "a.txt", "Title\n\nOfficials said 40 people died in the Ohio floods on Monday.\n")
    nest(seeds, ["d"] * 1500, "deep.txt", "Title\n\nThe city spent $3.2 million on the new bridge in 2019.\n")
    nest(seeds, ["e"] * 1500, "deep.csv", "id,title,content\nrow,T,Rebels seized the northern city of Idlib in March 2015.\n")
    nest(seeds, ["x" * 250] * 20, "far.txt", "Title\n\nText.\n")
    out = tmp_path / "out"
    run_pipeline(loaded, seeds, out)
    mine = out / "review" / "verdicts" / "reviewer-1"
    nest(mine, ["d"] * 1500, "notes.txt", "mine\n")
    try:
        with deadline(120):
            result = run_pipeline(loaded, seeds, out)
    finally:
        for root, name in ((seeds, "d"), (seeds, "e"), (mine, "d")):
            unnest(root, name)
    assert sorted(d.id for d in result.report.documents) == ["a", "deep", "row"]
    assert [p.message for p in result.report.problems] == ["cannot read folder: File name too long; the files in it were not read"]


COMMANDS_NAMING_A_FILE = [
    ("check", "--config", "{file}", "--out", "{out}"),
    ("import", "claimreview", "{file}", "--out", "{out}"),
    ("claims", "score", "{file}"),
    ("claims", "match", "{file}", "{file}"),
    ("report", "--report", "{file}"),
]


@pytest.mark.parametrize("args", COMMANDS_NAMING_A_FILE, ids=lambda a: " ".join(a[:2]))
def test_a_command_given_a_named_pipe_nobody_writes_to_or_a_device_ends_with_one_line(
    tmp_path: Path, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A named pipe nothing writes to is an error after a short wait (commands used to wait for ever); a
    device such as /dev/zero, which would never end, is refused: one line and an exit status, no traceback."""
    from click.testing import CliRunner
    from factflow_flows.cli import main

    import factflow.fileio

    monkeypatch.setattr(factflow.fileio, "PIPE_WAIT_SECONDS", 0.2)
    pipe = tmp_path / "named-pipe"
    os.mkfifo(pipe)
    for file, said in ((pipe, "a named pipe nothing wrote to within 0.2 s"), (Path("/dev/zero"), "a device, not a file")):
        with deadline(30):
            result = CliRunner().invoke(main, [a.format(file=file, out=tmp_path / "out") for a in args])
        assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.output
        assert f"{file}: {said}" in result.output and "Traceback" not in result.output


def test_a_config_and_a_report_can_come_through_a_pipe(tmp_path: Path, seed_dir: Path) -> None:
    """--config <(sed ... factflow.yaml) is a pipe with a writer: it is read like a file."""
    import threading

    from click.testing import CliRunner
    from factflow_flows.cli import main

    from tests.conftest import CONFIG

    pipe = tmp_path / "config-pipe"
    os.mkfifo(pipe)

    def feed() -> None:
        with pipe.open("wb") as writer:
            writer.write(CONFIG.read_bytes())

    threading.Thread(target=feed, daemon=True).start()
    with deadline(120):
        result = CliRunner().invoke(main, ["run", "--engine", "plain", "--config", str(pipe), "--seeds", str(seed_dir),
                                           "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    report = tmp_path / "out" / "reports" / "verdicts.yaml"
    threading.Thread(target=lambda: pipe.write_bytes(report.read_bytes()), daemon=True).start()
    with deadline(60):
        shown = CliRunner().invoke(main, ["report", "--report", str(pipe), "--format", "markdown"])
    assert shown.exit_code == 0, shown.output
    assert "# " in shown.output


@pytest.mark.parametrize("kind", ["file", "pipe", "device", "under-a-file"])
def test_an_output_folder_that_is_not_one_is_one_line_before_anything_starts(tmp_path: Path, seed_dir: Path, kind: str) -> None:
    """--out naming a file, a pipe or a device (or a path through a file) is a usage error naming it, for
    run, serve and import alike (run printed a FileExistsError traceback); the pipeline refuses it too."""
    from click.testing import CliRunner
    from factflow_flows.cli import main

    from factflow.config import load_config
    from factflow.errors import OutputError
    from tests.conftest import CONFIG

    out = {"file": tmp_path / "a-file", "pipe": tmp_path / "a-pipe", "device": Path("/dev/null"),
           "under-a-file": tmp_path / "a-file" / "sub"}[kind]
    write(tmp_path / "a-file", "not a folder\n")
    os.mkfifo(tmp_path / "a-pipe")
    review = write(tmp_path / "reviews.json", "[]")
    for args in (["run", "--engine", "plain", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(out)],
                 ["serve", "--config", str(CONFIG), "--seeds", str(seed_dir), "--out", str(out)],
                 ["import", "claimreview", str(review), "--out", str(out)]):
        with deadline(30):
            result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "Invalid value for --out" in result.output and str(out) in result.output and "Traceback" not in result.output
    with pytest.raises(OutputError, match="folder"):
        run_pipeline(load_config(CONFIG), seed_dir, out)


def test_a_folder_where_a_file_should_be_is_called_a_folder(tmp_path: Path) -> None:
    """A folder named like a verdict file is no pipe, socket or device: the message says what it is."""
    from factflow.errors import VerdictError
    from factflow.fileio import read_plain_file

    folder = tmp_path / "c-1a2b3c4d.yaml"
    folder.mkdir()
    with pytest.raises(VerdictError, match="a folder, named as a file; files here must be plain files"):
        read_plain_file(folder, VerdictError)


def test_a_config_or_report_pipe_that_never_ends_is_one_line_not_all_memory(tmp_path: Path) -> None:
    """--config <(yes) was read to its end, which never came: memory ran out (MemoryError under a cap).
    A report named on the command line is read up to a bound too (a gigabyte: here a smaller one)."""
    import threading

    from click.testing import CliRunner
    from factflow_flows.cli import main

    from factflow.errors import InputError
    from factflow.fileio import read_input_bytes

    def endless(name: str) -> Path:
        pipe = tmp_path / name
        os.mkfifo(pipe)

        def feed() -> None:
            with contextlib.suppress(OSError), pipe.open("wb") as writer:  # until the reader closes it
                while True:
                    writer.write(b"yes\n" * 65_536)

        threading.Thread(target=feed, daemon=True).start()
        return pipe

    with deadline(60):
        result = CliRunner().invoke(main, ["check", "--out", str(tmp_path), "--config", str(endless("config"))])
    assert result.exit_code == 1 and "larger than 10,000,000 bytes; is it the right file?" in result.output, result.output
    with deadline(60), pytest.raises(InputError, match="larger than 20,000,000 bytes; a report"):
        read_input_bytes(endless("report"), InputError, 20_000_000, "a report ...")
