"""Config: the shipped file is valid; bad config stops with one clear message naming file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from factflow.config import Config, load_config
from factflow.errors import ConfigError
from tests.conftest import CONFIG, write


def test_shipped_config_is_valid_and_equals_the_defaults() -> None:
    loaded = load_config(CONFIG)
    assert loaded.config == Config()
    assert loaded.sha256 and len(loaded.sha256) == 64
    assert loaded.config.review.labels[:2] == ["true", "mostly-true"]


def test_empty_config_gives_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path / "c.yaml", "")).config == Config()


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("claims:\n  treshold: 0.4\n", 2,
         "claims.treshold: unknown key; allowed keys: detector, threshold, context_sentences, max_sentences_per_document"),
        ("claims:\n  threshold: 1.5\n", 2, "claims.threshold: Input should be less than or equal to 1 (got 1.5)"),
        ("review:\n  reviewers_per_claim: 3\n", 1, "reviewers_per_claim is 3 but only 2 reviewer(s) are configured"),
        ("review:\n  reviewers:\n    - id: Reviewer One\n", 3, "review.reviewers[0].id: String should match pattern"),
        ("sources:\n  catalog:\n    - id: x\n      name: X\n      kind: blog\n      url: https://x.example/{query}\n", 5,
         "sources.catalog[0].kind: Input should be 'encyclopedia', 'knowledge-base', 'fact-check'"),
        ("claims:\n  boilerplate_patterns: ['(unclosed']\n", 2, "is not a valid regular expression"),
        ("report:\n  path: ../elsewhere.yaml\n", 2, "must be a relative path inside the output folder"),
        ("claims: [1, 2\n", 1, "not valid YAML"),  # where the list opened (line 2 is past the end of the file)
        ("- a list\n", 1, "expected a mapping"),
        ("review:\n  scale:\n    - label: 'true'\n    - label: 'true'\n", 1, "rating label 'true' appears twice"),
    ],
)
def test_bad_config_names_file_line_key_and_what_is_allowed(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = write(tmp_path / "factflow.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    assert err.path == str(path) and err.line == line
    assert message in err.message
    assert str(err).startswith(f"{path}:{line}: ")


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


def test_yaml_1_1_booleans_stay_words(tmp_path: Path) -> None:
    path = write(tmp_path / "c.yaml", "review:\n  reviewers:\n    - id: 'no'\n      name: no\n  reviewers_per_claim: 1\n")
    assert load_config(path).config.review.reviewers[0].name == "no"


def test_every_config_field_is_described() -> None:
    from pydantic import BaseModel

    def walk(model: type[BaseModel], prefix: str) -> list[str]:
        missing = []
        for name, field in model.model_fields.items():
            if not field.description and not field.metadata and name not in {"id", "label"}:
                missing.append(prefix + name)
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                missing += walk(ann, prefix + name + ".")
        return missing

    assert walk(Config, "") == []
