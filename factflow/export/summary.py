"""An editor's summary of a report, as HTML (charts inline) or Markdown (charts as SVG files beside it)."""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from factflow.export import RATED
from factflow.models import Report, check_link

_COLOURS = {"pending": "#9aa5b1", "agreed": "#2f855a", "adjudicated": "#2b6cb0", "disputed": "#c05621"}


@dataclass(frozen=True)
class Chart:
    """One chart: a title, its SVG and a file name for formats that link rather than inline it."""

    title: str
    svg: str
    name: str


def _bar_chart(title: str, counts: dict[str, int], colour: str) -> str:
    """A horizontal bar chart as SVG text, deterministic (no dates or random ids in the file)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = list(counts)
    values = [counts[k] for k in labels]
    plt.rcParams["svg.hashsalt"] = "factflow"
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * max(len(labels), 2) + 0.9))
    bars = ax.barh(labels[::-1], values[::-1], color=colour)
    ax.bar_label(bars, padding=3)
    ax.set_title(title, loc="left", fontsize=12)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(values + [1]) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "factflow"})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def charts(report: Report) -> list[Chart]:
    """The summary's charts: verdict ratings by consensus, and claims by type."""
    ratings = Counter(c.consensus.rating for c in report.claims if c.consensus.status in RATED and c.consensus.rating)
    rating_counts = {level.label: ratings[level.label] for level in report.scale}
    type_counts = {t: n for t, n in report.summary.by_type.items() if n}
    return [
        Chart("Ratings (claims with a consensus)", _bar_chart("Ratings (claims with a consensus)", rating_counts, "#2b6cb0"), "ratings.svg"),
        Chart("Claims by type", _bar_chart("Claims by type", type_counts or {"none": 0}, "#805ad5"), "types.svg"),
    ]


#: What starts inline markup in CommonMark and GFM: emphasis, code, links, images, raw HTML and
#: entities, table cells, strikethrough. Each is backslash-escaped (CommonMark escapes any of them).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!])")


def markdown_text(value: object) -> str:
    """Text for a Markdown table cell: one line, with what would start markup escaped (no HTML, links or emphasis)."""
    text = " ".join(str(value).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_code(value: object) -> str:
    """Text for inside a Markdown code span: one line, no backtick (which would end it), no unescaped cell bar."""
    return " ".join(str(value).split()).replace("`", "'").replace("|", "\\|")


def link(url: object) -> str | None:
    """``url`` when it may be a link (http or https, no whitespace, controls or markup characters), else None."""
    try:
        return check_link(str(url))
    except ValueError:
        return None


def markdown_link(url: object) -> str | None:
    """A link destination for Markdown: :func:`link`, with the characters that could end it percent-encoded."""
    checked = link(url)
    if checked is None:
        return None
    return checked.translate({ord(c): f"%{ord(c):02X}" for c in "()"})


_ENV = Environment(
    loader=PackageLoader("factflow.export", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters.update(md=markdown_text, md_code=markdown_code, link=link, md_link=markdown_link)


def render(report: Report, fmt: str, chart_prefix: str | None = None, max_claims: int | None = None) -> tuple[str, list[Chart]]:
    """The summary text in ``fmt`` (html or markdown) and the charts it refers to.

    HTML carries its charts inline. Markdown links to ``<chart_prefix><chart name>`` files the
    caller writes next to it; without a prefix it draws text bars instead. ``max_claims`` lists
    at most that many claims, those needing attention first (disputed, then the rest by
    check-worthiness), and as many problems, and says how many more the report holds.
    """
    drawn = charts(report) if fmt == "html" or chart_prefix else []  # text bars need no drawing
    documents = {d.id: d for d in report.documents}
    shown = report.claims
    if max_claims is not None and len(shown) > max_claims:
        ranked = sorted(range(len(shown)), key=lambda i: (shown[i].consensus.status != "disputed", -shown[i].checkworthiness, i))
        shown = [shown[i] for i in sorted(ranked[:max_claims])]
    by_type = {kind: count for kind, count in report.summary.by_type.items() if count}
    widest = max(by_type.values(), default=1)
    bars = {kind: "█" * max(1, round(40 * count / widest)) for kind, count in by_type.items()}  # at most 40 wide
    template = _ENV.get_template("summary.html" if fmt == "html" else "summary.md")
    text = template.render(
        report=report, claims=shown, hidden=len(report.claims) - len(shown), charts=drawn, documents=documents,
        problems=report.problems[:max_claims], hidden_problems=max(0, len(report.problems) - (max_claims or len(report.problems))),
        colours=_COLOURS, chart_prefix=chart_prefix, rated=RATED, max=max, bars=bars,
    )
    return text, drawn


def write_summary(report: Report, fmt: str, output: Path | None) -> tuple[str, list[Path]]:
    """Render the summary; with an output file, write it (and Markdown's chart files) atomically."""
    from factflow.yamlio import atomic_write_text

    prefix = f"{output.stem}-" if (output is not None and fmt == "markdown") else None
    text, drawn = render(report, fmt, prefix)
    written: list[Path] = []
    if output is not None:
        atomic_write_text(output, text)
        written.append(output)
        if prefix is not None:
            for chart in drawn:
                path = output.with_name(prefix + chart.name)
                atomic_write_text(path, chart.svg)
                written.append(path)
    return text, written
