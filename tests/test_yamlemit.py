"""The fast YAML emitter writes what YAML readers read back as the same data."""

from __future__ import annotations

import math

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from factflow.yamlemit import emit
from factflow.yamlio import SafeLoader

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False), st.text(), st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["yes", "No", "on", "~", "null", "1e3", "0x1F", "12:30", "2015-10-05", "- x", "a: b", "#c", "  lead", "trail ",
                     "multi\nline", "x\n", "\ttab", "long " * 40, "'quote", '"dq', "…", "\u2028", "=", "<<"]),
)
data = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)),
    max_leaves=25,
)


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isinf(a) and a == b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@settings(max_examples=400, deadline=None)
@given(data)
def test_round_trips_through_pyyaml_and_our_loader(value: object) -> None:
    text = emit(value)
    assert same(yaml.safe_load(text), value), text
    assert same(yaml.load(text, Loader=SafeLoader), value), text  # noqa: S506 - our safe loader


def test_readable_output_for_a_report_like_value() -> None:
    text = emit({"claims": [{"id": "c-1", "text": "word " * 30 + "end.", "tags": [], "consensus": {"status": "pending", "rating": None}}]})
    assert text.startswith("claims:\n- id: c-1\n  text: >-\n    word word")
    assert "  consensus:\n    status: pending\n    rating: null\n" in text
