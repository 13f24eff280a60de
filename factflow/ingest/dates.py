"""Publication dates as documents and feeds write them: one reader for corpus rows and front matter.

Hand-written over a date-guessing library (dateutil's parser, dateparser): those read "12/05/2026"
one way or the other and "May" or "3" as a date; a fact-check's news-archive window is then a
month off without a word. This reads only forms that say which day they mean, and a value it
cannot read is reported, not guessed.
"""

from __future__ import annotations

import contextlib
import email.utils
import re
from datetime import UTC, date, datetime

__all__ = ["DATE_FORMS", "read_date"]

#: What :func:`read_date` reads, as a problem line says it.
DATE_FORMS = ("ISO 8601 (2026-12-05, 2026-12-05T10:00:00Z), RSS's RFC 2822 ('Sat, 05 Dec 2026 10:00:00 GMT'), "
              "'December 5, 2026', '5 Dec 2026', 20261205, or Unix seconds or milliseconds")

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")
#: Dates as feeds and APIs write them besides ISO 8601: "December 5, 2026", "5 Dec 2026" (a weekday before either).
_WRITTEN = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y")
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)


#: The years a publication date may fall in: a date outside them is a typo or a placeholder (0001-01-01, 9999-12-31).
MIN_YEAR, MAX_YEAR = 1800, 2100


def read_date(value: str | None) -> str | None:
    """A publication date as ISO 8601 (2026-12-05), or None where ``value`` holds none this reads:
    ISO 8601 (a date-time's date), RFC 2822 as RSS writes it ("Sat, 05 Dec 2026 10:00:00 GMT"), "December 5,
    2026" and "5 Dec 2026", a compact 20261205 (GDELT's) and Unix seconds or milliseconds (between 1990 and
    2100). A date both ways round ("12/05/2026") is not guessed."""
    if not value:
        return None
    text = value.strip()
    found: date | None = None
    if _ISO.match(text):
        try:
            found = date.fromisoformat(text[:10])
        except ValueError:
            return None
    elif text.isdigit() and len(text) in (8, 10, 13):
        if len(text) == 8:
            with contextlib.suppress(ValueError):
                found = datetime.strptime(text, "%Y%m%d").date()
        else:
            seconds = int(text) / (1000 if len(text) == 13 else 1)
            if 631_152_000 <= seconds < 4_102_444_800:  # 1990 to 2100
                found = datetime.fromtimestamp(seconds, tz=UTC).date()
    else:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            found = email.utils.parsedate_to_datetime(text).date()
        bare = _WEEKDAY.sub("", text)
        for pattern in _WRITTEN if found is None else ():
            with contextlib.suppress(ValueError):
                found = datetime.strptime(bare, pattern).date()
                break
    return found.isoformat() if found is not None and MIN_YEAR <= found.year <= MAX_YEAR else None
