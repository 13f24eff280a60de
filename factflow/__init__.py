"""factflow: an automated fact-check task pipeline (domain package; imports no Prefect)."""

__version__ = "0.1.0"
