"""Config files written carelessly or with hostile intent: each mistake is one ConfigError naming file, line and key."""

from __future__ import annotations

import re
import time
import typing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from factflow_flows.cli import main
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from factflow.claims.split import Boilerplate
from factflow.config import Config, load_config
from factflow.errors import ConfigError
from factflow.ingest.parse import parse_document
from factflow.models import Claim
from factflow.regexes import SEARCH_SECONDS, backtracking_risk
from factflow.sources.catalog import applies
from tests.conftest import write


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
PEOPLE_WRITE = [r"^Share this", r"(?i)subscribe to our newsletter", r"Photo: .*", r"^\s*Advertisement\s*$"]


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


# What the check lets through and re cannot finish: ".*a.*b.*c.*d" on 300 characters of "abc abc ..." took more than
# 2 minutes, "(abc|a\\wc)+$" (exponential) 0.14 s on 61 characters and twice as long for every 3 more.
# The regex module the run searches with takes 0.03 s on the first at 3,000 characters, more than 5 s at 50,000.
BACKTRACKING = [(r".*a.*b.*c.*d", "abc " * 12_400 + "abc"), (r"(abc|a\wc)+$", "abc" * 990 + "!")]


@pytest.mark.parametrize(("pattern", "sentence"), BACKTRACKING)
def test_a_boilerplate_pattern_that_backtracks_on_a_long_sentence_stops_the_run_in_seconds_naming_it(
        tmp_path: Path, pattern: str, sentence: str) -> None:
    """The pattern passed the config check, then the run hung on one sentence."""
    seeds = tmp_path / "seeds"
    write(seeds / "long.txt", f"Title\n\nThe ministry said 300 troops arrived in 2015.\n{sentence}\n")
    config = write(tmp_path / "config.yaml", f"claims:\n  max_sentence_chars: 50000\n  boilerplate_patterns:\n  - 'ok'\n  - '{pattern}'\n")
    started = time.monotonic()
    result = CliRunner().invoke(main, ["run", "--engine", "plain", "--config", str(config), "--seeds", str(seeds), "--out", str(tmp_path / "out")])
    assert time.monotonic() - started < 60
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: claims.boilerplate_patterns: {pattern!r} took more than {SEARCH_SECONDS:g} s on the sentence at " in result.output
    assert "long.txt:4 (" in result.output and "backtracks" in result.output and "^Share this" in result.output


def test_a_byline_pattern_that_backtracks_on_a_line_of_100_characters_is_an_error_naming_line_and_setting(tmp_path: Path) -> None:
    """Byline lines are at most 100 characters: (abc|a\\wc)+$ took about 20 minutes on one."""
    config = write(tmp_path / "config.yaml", "ingest:\n  byline_patterns: ['(abc|a\\wc)+$']\n")
    ingest = load_config(config).config.ingest
    with pytest.raises(ConfigError) as caught:
        parse_document("d", "seeds/d.txt", "Title\n\n" + "abc" * 33 + "!\nBody.\n", ingest, sha256="0")
    assert str(caught.value).startswith("ingest.byline_patterns: '(abc|a\\\\wc)+$' took more than 2 s on the line at seeds/d.txt:3")


def test_a_topic_keyword_that_backtracks_is_an_error_naming_the_catalog_entry_and_claim(tmp_path: Path) -> None:
    config = write(tmp_path / "config.yaml", (
        "sources:\n  catalog:\n  - id: wars\n    name: Wars\n    kind: topic\n    url: 'https://example.org/?q={query}'\n"
        "    keywords: ['.*a.*b.*c.*d']\n"))
    template = load_config(config).config.sources.catalog[0]
    claim = Claim.model_construct(id="c-1", text="abc " * 12_500, type="event", entities=[], context_before=[], context_after=[])
    with pytest.raises(ConfigError) as caught:
        applies(template, claim)
    assert str(caught.value).startswith("sources.catalog[wars].keywords: '.*a.*b.*c.*d' took more than 2 s on the text and context of claim c-1")


@pytest.mark.parametrize("pattern", PEOPLE_WRITE)
def test_patterns_people_write_are_accepted_and_take_no_time_on_the_longest_sentence(tmp_path: Path, pattern: str) -> None:
    config = write(tmp_path / "config.yaml", f"claims:\n  boilerplate_patterns: ['{pattern}']\n")
    boilerplate = Boilerplate(load_config(config).config.claims.boilerplate_patterns)
    started = time.monotonic()
    assert not boilerplate("The ministry said " + "this photo and subscription to our news " * 250_000)  # 10 million characters: the most allowed
    assert time.monotonic() - started < 5
    assert boilerplate({"^Share this": "Share this story", "Photo: .*": "Photo: AP", "^\\s*Advertisement\\s*$": " Advertisement"}.get(
        pattern, "Subscribe to our newsletter for more"))


@pytest.mark.parametrize(("url", "says"), [
    ("https://desk.example/checks#top", "may not hold a '#fragment'"),
    ("https://editor:secret@desk.example/", "may not hold a user name or password"),
    ("https://desk.example:99999/", "Port out of range"),
])
def test_a_publisher_url_that_would_make_bad_review_urls_is_a_config_error(tmp_path: Path, url: str, says: str) -> None:
    from factflow.config import load_config
    from factflow.errors import ConfigError

    path = tmp_path / "c.yaml"
    path.write_text(f"report:\n  publisher_url: '{url}'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(says)) as info:
        load_config(path)
    assert info.value.line == 2
