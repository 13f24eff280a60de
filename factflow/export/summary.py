"""An editor's summary of a report, as HTML (charts inline) or Markdown (charts as SVG files beside it)."""

from __future__ import annotations

import io
import json
import re
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from factflow.export import RATED
from factflow.models import Report, ReportClaim, ReportDocument, ReportSummary, SummaryClaim, SummaryDocument, check_link
from factflow.text import printable

#: A report as the summary reads it: whole, or only what the summary shows (:class:`ReportSummary`, as ``factflow report`` reads it).
Summarised = Report | ReportSummary

_COLOURS = {"pending": "#9aa5b1", "agreed": "#2f855a", "adjudicated": "#2b6cb0", "disputed": "#c05621"}


@dataclass(frozen=True)
class Chart:
    """One chart: a title, its SVG and a file name for formats that link rather than inline it.

    A chart with nothing to show has no SVG, and ``empty`` says so in words instead of an empty frame.
    """

    title: str
    svg: str
    name: str
    empty: str | None = None


def _bar_chart(title: str, counts: dict[str, int], colour: str) -> str:
    """A horizontal bar chart as SVG text, deterministic (no dates or random ids in the file)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = [printable(k) for k in counts]  # a control character in a hand-edited label is shown escaped
    values = list(counts.values())
    plt.rcParams["svg.hashsalt"] = "factflow"
    plt.rcParams["text.parse_math"] = False  # a label is text: '$x$' in a claim type or rating label is no formula
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * max(len(labels), 2) + 0.9))
    bars = ax.barh(labels[::-1], values[::-1], color=colour)
    ax.bar_label(bars, padding=3)
    ax.set_title(title, loc="left", fontsize=12)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(values + [1]) * 1.15)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    buffer = io.StringIO()
    with warnings.catch_warnings():  # a letter the bundled font lacks (a desk's labels in another script) is drawn as a box, not warned of
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig.tight_layout()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "factflow"})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def charts(report: Summarised) -> list[Chart]:
    """The summary's charts: verdict ratings by consensus, and claims by type."""
    ratings = Counter(c.consensus.rating for c in report.claims if c.consensus.status in RATED and c.consensus.rating)
    rating_counts = {level.label: ratings[level.label] for level in report.scale}
    type_counts = {t: n for t, n in report.summary.by_type.items() if n}
    rated = "Ratings (claims with a consensus)"
    return [
        Chart(rated, _bar_chart(rated, rating_counts, "#2b6cb0"), "ratings.svg") if any(rating_counts.values()) else
        Chart(rated, "", "ratings.svg", "No ratings yet: no claim has an agreed or adjudicated rating."),
        Chart("Claims by type", _bar_chart("Claims by type", type_counts, "#805ad5"), "types.svg") if type_counts else
        Chart("Claims by type", "", "types.svg", "No claims yet."),
    ]


def agreement_reading(report: Summarised) -> str:
    """Krippendorff's alpha among reviewers, in plain words (Krippendorff's own thresholds)."""
    a = report.summary.agreement
    if a.krippendorff_alpha is None:
        return ("Agreement between reviewers: not measured yet; it needs claims rated by two or more reviewers, "
                f"with more than one rating among them ({a.claims_with_two_or_more_ratings:,} such claims so far).")
    alpha = a.krippendorff_alpha
    if alpha >= 0.8:
        words = "reliable agreement: reviewers rate alike"
    elif alpha >= 0.667:
        words = "tentative agreement: draw conclusions with care"
    elif alpha > 0:
        words = "weak agreement: reviewers often rate the same claim differently; compare notes on the scale"
    elif alpha == 0:
        words = "no better than chance"
    else:
        words = "systematic disagreement: reviewers read the scale differently"
    return (f"Agreement between reviewers (Krippendorff's alpha, ordinal): {alpha:.2f}, {words} "
            f"({a.claims_with_two_or_more_ratings:,} claims rated by two or more).")


def claims_data(report: Summarised, claims: Sequence[ReportClaim | SummaryClaim]) -> str:
    """The claims as compact JSON for the HTML summary's script, safe inside a <script> element."""
    return "".join(claims_data_chunks(report, claims))


def claims_data_chunks(report: Summarised, claims: Sequence[ReportClaim | SummaryClaim]) -> Iterator[str]:
    """:func:`claims_data` in pieces, a claim at a time."""
    listed: Sequence[ReportDocument | SummaryDocument] = report.documents
    index = {d.id: i for i, d in enumerate(listed)}
    documents = [[d.id, d.title] for d in listed]
    for c in claims:  # a claim whose document is not listed (a hand-edited report) still shows
        if c.document not in index:
            index[c.document] = len(documents)
            documents.append([c.document, c.document])
    # A row at a time, as the text it becomes: the rows are never all in memory, as data or as text (the
    # text is the same as dumping them as one list; every escape is of one character, so it may be made per row).
    head = json.dumps({"documents": documents, "colours": _COLOURS}, ensure_ascii=False, separators=(",", ":"))
    yield _script_safe(head[:-1] + ',"claims":[')
    for n, row in enumerate(_claim_rows(claims, index)):
        yield ("," if n else "") + _script_safe(row)
    yield "]}"


def _claim_rows(claims: Sequence[ReportClaim | SummaryClaim], index: dict[str, int]) -> Iterator[str]:
    """Each claim's row of the HTML summary's data, as JSON."""
    for n, c in enumerate(claims):
        yield json.dumps({
            "n": n, "id": c.id, "text": c.text, "doc": index[c.document], "type": c.type, "score": c.checkworthiness,
            "status": c.consensus.status, "rating": c.consensus.rating, "assigned": c.assigned_to,
            "verdicts": [[v.reviewer, v.rating, v.rationale or ""] for v in c.verdicts],
            # Only a URL that passes the link rule is sent; the page shows the rest as text.
            "links": [[s.title, link(s.url)] for s in c.sources] + [[f"evidence ({v.reviewer})", link(url)] for v in c.verdicts for url in v.evidence if link(url)],
        }, ensure_ascii=False, separators=(",", ":"))


def _script_safe(text: str) -> str:
    """JSON text safe inside a <script> element: "</script>" or "<!--" in a claim must not end it, so the
    characters HTML reads there are escaped."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


#: What starts inline markup in CommonMark and GFM: emphasis, code, links, images, raw HTML and
#: entities, table cells, strikethrough. Each is backslash-escaped (CommonMark escapes any of them).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!])")


def markdown_text(value: object) -> str:
    """Text for a Markdown table cell: one line, with what would start markup escaped (no HTML, links or emphasis),
    and control characters as their escapes (the summary goes to a terminal by default: text.printable)."""
    text = printable(" ".join(str(value).split()))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_code(value: object) -> str:
    """Text for inside a Markdown code span: one line, no backtick (which would end it), no unescaped cell bar."""
    return printable(" ".join(str(value).split())).replace("`", "'").replace("|", "\\|")


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


def render(report: Summarised, fmt: str, chart_prefix: str | None = None, max_claims: int | None = None,
           total_claims: int | None = None) -> tuple[str, list[Chart]]:
    """The summary text in ``fmt`` (html or markdown) and the charts it refers to (see :func:`render_chunks`)."""
    chunks, drawn = render_chunks(report, fmt, chart_prefix, max_claims, total_claims)
    return "".join(chunks), drawn


def render_chunks(report: Summarised, fmt: str, chart_prefix: str | None = None, max_claims: int | None = None,
                  total_claims: int | None = None) -> tuple[Iterator[str], list[Chart]]:
    """The summary text in ``fmt`` (html or markdown), in pieces as it is made (tens of megabytes at tens
    of thousands of claims, never all in memory), and the charts it refers to.

    HTML carries its charts inline. Markdown links to ``<chart_prefix><chart name>`` files the
    caller writes next to it; without a prefix it draws text bars instead. ``max_claims`` lists
    at most that many claims, those needing attention first (disputed, then the rest by
    check-worthiness), and as many problems, and says how many more the report holds.
    ``total_claims``: how many claims the whole report holds, when ``report`` is a preview of it
    holding only the claims to list (:attr:`factflow.pipeline.RunResult.preview`).
    """
    drawn = charts(report) if fmt == "html" or chart_prefix else []  # text bars need no drawing
    if fmt == "html":  # every claim, paged and filtered in the page itself
        max_claims = None
    documents = {d.id: d for d in report.documents}
    shown: Sequence[ReportClaim | SummaryClaim] = report.claims
    if max_claims is not None and len(shown) > max_claims:
        ranked = sorted(range(len(shown)), key=lambda i: (shown[i].consensus.status != "disputed", -shown[i].checkworthiness, i))
        shown = [shown[i] for i in sorted(ranked[:max_claims])]
    by_type = {kind: count for kind, count in report.summary.by_type.items() if count}
    widest = max(by_type.values(), default=1)
    bars = {kind: "█" * max(1, round(40 * count / widest)) for kind, count in by_type.items()}  # at most 40 wide
    template = _ENV.get_template("summary.html" if fmt == "html" else "summary.md")
    text = template.generate(
        report=report, claims=shown, hidden=(total_claims if total_claims is not None else len(report.claims)) - len(shown), charts=drawn, documents=documents,
        problems=report.problems[:max_claims], hidden_problems=max(0, len(report.problems) - (max_claims or len(report.problems))),
        colours=_COLOURS, chart_prefix=chart_prefix, rated=RATED, max=max, bars=bars,
        agreement_reading=agreement_reading(report), statuses=list(report.summary.by_consensus), types=list(by_type),
        reviewers=[r.reviewer for r in report.summary.reviewers],
        data=claims_data_chunks(report, shown) if fmt == "html" else (),
    )
    return text, drawn


def write_summary(report: Summarised, fmt: str, output: Path | None) -> tuple[Iterator[str], list[Path]]:
    """Render the summary; with an output file, write it (and Markdown's chart files) atomically as it is
    made. Returns the text in blocks of about a megabyte, for the caller to print, when there is no output
    file (nothing when there is), and the files written."""
    from factflow.errors import OutputError
    from factflow.fileio import atomic_write_text, is_stream, write_output

    # Markdown's charts are files beside it; a device or pipe has no "beside": text bars then, as on stdout.
    prefix = f"{output.stem}-" if (output is not None and fmt == "markdown" and not is_stream(output)) else None
    chunks, drawn = render_chunks(report, fmt, prefix)
    if output is None:
        return _blocks(chunks), []
    write_output(output, _blocks(chunks), OutputError)
    written = [output]
    if prefix is not None:
        for chart in (c for c in drawn if c.svg):
            path = output.resolve().with_name(prefix + chart.name)
            atomic_write_text(path, chart.svg)
            written.append(path)
    return iter(()), written


def _blocks(chunks: Iterator[str], size: int = 1 << 20) -> Iterator[str]:
    """The template's many small pieces joined into blocks of about ``size`` characters (a write each)."""
    block: list[str] = []
    length = 0
    for chunk in chunks:
        block.append(chunk)
        length += len(chunk)
        if length >= size:
            yield "".join(block)
            block, length = [], 0
    if block:
        yield "".join(block)
