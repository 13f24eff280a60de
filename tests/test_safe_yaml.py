"""Config and verdict YAML are plain data: no object is constructed, no alias bomb is expanded."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from factflow.config import LoadedConfig, load_config
from factflow.errors import ConfigError
from factflow.pipeline import run_pipeline
from factflow.yamlio import MAX_YAML_VALUES
from tests.conftest import write

PYTHON_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/apply:subprocess.check_output [['touch', '{marker}']]",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {marker}']",
]


def billion_laughs() -> str:
    """Nine levels of nine aliases: 387,420,489 strings once expanded, a few hundred bytes written."""
    text = "lol0: &lol0 [" + ", ".join(["lol"] * 9) + "]\n"
    for level in range(1, 9):
        text += f"lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * 9) + "]\n"
    return text


@pytest.mark.parametrize("tag", PYTHON_TAGS)
def test_a_python_tag_in_the_config_is_refused_and_nothing_runs(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "ran"
    path = write(tmp_path / "factflow.yaml", "claims:\n  threshold: 0.5\nreport:\n  path: " + tag.format(marker=marker) + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == str(path) and info.value.line == 4
    assert "is not allowed; only plain YAML is read" in info.value.message and "python/" in info.value.message
    assert not marker.exists()


def test_an_alias_bomb_in_the_config_is_refused_quickly(tmp_path: Path) -> None:
    path = write(tmp_path / "factflow.yaml", billion_laughs() + "ingest:\n  patterns: *lol8\n")
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert time.perf_counter() - start < 2
    assert info.value.line == 1
    assert f"anchors and aliases (&name, *name) expand to more than {MAX_YAML_VALUES:,} values" in info.value.message


def test_an_alias_to_itself_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "factflow.yaml", "ingest:\n  patterns: &p ['*.txt', *p]\n")
    with pytest.raises(ConfigError, match="or into themselves"):
        load_config(path)


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "factflow.yaml", "ingest:\n  patterns: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_ordinary_anchors_still_work(tmp_path: Path) -> None:
    path = write(tmp_path / "factflow.yaml", (
        "review:\n  reviewers:\n"
        "    - {id: ana, expertise: &politics [statistic, event]}\n"
        "    - {id: ben, expertise: *politics}\n"
        "  reviewers_per_claim: 1\n"
    ))
    reviewers = load_config(path).config.review.reviewers
    assert reviewers[1].expertise == ["statistic", "event"]


def verdict_problems(loaded: LoadedConfig, seed_dir: Path, out: Path, name: str, text: str) -> dict[str, tuple[int | None, str]]:
    """Run once, write a verdict file as reviewer-1, run again: that file's problems by file."""
    claim = run_pipeline(loaded, seed_dir, out).report.claims[0]
    folder = out / "review" / "verdicts" / (claim.assigned_to[0])
    write(folder / name.format(claim=claim.id), text.format(claim=claim.id, reviewer=claim.assigned_to[0]))
    report = run_pipeline(loaded, seed_dir, out).report
    return {p.file: (p.line, p.message) for p in report.problems}


@pytest.mark.parametrize("tag", PYTHON_TAGS[:3])
def test_a_python_tag_in_a_verdict_is_a_problem_and_nothing_runs(
    tmp_path: Path, loaded: LoadedConfig, seed_dir: Path, out_dir: Path, tag: str
) -> None:
    marker = tmp_path / "ran"
    text = "claim: {claim}\nreviewer: {reviewer}\nrating: 'false'\nrationale: " + tag.format(marker=marker).replace("{", "{{").replace("}", "}}") + "\n"
    problems = verdict_problems(loaded, seed_dir, out_dir, "{claim}.yaml", text)
    ((file, (line, message)),) = problems.items()
    assert file.startswith("review/verdicts/") and line == 4
    assert "is not allowed; only plain YAML is read" in message
    assert not marker.exists()


def test_an_alias_bomb_in_a_verdict_is_a_problem(loaded: LoadedConfig, seed_dir: Path, out_dir: Path) -> None:
    text = billion_laughs() + "claim: {claim}\nreviewer: {reviewer}\nrating: 'false'\nrationale: why\nevidence: *lol8\n"
    start = time.perf_counter()
    problems = verdict_problems(loaded, seed_dir, out_dir, "{claim}.yaml", text)
    assert time.perf_counter() - start < 30
    ((_, (line, message)),) = problems.items()
    assert line == 1 and "anchors and aliases" in message


def test_values_written_out_count_nothing_against_the_alias_cap(tmp_path: Path) -> None:
    """A report of thousands of claims holds millions of values and no alias: it is read whole."""
    from factflow.errors import InputError
    from factflow.yamlio import alias_expansion, parse_yaml

    text = "claims:\n" + "".join(f"- id: c-{i}\n  words: [a, b, c, d, e, f, g, h]\n  n: {i}\n" for i in range(MAX_YAML_VALUES // 5))
    data, node = parse_yaml(text, tmp_path / "big.yaml", InputError)
    assert len(data["claims"]) == MAX_YAML_VALUES // 5 and node is not None
    assert alias_expansion(node) == 0


def test_the_alias_cap_counts_what_aliases_expand_to(tmp_path: Path) -> None:
    from factflow.errors import InputError
    from factflow.yamlio import alias_expansion, parse_yaml

    block = "[" + ", ".join(["x"] * 999) + "]"  # 1,000 values with the list itself
    small = f"a: &a {block}\nb: [" + ", ".join(["*a"] * 3) + "]\n"
    node = parse_yaml(small, tmp_path / "s.yaml", InputError)[1]
    assert node is not None and alias_expansion(node) == 3000
    nested = f"a: &a {block}\nb: &b [*a, *a]\nc: [*b, *b, *b]\n"  # b adds 2,000; each *b 2,001
    node = parse_yaml(nested, tmp_path / "n.yaml", InputError)[1]
    assert node is not None and alias_expansion(node) == 2000 + 3 * 2001
    over = f"a: &a {block}\nb: [" + ", ".join(["*a"] * (MAX_YAML_VALUES // 1000 + 1)) + "]\n"
    with pytest.raises(InputError, match="expand to more than"):
        parse_yaml(over, tmp_path / "o.yaml", InputError)


@pytest.mark.parametrize(("value", "says"), [
    ("!!timestamp 2015-02-30", "the tag '!!timestamp' is not allowed"),  # was a ValueError traceback: day out of range
    ("!!timestamp 2015-02-01", "the tag '!!timestamp' is not allowed"),  # a date object was no number either
    ("!!binary aGVsbG8=", "the tag '!!binary' is not allowed"),
    ("!!set {1, 2}", "the tag '!!set' is not allowed"),
    ("!!omap [a: 1]", "the tag '!!omap' is not allowed"),
    ("!!pairs [a: 1]", "the tag '!!pairs' is not allowed"),
    ("!!float abc", "run.batch_size"),  # was a ValueError traceback; now text, which validation refuses
    ("!!bool maybe", "run.batch_size"),  # was a KeyError traceback
    ("!!map [1]", "expected a mapping, but found a sequence"),  # was a TypeError traceback
])
def test_a_yaml_1_1_tag_or_an_explicit_tag_on_a_wrong_value_is_one_clear_error(tmp_path: Path, value: str, says: str) -> None:
    """Only the core schema's types are built; an explicitly tagged value that is not of its type is a
    message with its line, never a traceback."""
    path = write(tmp_path / "factflow.yaml", f"run:\n  batch_size: {value}\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.line == 2 and says in str(info.value), str(info.value)


def test_explicit_core_tags_still_read_as_their_type(tmp_path: Path) -> None:
    from factflow.errors import InputError
    from factflow.yamlio import parse_yaml

    text = "a: !!int 12\nb: !!float 1.5\nc: !!bool TRUE\nd: !!str 12\ne: !!null ''\nf: !!seq [1]\ng: !!map {h: 1}\ni: !!float .inf\n"
    data, _ = parse_yaml(text, tmp_path / "t.yaml", InputError)
    assert data == {"a": 12, "b": 1.5, "c": True, "d": "12", "e": None, "f": [1], "g": {"h": 1}, "i": float("inf")}


def test_a_binary_rationale_in_a_verdict_is_a_problem(loaded: LoadedConfig, seed_dir: Path, out_dir: Path) -> None:
    """A !!binary rationale was read as bytes and a !!set of evidence as a set; now each is one problem."""
    text = "claim: {claim}\nreviewer: {reviewer}\nrating: 'false'\nrationale: !!binary aGVsbG8=\n"
    ((file, (line, message)),) = verdict_problems(loaded, seed_dir, out_dir, "{claim}.yaml", text).items()
    assert file.startswith("review/verdicts/") and line == 4 and "the tag '!!binary' is not allowed" in message
