"""The seeds folder: every file, corpus and listed URL in it read into documents (title, byline, body, metadata).

``*.txt`` and ``*.md`` files are plain text and may begin with YAML front matter (``title``,
``url``, ``published``, ``outlet``); ``*.html`` pages go through article extraction (both in
``parse``); corpus files hold many documents (``corpus``); the URL list (``urls.txt``) names
articles fetched when the run is online (``web``). :func:`load_documents` is the stage function.
"""

from __future__ import annotations

import errno
import hashlib
import re
from pathlib import Path

from factflow.config import IngestConfig
from factflow.errors import InputError
from factflow.fileio import Tree, files_matching, walk_tree
from factflow.ingest.corpus import discover_corpora, read_corpus
from factflow.ingest.parse import MARKDOWN_SUFFIXES, decode, extract_article, parse_text_document
from factflow.ingest.web import WebFetcher, read_url_list
from factflow.models import Document, FileProblems, Problem, unexpected_problem
from factflow.text import shown_name

_HTML_SUFFIXES = (".html", ".htm")


def discover(seeds: Path, cfg: IngestConfig, tree: Tree | None = None, corpora: list[Path] | None = None) -> list[Path]:
    """Files under ``seeds`` matching the configured patterns, in a stable (sorted) order.

    A folder whose name matches a pattern (``notes.txt/``) is a folder, not a document: it is
    skipped here and its files are read like any other folder's. Symbolic links to folders are
    not followed (so a link loop cannot make the walk endless); links to files are checked by
    :func:`read_document`. A file the corpus patterns also match (``*.csv`` in both lists) is a
    corpus, read a row at a time by :func:`~factflow.ingest.corpus.read_corpus`, not a document as
    well: read both ways, its rows were counted twice and its raw text scored as an article.
    ``tree``: the folder's :func:`walk_tree`, when walked already; ``corpora``: its
    :func:`~factflow.ingest.corpus.discover_corpora`, when found already.
    """
    if not seeds.is_dir():
        raise InputError(seeds, "seeds folder not found; pass an existing folder with --seeds")
    tree = tree or walk_tree(seeds)  # the folders it could not list are problems of unreadable_folders
    skipped = set(discover_corpora(seeds, cfg, tree) if corpora is None else corpora)
    resources = page_resource_folders(tree[0])
    return sorted(
        path for path, found in ((seeds / found, found) for found in files_matching(tree[0], cfg.patterns))
        if path.name != cfg.urls_file and path not in skipped and not found.startswith(resources)
    )


#: What a browser's "Save page as: web page, complete" names a page it saves (page.html or page.htm).
_SAVED_PAGE = re.compile(r"(?i)(.+)\.x?html?")


def page_resource_folders(entries: list[tuple[str, bool]]) -> tuple[str, ...]:
    """The folders of the pages a browser saved whole: ``page_files/`` beside ``page.html`` holds the page's
    pictures, scripts and frames (advertisements, share buttons, a cookie notice saved as ``.html``), which are
    not articles. Their prefixes ('page_files/'), for ``str.startswith``."""
    files = {path for path, is_folder in entries if not is_folder}
    pages = {m.group(1) for path in files if (m := _SAVED_PAGE.fullmatch(path))}
    return tuple(f"{path}/" for path, is_folder in entries if is_folder and path.endswith("_files") and path[:-6] in pages)


def unreadable_folders(seeds: Path, tree: Tree | None = None) -> list[Problem]:
    """A problem for each folder under ``seeds`` that cannot be listed (its files would be missed silently).
    ``tree``: the folder's :func:`walk_tree`, when walked already."""
    _, errors = tree or walk_tree(seeds)
    return [
        Problem(file=shown_name(str(exc.filename)), message=f"cannot read folder: {exc.strerror or exc}; the files in it were not read")
        for exc in sorted(errors, key=lambda exc: str(exc.filename))
    ]


#: Of the files no pattern matches, those named as examples in each problem (by their kind).
_SHOWN_UNREAD = 3


def unread_files(seeds: Path, cfg: IngestConfig, tree: Tree, read: set[Path]) -> list[Problem]:
    """A problem for each kind (file extension) of file under ``seeds`` that no pattern matches: a PDF, a Word
    file or a spreadsheet put there to be checked was left out without a word. Hidden files, the URL list, links
    to folders and the folders of pages a browser saved whole are not counted; each problem names a few files and counts the rest.
    ``read``: the documents and corpora the run reads (:func:`discover`, :func:`discover_corpora`), found already."""
    entries = tree[0]
    resources = page_resource_folders(entries)
    by_kind: dict[str, list[str]] = {}
    lists: list[str] = []  # URL lists in subfolders: a run reads the one at the top alone
    for path, is_folder in entries:
        if is_folder or seeds / path in read or path.startswith(resources) or path == cfg.urls_file:
            continue
        if path.rpartition("/")[2] == cfg.urls_file:
            lists.append(path)
            continue
        if (seeds / path).is_dir():  # a link to a folder: never followed, and no file
            continue
        by_kind.setdefault(Path(path).suffix.lower() or "(no extension)", []).append(path)
    read_by = (f"ingest.patterns ({', '.join(cfg.patterns) or 'none'}) and ingest.corpus.patterns "
               f"({', '.join(cfg.corpus.patterns) or 'none'})")
    problems = []
    for kind, paths in sorted(by_kind.items()):
        paths.sort()
        if len(paths) == 1:
            what = paths[0]
        else:
            listed = ", ".join(paths[:_SHOWN_UNREAD]) + (f" and {len(paths) - _SHOWN_UNREAD:,} more" if len(paths) > _SHOWN_UNREAD else "")
            what = f"{len(paths):,} {kind + ' files' if kind.startswith('.') else 'files without an extension'} ({listed})"
        problems.append(Problem(file=shown_name(str(seeds / paths[0])), message=(
            f"not read: no pattern matches {what}; a run reads the files {read_by} match: save {'it' if len(paths) == 1 else 'them'} "
            f"as text or HTML, add a pattern, or move {'it' if len(paths) == 1 else 'them'} out of the seeds folder")))
    problems += [Problem(file=shown_name(str(seeds / path)), message=(
        f"not read: the URL list is read from {cfg.urls_file} at the top of the seeds folder alone (ingest.urls_file); "
        "move its lines there")) for path in sorted(lists)]
    return problems


def read_document(path: Path, seeds: Path, cfg: IngestConfig, problems: list[Problem] | None = None) -> Document:
    """Read one seed file into a document; raises InputError naming the file when it cannot. What its front
    matter gets wrong (the document is read without it) is added to ``problems``."""
    shown = shown_name(str(path))
    size = check_file(path)
    if size > cfg.max_file_bytes:
        raise InputError(shown, f"file is {size:,} bytes, over the limit of {cfg.max_file_bytes:,} (ingest.max_file_bytes)")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from exc
    digest = hashlib.sha256(raw).hexdigest()
    if path.suffix.lower() in _HTML_SUFFIXES:
        return extract_article(raw, shown_name(path.stem), shown, cfg, digest)
    text, encoding = decode(raw, Path(shown))
    return parse_text_document(shown_name(path.stem), shown, text, cfg, digest, encoding, problems,
                               markdown=path.suffix.lower() in MARKDOWN_SUFFIXES)


def check_file(path: Path) -> int:
    """The size of a seed file (a document or a corpus) that can be read; raises InputError naming it when
    it is a broken link, a link loop, a link to a folder, or a pipe, socket or device (checked before any
    open(): reading a named pipe or a device would block or never end)."""
    shown = shown_name(str(path))
    if path.is_symlink():
        _check_link(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(shown, f"cannot read: {exc.strerror or exc}") from exc
    if path.is_dir():
        raise InputError(shown, "a link to a folder; folders are not documents and links to them are not followed")
    if not path.is_file():
        raise InputError(shown, "not a regular file (a pipe, socket or device); documents must be files")
    return size


def _check_link(path: Path) -> None:
    """A symbolic link must end somewhere: a loop or a broken link is an error that says so."""
    shown = shown_name(str(path))
    try:
        path.resolve(strict=True)
    except RuntimeError as exc:  # Python 3.11 reports a loop this way
        raise InputError(shown, "symbolic link loop; remove the link or point it at a file") from exc
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(shown, "symbolic link loop; remove the link or point it at a file") from exc
        raise InputError(shown, f"broken symbolic link ({exc.strerror or exc}); remove it or point it at a file") from exc


def load_documents(seeds: Path, cfg: IngestConfig, web: WebFetcher | None = None, offline_note: bool = True) -> tuple[list[Document], list[Problem]]:
    """Read every document under ``seeds`` (and fetch its URL list with ``web``); bad inputs become problems.
    ``offline_note``: without ``web``, a problem says how many listed URLs were not fetched (not for a check of the files)."""
    documents: list[Document] = []
    tree = walk_tree(seeds) if seeds.is_dir() else None  # once, for the documents, the corpora and the unreadable folders
    corpora = discover_corpora(seeds, cfg, tree) if tree is not None else []
    paths = discover(seeds, cfg, tree, corpora)
    problems: list[Problem] = [*unreadable_folders(seeds, tree), *unread_files(seeds, cfg, tree, {*corpora, *paths})] if tree is not None else []
    ids: dict[str, str] = {}
    texts: dict[str, str] = {}
    found: list[Document] = []
    for path in paths:
        try:
            found.append(read_document(path, seeds, cfg, problems))
        except InputError as exc:
            problems.append(Problem(file=exc.path, line=exc.line, message=exc.message))
        except Exception as exc:  # noqa: BLE001 - one bad file is one problem, whatever went wrong in it
            problems.append(unexpected_problem(shown_name(str(path)), None, exc))
    # Same text in two files is worth a word (likely a copy by mistake); corpora often repeat rows, so not there.
    from_files = {id(doc) for doc in found}
    from_corpora: set[int] = set()
    for path in corpora:
        try:
            check_file(path)
            corpus_docs, corpus_problems = read_corpus(path, cfg)
        except InputError as exc:
            corpus_docs, corpus_problems = [], [Problem(file=exc.path, line=exc.line, message=exc.message)]
        except Exception as exc:  # noqa: BLE001 - a corpus that cannot be read at all is one problem
            corpus_docs, corpus_problems = [], [unexpected_problem(shown_name(str(path)), None, exc)]
        found.extend(corpus_docs)
        from_corpora.update(id(doc) for doc in corpus_docs)
        problems.extend(corpus_problems)
    url_list = seeds / cfg.urls_file
    if url_list.is_symlink() or url_list.exists():  # a pipe, a folder or a broken link there is a problem, not silence
        urls, url_problems = read_url_list(url_list)
        problems.extend(url_problems)
        if web is None:
            if urls and offline_note:
                problems.append(Problem(
                    file=str(url_list),
                    message=f"{len(urls)} URL(s) not fetched: the run is offline (run with --online or set sources.online: true)",
                ))
        else:
            fetched, fetch_problems = web(urls)
            found.extend(fetched)
            problems.extend(fetch_problems)
    repeated: dict[str, FileProblems] = {}  # by file: a corpus of a million rows of one id is a thousand problems and a count
    # A corpus read without ids (ingest.corpus.columns.id: null) names each row by its text: a crawl repeats pages
    # (a cookie notice, a wire story run twice), and each is read once; by file, how many and the first.
    text_named = cfg.corpus.columns.id is None
    repeats: dict[str, tuple[int, str, str]] = {}
    for doc in found:
        if doc.id in ids:
            row = id(doc) in from_corpora
            source, _, line = doc.path.rpartition(":") if row else (doc.path, "", "")
            if row and text_named:
                count, first, first_of = repeats.get(source, (0, doc.path, ids[doc.id]))
                repeats[source] = (count + 1, first, first_of)
                continue
            bucket = repeated.setdefault(source, FileProblems(source))
            if bucket.full:
                bucket.count(int(line) if line.isdigit() else None)
                continue
            fix = ("ids must be unique (ingest.corpus.columns.id); the row was skipped" if row
                   else "rename one of the files (ids are file stems)")
            bucket.append(Problem(file=source, line=int(line) if line.isdigit() else None,
                                  message=f"document id {doc.id!r} is already used by {ids[doc.id]}; {fix}"))
            continue
        ids[doc.id] = doc.path
        documents.append(doc)
        if id(doc) not in from_files:
            continue
        digest = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        if digest in texts:
            problems.append(Problem(
                file=doc.path,
                message=f"same text as {texts[digest]}; both are read and each claim they share lists both documents (remove one copy if it is a mistake)",
            ))
        else:
            texts[digest] = doc.path
    for bucket in repeated.values():
        problems.extend(bucket.listed())
    for count, first, first_of in repeats.values():
        source, _, line = first.rpartition(":")
        problems.append(Problem(file=source, line=int(line) if line.isdigit() else None, message=(
            f"{count:,} row(s) repeat the text of an earlier row (the first here, as {shown_name(first_of)}) and were read once: "
            "a corpus read with ingest.corpus.columns.id: null names each row by its text")))
    return documents, problems
