"""The detectors: every way of scoring a sentence's check-worthiness, registered by name in this one place.

A detector is a loader (called once per process, then cached) that returns a :class:`Model`: its
shipped ``threshold`` and ``scores(sentences, signals)``, probabilities in [0, 1] for a batch of
sentences given what the interpretable signals found in each. The configuration
(``claims.detector``), the ``--detector`` choices of the CLI and the docs read :func:`names`; an
unknown name is an error that lists the known ones. To add a detector, register its loader here:

    @register("mine", "What it is, in one line.")
    def _mine() -> Model:
        from factflow.claims.mine import MyModel   # heavy imports stay inside the loader
        return MyModel.load()

The first registered name is the default.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from factflow.registry import Registry

if TYPE_CHECKING:
    from factflow.claims.signals import Assessment

__all__ = ["DEFAULT", "DetectorSpec", "Model", "describe", "get", "names", "register"]


class Model(Protocol):
    """A loaded detector."""

    threshold: float

    def scores(self, sentences: Sequence[str], signals: Sequence[Assessment]) -> list[float]:
        """Check-worthiness probabilities of a batch of sentences, in input order."""
        ...


@dataclass(frozen=True)
class DetectorSpec:
    """A registered detector: its name, a one-line summary, and its (cached) loader."""

    name: str
    summary: str
    load: Callable[[], Model]


_REGISTRY: Registry[DetectorSpec] = Registry("detector", "claims.detector")
#: The registered detector names (the default first), the detector of a name, one line per detector.
names, get, describe = _REGISTRY.names, _REGISTRY.get, _REGISTRY.describe


def register(name: str, summary: str) -> Callable[[Callable[[], Model]], Callable[[], Model]]:
    """Register a detector's loader under ``name``; the model it returns is loaded once per process."""

    def decorate(loader: Callable[[], Model]) -> Callable[[], Model]:
        cached = functools.lru_cache(maxsize=1)(loader)
        _REGISTRY.add(DetectorSpec(name=name, summary=summary, load=cached))
        return cached

    return decorate


# The registrations. Loaders import their modules lazily, so choosing one detector never loads another's model.


@register("minilm", "a small transformer (all-MiniLM-L6-v2) fine-tuned on debates and hand-labelled news, "
                    "int8 ONNX on the CPU, calibrated; the n-gram model screens out sentences it is sure about (the default)")
def _minilm() -> Model:
    from factflow.claims.scoring import TransformerModel

    return TransformerModel.load()


@register("ngram", "logistic regression on hashed word and character n-grams, trained on debates; the fastest")
def _ngram() -> Model:
    from factflow.claims.scoring import NgramModel

    return NgramModel.load()


@register("blend", "the n-gram model's log-odds plus fitted weights for signals against a claim in news")
def _blend() -> Model:
    from factflow.claims.scoring import BlendModel

    return BlendModel.load()


@register("signals", "the interpretable signals alone")
def _signals() -> Model:
    from factflow.claims.scoring import SignalsModel

    return SignalsModel()


DEFAULT = names()[0]
