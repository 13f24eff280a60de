"""The rule for every URL the desk shows or publishes as a link, in one place (the config reads it too)."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["check_link", "check_publisher_url"]

#: Characters no URL holds raw (RFC 3986): in a link they could end it and start markup.
_NOT_IN_URLS = frozenset('"<>\\^`{|}')


def check_link(url: str) -> str:
    """``url`` when it may become a link (http or https with a host, no whitespace, controls or markup characters); else ValueError.

    The one rule for every URL shown as a link (evidence, API answers, exports): ``javascript:``,
    ``data:`` and text that would break out of an attribute or a Markdown link never pass; nor does
    a user name or password before the host (``https://news.example@evil.example/`` reads as one host
    and goes to another, and a password would be published with every link), nor a port past 65535.
    """
    if any(ch.isspace() or not ch.isprintable() or ch in _NOT_IN_URLS for ch in url):
        raise ValueError("a URL may not hold whitespace, control characters or any of \" < > \\ ^ ` { | }")
    try:
        parsed = urlsplit(url)
        port = parsed.port  # ValueError past 65535 or when not a number
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({exc})") from exc
    if parsed.scheme.lower() not in ("http", "https") or not parsed.hostname:
        raise ValueError("must be an http:// or https:// URL with a host, such as https://example.org/page")
    if "@" in parsed.netloc:
        raise ValueError("a link may not hold a user name or password before its host ('user:password@'); give the page's own address")
    if port == 0:
        raise ValueError("not a valid URL (port 0)")
    return url


def check_publisher_url(url: str) -> str:
    """The publisher's page, on which each exported review's url is built ('<url>#<claim-id>'): a link
    (:func:`check_link`) without a fragment of its own; else ValueError."""
    check_link(url)
    if "#" in url:
        raise ValueError("the publisher's url may not hold a '#fragment': each review's url is it plus '#<claim-id>'")
    return url
