"""The fast YAML emitter writes what YAML readers read back as the same data."""

from __future__ import annotations

import math

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from factflow.text import scrub
from factflow.yamlemit import comment, emit
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


# What a YAML 1.1 or 1.2 reader could take for something other than a string: numbers in every
# base, sexagesimal, dates that exist or not, specials. Generated, not listed: the class, not examples.
look_alikes = st.one_of(
    st.from_regex(r"[-+]?(?:0b[01_]*|0x[0-9a-fA-F_]*|0o?[0-7_]*|[0-9_]+(?::[0-9_]+)*(?:\.[0-9_]*)?|\.[0-9_]*(?:[eE][-+]?[0-9]+)?)", fullmatch=True),
    st.from_regex(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ][0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?)?)?", fullmatch=True),
    st.sampled_from(["0b1", "0b_", "0x_", "0o17", "1_000", "190:20:30", "2015-02-30", "+.inf", "-.Inf", ".NaN", "Y", "n", "On", "OFF", "~", "", "=", "<<"]),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cs", "Zl", "Zp", "Cf", "Co", "Cn"]), max_size=8),
)


@settings(max_examples=250, deadline=None)
@given(st.dictionaries(look_alikes, look_alikes, max_size=4), look_alikes)
def test_implicit_type_look_alikes_are_quoted_and_read_back_as_text(mapping: dict[str, str], item: str) -> None:
    value = scrub({"id": item, "title": item, "more": mapping, "list": [item]})  # lone surrogates are written as U+FFFD
    text = emit(value)
    assert yaml.safe_load(text) == value, text
    assert yaml.load(text, Loader=SafeLoader) == value, text  # noqa: S506 - our safe loader
    assert yaml.load(text, Loader=yaml.CSafeLoader) == value, text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80) | st.text(max_size=80))
def test_a_comment_of_any_text_keeps_the_file_readable(text: str) -> None:
    document = f"# Claim: {comment(text)}\nclaim: c-1\n"
    assert yaml.load(document, Loader=SafeLoader) == {"claim": "c-1"}  # noqa: S506 - our safe loader
    assert "\n" not in comment(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=90) | st.sampled_from(["yes", "null", "1:20", "2024-01-01", "c-0a1b", "reviewer-1", "0o17", ".5e3"]), max_size=20))
def test_remembered_plain_answers_are_the_fresh_answers(texts: list[str]) -> None:
    from factflow import yamlemit

    for text in texts * 2:  # the second time from the memo
        assert yamlemit._plain_ok(text) == yamlemit._plain_check(text)
    assert len(yamlemit._PLAIN_SEEN) <= yamlemit._PLAIN_SEEN_MAX


def test_the_plain_memo_is_bounded() -> None:
    from factflow import yamlemit

    yamlemit._PLAIN_SEEN.clear()
    for i in range(yamlemit._PLAIN_SEEN_MAX + 10):
        yamlemit._plain_ok(f"word{i}")
    assert 0 < len(yamlemit._PLAIN_SEEN) <= yamlemit._PLAIN_SEEN_MAX
    assert emit({"a": "yes", "b": "plain text"}) == 'a: "yes"\nb: plain text\n'
