"""The building blocks of the models: the base model, a problem with an input (one line for the user),
the checks of links and ids, and the schema's version."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

from factflow.links import check_link
from factflow.text import scrub, shown_name

SCHEMA_VERSION = "1.0"


def is_none(value: object) -> bool:
    """A field left out of the output when None (fields added later: older outputs keep their bytes)."""
    return value is None


def is_empty(value: object) -> bool:
    """A list left out of the output when empty or None."""
    return not value


#: The longest document id and URL a document may have, and the longest title and outlet kept (longer ones
#: are clipped): each is repeated in every task, stub and report entry of the document's claims, so a
#: corpus row with an id and a title of a million characters each made 264 MB of output from 2 MB.
MAX_ID_CHARS = 1_000
MAX_URL_CHARS = 8_000
MAX_TITLE_CHARS = 1_000


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last of them an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def check_document_url(url: str) -> str:
    """``url`` when it may be a document's URL: a link (:func:`check_link`) of at most :data:`MAX_URL_CHARS`; else ValueError."""
    if len(url) > MAX_URL_CHARS:
        raise ValueError(f"the URL is {len(url):,} characters long; a document's URL is at most {MAX_URL_CHARS:,}")
    return check_link(url)


class Model(BaseModel):
    """Base model: unknown fields are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class Problem(Model):
    """Something wrong with one input file; the run went on without it."""

    file: str = Field(description="Path of the file, relative to where the run was started or to the output folder.")
    line: int | None = Field(default=None, description="1-based line number, when known.")
    message: str = Field(description="What is wrong and what is allowed.")

    @field_validator("file", "message")
    @classmethod
    def _writable(cls, value: str) -> str:
        # A file or folder name that is not UTF-8 reaches Python with lone surrogates ("caf\udce9"); no report,
        # twin or terminal line can be written with one, so every problem shows such bytes as U+FFFD, wherever it was made.
        return shown_name(value)


#: Problems listed for one file (a row, line or item each); the rest are counted in one more problem.
MAX_PROBLEMS_PER_FILE = 1_000


class FileProblems:
    """The problems of one file that has a problem a line (a corpus, a URL list, a TSV, a ClaimReview
    file): the first :data:`MAX_PROBLEMS_PER_FILE` kept, the rest counted, so a file of millions of bad
    lines costs a thousand problems and a count, not millions (a 10 MB URL list of bad lines was 4.9
    million problems, and 4 GB of memory ran out before the report was written)."""

    def __init__(self, file: str, limit: int = MAX_PROBLEMS_PER_FILE) -> None:
        self.file = file
        self.limit = limit
        self.kept: list[Problem] = []
        self.more = 0
        self.first_more: int | None = None

    @property
    def full(self) -> bool:
        """Whether a further problem is only counted (a caller may skip making it: :meth:`count`)."""
        return len(self.kept) >= self.limit

    def append(self, problem: Problem) -> None:
        if not self.full:
            self.kept.append(problem)
        else:
            self.count(problem.line)

    def count(self, line: int | None) -> None:
        """One more problem, at ``line``, past the limit."""
        self.more += 1
        if self.first_more is None:
            self.first_more = line

    def extend(self, problems: Sequence[Problem]) -> None:
        for problem in problems:
            self.append(problem)

    def __len__(self) -> int:
        return len(self.kept) + self.more

    def listed(self) -> list[Problem]:
        """The problems kept, and one that counts the rest."""
        if not self.more:
            return list(self.kept)
        where = f", the first at line {self.first_more:,}" if self.first_more else ""
        return [*self.kept, Problem(file=self.file, line=self.first_more, message=(
            f"{self.more:,} more problems like those above{where}, not listed (the first {self.limit:,} are); "
            "is this the right file, in the right format?"))]


def unexpected_problem(file: str, line: int | None, exc: BaseException) -> Problem:
    """The problem entry for an input that failed in a way no check foresaw: the run goes on without it."""
    detail = " ".join(str(exc).split())[:300] or "no detail"
    return Problem(file=file, line=line, message=f"could not be read ({type(exc).__name__}: {scrub(detail)}); it was skipped")
