"""Sources: the public references linked to each claim.

Offline, :func:`link_sources` fills the catalog's URL templates (``catalog.py``). Online,
:func:`resolve_sources` checks them against public APIs (``apis.py``, each registered by name in
``registry.py``) through the shared polite, cached HTTP client (:mod:`factflow.http`).
"""

from factflow.sources.catalog import applies, fill, link_sources, link_sources_with_reasons, publication_date, template_fields
from factflow.sources.resolve import ResolvedBatch, resolve_sources, resolve_with

__all__ = ["ResolvedBatch", "applies", "fill", "link_sources", "link_sources_with_reasons", "publication_date", "resolve_sources", "resolve_with", "template_fields"]
