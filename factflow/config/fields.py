"""The building blocks of the config models: the strict base model, the field types every section
shares (slugs, claim and source kinds, regular expressions, globs) and their checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from factflow.errors import UnknownNameError

Slug = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$",
        description="lower-case letters, digits, '.', '_' or '-'; used in file names",
    ),
]

SourceKind = Literal[
    "encyclopedia", "knowledge-base", "fact-check", "news-archive", "archive", "statistics", "topic"
]
ClaimType = Literal[
    "statistic", "quantity", "event", "quote", "causal", "prediction", "opinion", "question", "promotion", "other"
]
CLAIM_TYPES: tuple[str, ...] = ClaimType.__args__  # type: ignore[attr-defined]

def check_regex(pattern: str) -> str:
    """A pattern compiled as the run uses it: alone (never joined to another pattern, whose groups and
    inline flags it could upset), case-insensitive."""
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{_short_pattern(pattern)} is not a valid regular expression: {exc}") from exc
    except OverflowError as exc:  # "a{99999999999}": a repetition count past what the engine holds
        raise ValueError(f"{_short_pattern(pattern)} is not a valid regular expression: {exc}; "
                         "a repetition count is at most 4,294,967,294") from exc
    except RecursionError as exc:  # "((((...": groups nested thousands deep
        raise ValueError(f"{_short_pattern(pattern)} is not a valid regular expression: groups nested too deeply "
                         "to compile; nest them a few levels at most") from exc
    import regex  # the engine a run searches with (factflow/regexes.py); here: read only when a config has patterns

    from factflow.regexes import backtracking_risk

    try:
        regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"{_short_pattern(pattern)} is not a valid regular expression: {exc}") from exc
    try:
        risk = backtracking_risk(pattern)
    except RecursionError as exc:
        raise ValueError(f"{_short_pattern(pattern)}: groups nested too deeply to check; nest them a few levels at most") from exc
    if risk:
        raise ValueError(f"{_short_pattern(pattern)} {risk}")
    return pattern


def _short_pattern(pattern: str) -> str:
    return repr(pattern) if len(pattern) <= 80 else repr(pattern[:77] + "...")


def check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice; each must be unique")
        seen.add(value)


#: A list of regular expressions, each checked to compile (an error names the item's line).
Regexes = list[Annotated[str, AfterValidator(check_regex)]]


def _check_globs(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        parts = Path(pattern).parts
        if not pattern.strip() or Path(pattern).is_absolute() or ".." in parts or "\x00" in pattern:
            raise ValueError(f"{pattern!r} must be a glob relative to the seeds folder, such as *.txt or news/*.md")
    return patterns


#: Glob patterns searched under the seeds folder: relative, never reaching outside it.
Globs = Annotated[list[str], AfterValidator(_check_globs)]

#: Fields a source URL template may use; each is URL-encoded before it is filled in.
TEMPLATE_FIELDS = (
    "query", "phrase", "topic", "entity", "entities", "figures", "speaker", "quote", "document_url",
    "published", "date_from", "date_to", "datetime_from", "datetime_to",
)
#: GDELT's DOC 2.0 API searches "a rolling window of the last 3 months" of news
#: (https://blog.gdeltproject.org/gdelt-doc-2-0-api-debuts/): the default archive entry's ``covers_days``.
GDELT_COVERS_DAYS = 90
#: Kinds of the entities claim extraction finds (``factflow.models.Entity.kind``).
EntityKind = Literal["person", "organisation", "place", "nationality", "date", "quantity", "other"]


def check_registered(get: Callable[[str], object], name: str) -> None:
    """Look ``name`` up in a registry; an unknown one is the ValueError pydantic reports at its YAML line, listing the known names."""
    try:
        get(name)
    except UnknownNameError as exc:
        raise ValueError(exc.message) from None


def relative_inside(path: str) -> str:
    """A path relative to the output folder that stays inside it (no absolute path, no ``..``, not the folder itself)."""
    p = Path(path)
    if p.is_absolute() or ".." in p.parts or not p.parts or "\x00" in path:
        raise ValueError("must be a relative path inside the output folder, such as reports/verdicts.yaml")
    return path


class Strict(BaseModel):
    """Base of all config models: unknown keys are errors, values are immutable, types are not coerced.

    Strict types: ``threshold: true`` is an error, not 1.0, and ``batch_size: "50"`` is an error,
    not 50 (a number is still accepted where a decimal is expected).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)
