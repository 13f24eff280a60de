"""Exports others consume: schema.org ClaimReview JSON-LD, and an HTML or Markdown summary for editors.

Both read a written report (``reports/verdicts.yaml``), never the pipeline's internals, so they
work on any report a run left behind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import overload

from pydantic import BaseModel

from factflow.errors import InputError
from factflow.fileio import decode_input, read_input_bytes, regular_digest
from factflow.models import Report
from factflow.reportfile import R, read_twin
from factflow.yamlio import load_model

#: Consensus states that carry a rating others may publish.
RATED = frozenset({"agreed", "adjudicated"})


#: The largest report parsed as YAML (a run's own is read from its JSON twin, whatever its size): far above
#: any report, and a bound on a pipe that never ends (``--report <(yes)``).
MAX_REPORT_BYTES = 1_000_000_000


@overload
def load_report(path: Path) -> Report: ...


@overload
def load_report(path: Path, model: type[R]) -> R: ...


def load_report(path: Path, model: type[BaseModel] = Report) -> BaseModel:
    """Read and validate a report file; InputError names the file and line when it is not a valid report.

    A report a run wrote is read from the JSON twin the run left beside it, when that twin mirrors
    the file's exact bytes; any other report (edited, copied without it) is parsed as YAML.
    ``model``: the whole :class:`Report`, or a model of the part the caller reads (``ReportQueue``).
    """
    # A regular file is hashed a block at a time: a run's report (a hundred megabytes at tens of
    # thousands of claims) is then never held whole. Anything else (a pipe) is read once.
    digest = regular_digest(path)
    if digest is not None and (report := read_twin(path, digest, model)) is not None:
        return report
    raw = read_input_bytes(path, InputError, MAX_REPORT_BYTES, "a report this large is read from the JSON twin a run "
                           "leaves beside it (.verdicts.yaml.json), not parsed as YAML")
    if digest is None and (report := read_twin(path, hashlib.sha256(raw).hexdigest(), model)) is not None:
        return report
    return load_model(path, model, InputError, text=decode_input(raw, path, InputError))
