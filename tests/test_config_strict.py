"""Config files written carelessly or with hostile intent: each mistake is one ConfigError naming file, line and key."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from factflow.config import Config, load_config
from factflow.errors import ConfigError
from factflow.regexes import backtracking_risk


def numeric_keys(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key of the config whose value is a number (int or float, optional or not), as a path of keys."""
    keys: list[tuple[str, ...]] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        args = set(typing.get_args(annotation)) or {annotation}
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys += numeric_keys(annotation, (*prefix, name))
        elif args & {int, float} and bool not in args:
            keys.append((*prefix, name))
    return keys


NUMERIC = [k for k in numeric_keys(Config) if k[:2] != ("sources", "apis")]  # an API section needs its base_url too
HOSTILE = st.sampled_from([
    "true", "false", "yes", "9" * 5000, "-" + "9" * 400, "1e400", ".inf", "-.inf", ".nan", "0x10", "0b1", "1_000", "1:30",
    "2015-02-30", "'5'", "[]", "{}", "~",
])


def nested(keys: tuple[str, ...], value: str) -> str:
    lines = [f"{'  ' * depth}{key}:" for depth, key in enumerate(keys[:-1])]
    lines.append(f"{'  ' * (len(keys) - 1)}{keys[-1]}: {value}")
    return "\n".join(lines) + "\n"


def test_every_number_of_the_config_is_found() -> None:
    assert ("claims", "threshold") in NUMERIC and ("run", "batch_size") in NUMERIC and ("http", "max_response_bytes") in NUMERIC


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(NUMERIC), value=HOSTILE)
def test_a_number_key_holding_anything_else_is_one_error_with_file_line_and_key(tmp_path: Path, key: tuple[str, ...], value: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(nested(key, value), encoding="utf-8")
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        assert exc.line == len(key), str(exc)
        assert ".".join(key) in exc.message, str(exc)
        assert "\n" not in str(exc) and len(str(exc)) < 400
        return
    # Accepted only when YAML's core schema reads it as a finite number inside the bounds, or as null where null is allowed.
    got: Any = loaded.config
    for part in key:
        got = getattr(got, part)
    assert got is None and value == "~" or (isinstance(got, int | float) and not isinstance(got, bool))


@pytest.mark.parametrize(("text", "line", "what"), [
    ("claims:\n  threshold: 0.5\n  threshold: 0.6\n", 3, "duplicate key 'threshold'"),
    ("ingest:\n  patterns: ['/etc/passwd']\n", 2, "relative to the seeds folder"),
    ("ingest:\n  corpus:\n    patterns: ['../*.csv']\n", 3, "relative to the seeds folder"),
    ("ingest:\n  urls_file: ../urls.txt\n", 2, "file name in the seeds folder"),
    ("http:\n  cache_dir: /tmp/cache\n", 2, "inside the output folder"),
    ("report:\n  path: ..\n", 2, "inside the output folder"),
])
def test_duplicates_and_paths_outside_the_project_are_errors(tmp_path: Path, text: str, line: int, what: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == line and what in caught.value.message


@pytest.mark.parametrize("placeholder", ["{query:>999999999}", "{query!r}", "{query!s:.3}", "{entity:{query}}", "{topic:x<5}"])
@pytest.mark.parametrize("key", ["url", "dated_url"])
def test_a_source_template_placeholder_with_a_format_or_conversion_is_an_error(tmp_path: Path, placeholder: str, key: str) -> None:
    """A template is filled with str.format_map: '{query:>999999999}' passed the check of the placeholders'
    names and padded every claim's link to a gigabyte (the run hung, its memory growing). A placeholder is
    its name alone."""
    entry = "    - id: x\n      name: X\n      kind: topic\n      url: 'https://x.example/?q={query}'\n"
    entry = entry.replace("{query}", placeholder) if key == "url" else entry + f"      dated_url: 'https://x.example/?q={placeholder}'\n"
    path = tmp_path / "config.yaml"
    path.write_text("sources:\n  catalog:\n" + entry, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == (6 if key == "url" else 7)
    assert f"sources.catalog[0].{key}: placeholder(s) {placeholder} carry a format or a conversion" in caught.value.message


@pytest.mark.parametrize(("pattern", "said"), [
    ("a{99999999999}", "repetition count"),  # re raises OverflowError here, not re.error
    ("(" * 3000 + "a" + ")" * 3000, "nested too deeply"),  # and RecursionError here
    ("x(?i)y", "global flags"),
])
@pytest.mark.parametrize("key", ["claims:\n  boilerplate_patterns", "ingest:\n  byline_patterns"])
def test_a_regular_expression_the_engine_cannot_compile_is_one_error_with_its_line(tmp_path: Path, pattern: str, said: str, key: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"{key}:\n  - 'ok'\n  - '{pattern}'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 4 and said in caught.value.message and len(caught.value.message) < 400


def test_each_configured_pattern_is_used_alone_as_the_config_checked_it(tmp_path: Path) -> None:
    """Joined into one expression with the built-in patterns, an inline flag stopped the run with a
    traceback, and a back reference pointed at a built-in pattern's group."""
    from factflow.claims.split import Boilerplate
    from factflow.models import Claim
    from factflow.sources.catalog import applies

    path = tmp_path / "config.yaml"
    path.write_text(
        "claims:\n  boilerplate_patterns: ['(?i)subscribe now', '\\b(\\w+) \\1\\b']\n"
        "sources:\n  catalog:\n  - id: wars\n    name: Wars\n    kind: topic\n    url: 'https://example.org/?q={query}'\n"
        "    keywords: ['(?i)troops', '\\b(\\w+) \\1\\b']\n", encoding="utf-8")
    config = load_config(path).config
    boilerplate = Boilerplate(config.claims.boilerplate_patterns)
    assert boilerplate("Subscribe now for more stories.") and boilerplate("It was the the best of times.")
    assert not boilerplate("The army said 300 troops arrived in Syria.")
    claim = Claim.model_construct(text="The army said 300 troops arrived.", type="event", entities=[], context_before=[], context_after=[])
    assert applies(config.sources.catalog[0], claim)
    assert not applies(config.sources.catalog[0], claim.model_copy(update={"text": "Prices rose."}))
    assert applies(config.sources.catalog[0], claim.model_copy(update={"text": "Prices rose rose."}))


CATASTROPHIC = [
    r"(a+)+$", r"(a*)*$", r"(\w+\s?)*$", r"(?:foo|f\w+)+!", r"(a|a)*$", r"(a|aa)*$", r"(.*a){8}",  # exponential
    r".*.*x", r"\w+\d*\w+x", r"\s*\s+$", r"(?:.*)(?:.*)x",  # cubic: \w+\d*\w+x took 43 s on 3,000 characters
]
ORDINARY = [
    r"(\s+\w+)*$", r"foo.*bar", r".*foo.*bar", r"^by \w+(?: \w+)*$", r"\d+(?:,\d{3})*", r"(?:https?://)?\S+",
    r"(a{2})+", r"(?>a+)+", r"a++b*", r"(a|ab)*c", r"(?:\S+\s+){2,5}rights", r"\b(?:w1x|w10x|w100x)+\b",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_a_pattern_that_could_backtrack_without_end_is_refused_at_its_line(tmp_path: Path, pattern: str) -> None:
    """A boilerplate pattern such as (\\w+\\s?)* passed the check and hung the run on a long sentence."""
    path = tmp_path / "config.yaml"
    path.write_text(f"claims:\n  boilerplate_patterns:\n  - 'ok'\n  - '{pattern}'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 4
    assert "exponential" in caught.value.message or "cubed" in caught.value.message


@pytest.mark.parametrize("pattern", ORDINARY)
def test_ordinary_patterns_pass_the_backtracking_check(pattern: str) -> None:
    assert backtracking_risk(pattern) is None


def test_the_built_in_patterns_pass_the_backtracking_check() -> None:
    from factflow.claims.split import BOILERPLATE

    config = Config()
    keywords = [k for source in config.sources.catalog for k in source.keywords]
    for pattern in [*BOILERPLATE, *config.ingest.byline_patterns, *keywords]:
        assert backtracking_risk(pattern) is None, pattern
