"""The sentence splitter and boilerplate filter."""

from __future__ import annotations

import pytest

from factflow.claims.split import Boilerplate, split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_splits_plain_sentences() -> None:
    assert sentences("Prices rose. Wages fell! Why? Nobody knows.") == [
        "Prices rose.", "Wages fell!", "Why?", "Nobody knows.",
    ]


def test_splits_inside_a_multi_sentence_quote_and_keeps_quote_marks() -> None:
    text = "He spoke. “I can’t see it changing. It will prolong the fighting. Combat will continue.” Then he left."
    assert sentences(text) == [
        "He spoke.",
        "“I can’t see it changing.",
        "It will prolong the fighting.",
        "Combat will continue.”",
        "Then he left.",
    ]


def test_does_not_split_before_a_lowercase_attribution() -> None:
    assert sentences("“Is it true?” he asked. “The interest is to save the regime,” the source said.") == [
        "“Is it true?” he asked.",
        "“The interest is to save the regime,” the source said.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Mr. Smith met Dr. Jones at St. Mary's hospital.",
        "The U.S. Army sent troops to the U.K. base.",
        "George W. Bush spoke with J. K. Rowling.",
        "Inflation was 3.5 percent, up from 2.75 percent.",
        "See https://example.org/a.b.html for the data.",
        "He paused... and then went on.",
        "Companies such as Acme Inc. and Foo Corp. were fined.",
    ],
)
def test_abbreviations_initials_decimals_urls_and_ellipses_do_not_split(text: str) -> None:
    assert sentences(text) == [text]


@pytest.mark.parametrize("text", ["The report (p. 12) says 40% of homes flooded.", "See pp. 4-6 and para. 3 of the ruling.",
                                  "The church was built c. 1900 by settlers."])
def test_a_page_paragraph_or_circa_reference_does_not_split(text: str) -> None:
    assert sentences(text) == [text]  # "(p." and "12) says ..." were two sentences


@pytest.mark.parametrize(("text", "expected"), [
    ("It boosts the immune system.The next step is diet.", ["It boosts the immune system.", "The next step is diet."]),
    ("The vote was 52-48.Officials said the bill passed.", ["The vote was 52-48.", "Officials said the bill passed."]),
    ("Unemployment fell to 3.5%.The lowest since 1969.", ["Unemployment fell to 3.5%.", "The lowest since 1969."]),
    ("“We won.”The crowd cheered.", ["“We won.”", "The crowd cheered."]),
])
def test_sentences_glued_where_a_page_lost_the_space_between_them_split(text: str, expected: list[str]) -> None:
    # 18 of the 233 news articles not held out glue sentences so ("... in the West until recently.Consuming
    # kombucha will ..."): a claim and the opinion after it were one sentence, scored together.
    assert sentences(text) == expected


@pytest.mark.parametrize("text", ["Visit Boohoo.Com today.", "The U.S.Army said 40 died.", "Rev.Samuel Smith spoke.",
                                  "See www.Example.Com now.", "Email john.Smith@x.com now.", "File report.Pdf was sent."])
def test_a_dot_inside_a_name_an_address_or_an_abbreviation_is_no_glued_boundary(text: str) -> None:
    assert sentences(text) == [text]


@pytest.mark.parametrize(("text", "expected"), [
    ("The bill authorizes $350 million. $100 million goes to the Baltic States.", ["The bill authorizes $350 million.", "$100 million goes to the Baltic States."]),
    ("Officials said 40 died. • The UN counted 1,200 deaths.", ["Officials said 40 died.", "• The UN counted 1,200 deaths."]),
    ("Officials said 40 died. Łódź officials agreed.", ["Officials said 40 died.", "Łódź officials agreed."]),
    ("It rose 4%. …And then it fell.", ["It rose 4%.", "…And then it fell."]),
])
def test_a_sentence_may_open_with_a_currency_sign_a_bullet_or_any_capital(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected  # each was run into the sentence before it


def test_a_dash_after_a_quotation_credits_it_and_stays_with_it() -> None:
    text = "“An undisciplined mind does greater harm.” – The Buddha"
    assert sentences(text) == [text]


def test_an_abbreviation_ending_a_sentence_keeps_it_joined_to_the_next() -> None:
    # A known limit shared with most rule-based splitters: "Gen." may or may not end the sentence.
    assert len(sentences("The troops were led by a gen. Local officials were not told.")) == 1


@pytest.mark.parametrize(("text", "expected"), [
    ("Troops arrived at 5 p.m. Local officials were not told.", ["Troops arrived at 5 p.m.", "Local officials were not told."]),
    ("He left at 9 A.M. The police arrived later.", ["He left at 9 A.M.", "The police arrived later."]),
    ("They met at 8 p.m. “We agreed,” he said.", ["They met at 8 p.m.", "“We agreed,” he said."]),
])
def test_a_clock_time_may_end_a_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected  # "a.m."/"p.m." was an abbreviation that never ended one


@pytest.mark.parametrize("text", [
    "On Aug. 30 at 3:20 p.m. EDT the AIRS instrument saw the storm.", "At 11 a.m. EDT (1500 UTC) the storm was here.",
    "Around 7:30 p.m. Washington time on Monday he left.", "It opens at 11:00 a.m. Central on Wednesday.",
    "The meeting is at 10 a.m. Tuesday in the Capitol.", "It began at 6 a.m. Jan. 5 in Kabul.", "He arrived at 4 p.m. 12 people were waiting.",
    "Polls close at 8 p.m. Pacific time, officials said.",
])
def test_a_time_zone_a_day_or_a_month_after_a_clock_time_goes_on_with_the_sentence(text: str) -> None:
    assert sentences(text) == [text]  # (a figure after "p.m." is not guessed at)


def test_ellipsis_before_a_capital_ends_the_sentence() -> None:
    assert sentences("It was over... The war had ended.") == ["It was over...", "The war had ended."]


def test_paragraphs_are_boundaries_even_without_punctuation() -> None:
    assert sentences("A headline without a period\n\nThe body starts here.") == [
        "A headline without a period", "The body starts here.",
    ]


def test_hard_wrapped_lines_are_joined() -> None:
    text = "The council voted on\nthe budget today. It passed."
    assert sentences(text) == ["The council voted on\nthe budget today.", "It passed."]


WRAPPED = ("The minister met President Emmanuel Macron in Paris on Tuesday, and the two leaders agreed that France "
           "would send 300 more troops to Mali by March. Officials in Bamako said the United Nations had counted "
           "1,200 civilian deaths in 2019. The Pentagon declined to comment.")


@pytest.mark.parametrize("width", [60, 66, 70, 72, 76, 78])
def test_text_hard_wrapped_at_any_width_splits_into_whole_sentences(width: int) -> None:
    # A wrapped line that starts with a capital or a figure ("1,200 civilian deaths ...") began a new
    # paragraph: the sentence before it was cut in two, and neither half read as a claim.
    import textwrap

    text = "Key figures\n" + "\n".join(textwrap.wrap(WRAPPED, width)) + "\nReporting by Jane Doe\n"
    one = "Officials in Bamako said the United Nations had counted 1,200 civilian deaths in 2019 and 300 in 2020."
    assert [" ".join(s.split()) for s in sentences("\n".join(textwrap.wrap(one, width)))] == [one]  # two lines, one sentence
    assert [" ".join(s.split()) for s in sentences(text)] == [
        "Key figures",
        "The minister met President Emmanuel Macron in Paris on Tuesday, and the two leaders agreed that France "
        "would send 300 more troops to Mali by March.",
        "Officials in Bamako said the United Nations had counted 1,200 civilian deaths in 2019.",
        "The Pentagon declined to comment.",
        "Reporting by Jane Doe",
    ]


@pytest.mark.parametrize("text", [
    "Trump Signs Tax Bill Into Law\nSenate Passes Budget 51-49\nMarkets Rise on Jobs Data\n",  # a list of short headlines
    "Trump Signs $1.5 Trillion Tax Bill Into Law at the White House\nSenate Passes Budget Resolution 51-49 After Long Session\n"
    "U.S. Gives Soros Groups Millions to Destabilize Macedonia\n",  # a list of headlines as wide as wrapped text
    "Officials in Bamako said the United Nations had counted " * 3 + "\nNATO said it would not send troops.\n",  # one paragraph a line
])
def test_lines_of_a_block_that_is_not_wrapped_prose_stay_apart(text: str) -> None:
    assert len(sentences(text)) == len(text.strip().split("\n"))


def test_spans_are_substrings_of_the_text() -> None:
    text = "  First one.   Second one.\n\n  Third “one.” Fourth.  "
    for start, end in split_sentences(text):
        piece = text[start:end]
        assert piece == piece.strip() and piece


def test_offset_start_skips_the_head_of_the_text() -> None:
    text = "Title\nBody one. Body two."
    assert [text[s:e] for s, e in split_sentences(text, start=6)] == ["Body one.", "Body two."]


@pytest.mark.parametrize(
    "sentence",
    [
        "You must be logged in to post a comment Login",
        "Share this article on Facebook",
        "Share:",
        "Click here to subscribe to our newsletter.",
        "Copyright 2016 Example Media. All rights reserved.",
        "Follow us on Twitter",
        "Advertisement",
        "Leave a comment",
        "The post U.S. Gives Millions to Groups Abroad appeared first on Example Watch.",
        "This article originally appeared on Example News.",
    ],
)
def test_boilerplate_is_recognised(sentence: str) -> None:
    assert Boilerplate()(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "The minister said 40 percent of voters shared the view.",
        "Rebels seized the city of Idlib, including an air force base.",
        "Users must register their drones with the agency, officials said.",
        "The posting of 300 troops appeared to be the first step, the ministry said.",
        "This article of the treaty was first published in 1948.",
    ],
)
def test_news_sentences_are_not_boilerplate(sentence: str) -> None:
    assert not Boilerplate()(sentence)


def test_extra_boilerplate_patterns_from_config() -> None:
    assert Boilerplate([r"^this story was produced by"])("This story was produced by Example Wire.")


def test_a_list_items_bullet_or_number_is_no_part_of_its_sentence() -> None:
    """'1. Turnbull was invited ...' was two sentences, '1.' and the rest; a bullet stayed in the claim's text
    ('• Australia is ...'), and '3) Eleven countries ...' was typed a statistic by its '3'."""
    text = ("Key points:\n\n• Australia is one of 11 countries still in the deal.\n- The deal covers 13.5 percent of trade.\n"
            "* Eleven countries remain.\n1. Turnbull was invited in February.\n2) The meeting was postponed twice.\n"
            "(3) Eleven countries signed in March.\n10. The vote passed 52-48.\n(a) The first item.\n4.\n\n* * *\n\n"
            "-5 degrees was the low, a record.\n2019 was a record year.\n")
    assert sentences(text) == [
        "Key points:", "Australia is one of 11 countries still in the deal.", "The deal covers 13.5 percent of trade.",
        "Eleven countries remain.", "Turnbull was invited in February.", "The meeting was postponed twice.",
        "Eleven countries signed in March.", "The vote passed 52-48.", "The first item.",
        "-5 degrees was the low, a record.", "2019 was a record year."]


def test_titles_before_several_names_and_footnote_numbers_do_not_cut_or_glue_sentences() -> None:
    """'Reps. Jim Jordan and Ron DeSantis ...' was cut after 'Reps.'; 'in oysters.[2,3] The infective dose ...'
    glued two sentences (a footnote's number between the full stop and the space)."""
    assert sentences("In a letter from Reps. Jim Jordan and Ron DeSantis, Congress demanded 40 documents.") == [
        "In a letter from Reps. Jim Jordan and Ron DeSantis, Congress demanded 40 documents."]
    assert sentences("Sens. John McCain and Lindsey Graham visited 3 bases.") == ["Sens. John McCain and Lindsey Graham visited 3 bases."]
    assert sentences("Winters enhance survival in oysters.[2,3] The infective dose is 18 particles.[2] We postulate more.") == [
        "Winters enhance survival in oysters.[2,3]", "The infective dose is 18 particles.[2]", "We postulate more."]
    assert sentences("The list [1] is long. The end.") == ["The list [1] is long.", "The end."]
