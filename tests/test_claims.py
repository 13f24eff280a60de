"""Claim extraction: scoring, reasons, types, ids, merging; the seed article's expectations."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from factflow.claims import claim_id, extract_claims, extract_claims_many, key_terms, merge_claims, normalise
from factflow.claims.scoring import make_scorer
from factflow.claims.signals import assess
from factflow.claims.split import Boilerplate
from factflow.config import ClaimsConfig, IngestConfig
from factflow.ingest import load_documents, parse_document
from factflow.models import Document


def doc(text: str, doc_id: str = "d") -> Document:
    return parse_document(doc_id, f"{doc_id}.txt", "Title\n\n" + text, IngestConfig(), "0" * 64)


@pytest.fixture
def seed_claims(seed_dir: Path) -> list[str]:
    docs, _ = load_documents(seed_dir, IngestConfig())
    result = extract_claims(docs[0], ClaimsConfig())
    return [c.text for c in merge_claims([result], ClaimsConfig())]


@pytest.mark.parametrize(
    "needle",
    [
        "sent hundreds of soldiers",
        "25 to 30 percent",
        "seized the key northwestern city of Idlib, including an air force base",
        "the regime controls only Quneitra",
        "collapse of the Syrian army’s Division 52",
        "Qassam Suleimani and Russian President Vladimir Putin in Moscow",
    ],
)
def test_seed_claims_include(seed_claims: list[str], needle: str) -> None:
    assert sum(needle in c for c in seed_claims) == 1


@pytest.mark.parametrize(
    "needle",
    [
        "logged in",
        "WorldTribune",
        "I can’t see the Russian presence as changing the balance of power",
        "Combat will continue in the coming year",
    ],
)
def test_seed_claims_exclude(seed_claims: list[str], needle: str) -> None:
    assert not any(needle in c for c in seed_claims)


def test_seed_repeated_caption_counted_once(seed_dir: Path) -> None:
    docs, _ = load_documents(seed_dir, IngestConfig())
    result = extract_claims(docs[0], ClaimsConfig())
    captions = [s for s in result.sentences if s.text.startswith("Russian Air Force technicians")]
    assert len(captions) == 1 and result.duplicates_dropped == 1
    assert result.boilerplate_dropped == 1


@pytest.mark.parametrize("furniture", [
    "Read More @ Market-Ticker.org", "Related Articles", "Related Report", "Recommended Resources", "Advertisement",
    "Copyright (c) Marler Clark LLP, PS.", "Copyright 2013 Mercedes Kirkel, All Rights Reserved.", "© 2018 Reuters",
    "Comment Policy: Please keep comments relevant to the topic.", "12 Comments", "Subscribe to our podcast at iTunes.",
    "Please subscribe to Canada Free Press for FREE", "Read our privacy policy.", "Click here to see all we share.",
    "The post Hubble captures rare image appeared first on Redorbit.", "Follow us on Twitter",
    # Wire copy's furniture: it reached reviewers as sentences of the article.
    "(Reporting by Jane Doe; Editing by John Smith)", "Additional reporting by Jane Doe in Sydney; Editing by Lincoln Feast.",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Associated Press writer Jane Doe in Canberra contributed to this report.", "(AP Photo/Rick Rycroft)",
    "Photo credit: Getty Images", "(Photo by John Moore/Getty Images)", "Image courtesy of NASA.", "(Photo: NRA News)",
    "Follow Jane Doe on Twitter @janedoe", "Story continues below advertisement",
    # A dateline alone, a press release's end mark and contact line.
    "January 24, 2018", "Tue, 24 Jan 2018 09:15 AM", "24 January 2018", "Jan. 5, 2019 at 3:30 p.m.", "###", "-30-",
    "Contact: John Smith, 555-0100, press@springfield.example", "MEDIA CONTACT: Jane Doe, Media Relations",
    # A page's furniture copied with its article.
    "SIGN UP FOR OUR NEWSLETTER", "Enter your email address", "Get unlimited access for $1 a week.", "Most Popular", "Trending Now",
    "You may also like", "Donate now to support our journalism.", "Skip to main content", "Loading...",
    "This article is more than 5 years old", "Image 1 of 12", "Listen to this article", "Reading time: 4 minutes",
    "Updated: January 24, 2018 10:00 AM", "Posted by Jane Doe", "Tags: politics, trade", "Filed under: Politics | 10 Comments",
    "Like this:", "We value your privacy", "Have a news tip? Email us.",
])
def test_site_furniture_is_boilerplate(furniture: str) -> None:
    assert Boilerplate()(furniture)


@pytest.mark.parametrize("sentence", [
    "Facebook changed its privacy policy in 2018 after the data of 87 million users was harvested.",
    "Related charges were filed against 12 people in March.",
    "Recommended doses of the vaccine rose by 40 percent last year.",
    "Comments by the minister on Tuesday sent the lira down 3 percent.",
    "(c) The agency spent $4 million on consultants in 2019.",
    "Copyright lawsuits rose 40 percent in 2019, the court said.",
    "Sponsored by Senator Smith, the bill passed 52-48.",
    "More than 2 million people subscribe to the channel, its owner said.",
    "Advertisement spending fell 5 percent in 2020.",
    "Follow the money, investigators said on Monday after 40 banks were fined.",
    "Reporting by the Guardian showed that 300 people died in the floods.",
    "Photo radar cameras issued 40,000 tickets in 2019, the city said.",
    "Associated Press reporters counted 1,200 dead in the region, and the ministry confirmed the toll.",
    "Image analysis showed 30 tanks at the base, the ministry said.",
    "January 24, 2018 was the coldest day on record, the weather service said.",
    "Contact tracing found 40 cases in March.",
    "Published on March 3, 2019, the report found that 40 percent of voters agreed.",
    "Support for the bill fell to 40 percent in 2019.",
    "Most popular among voters was the 2019 tax cut, polls showed.",
    "Loading of the ship took 40 hours, the port said.",
    "Written by hand, the 2019 letter listed 40 names.",
    "Updated census figures show 40 percent growth since 2010.",
])
def test_a_sentence_that_names_a_furniture_word_is_no_boilerplate(sentence: str) -> None:
    # The patterns dropped these before scoring: a topic word is not furniture; its shape is.
    assert not Boilerplate()(sentence)
    kept = sentence.removeprefix("(c) ")  # at a paragraph's start, '(c)' is a list item's letter, no part of the sentence
    assert [s.text for s in extract_claims(doc(sentence), ClaimsConfig()).sentences] == [kept]


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("Will the government raise taxes next year?", "question"),
        ("I think the minister is doing a wonderful job.", "opinion"),
        ("Unemployment will fall below 4 percent in the coming year.", "prediction"),
        ("We believe this policy is wrong.", "opinion"),
    ],
)
def test_questions_opinions_and_predictions_are_not_checkable(sentence: str, kind: str) -> None:
    result = assess(sentence)
    assert result.type == kind and not result.checkable and result.score < 0.5


@pytest.mark.parametrize("sentence", [
    "Select Bibles are now 50% OFF plus Free Shipping and a Free Gift.",  # a news article's advert, labelled No
    "Subscribers get 20% off all books this week.", "Save 40% on a one-year subscription.",
    "Use promo code SAVE20 for $20 off your first order.", "Get 10% off your next order with code TWEET10.",
    "Order now and get free shipping on all orders over $50.", "Price: $40.00 per class", "Admission: $15 for adults, free for children.",
    "Try it with a 30-day money-back guarantee.",
])
def test_sales_copy_is_never_a_claim(sentence: str) -> None:
    # The detector scored "Subscribers get 20% off all books this week." 0.994: a promotion reached reviewers as a statistic.
    scorer = make_scorer()
    (result,) = scorer.assess_many([sentence])
    assert result.type == "promotion" and not result.checkable and not scorer.is_claim(result)
    assert "sales copy" in {r.signal for r in assess(sentence).reasons}


@pytest.mark.parametrize("sentence", [
    "The store offered 70% off during the sale, the company said.",  # reported: a sale can be checked
    "Shares closed 5% off their record high on Friday.", "Oil is 30% off its June peak.",  # a market's move
    "Buy now, pay later loans rose 20% in 2023.", "Switching to LED bulbs can save up to 75% of lighting energy.",
    "Sales of the book today topped 2 million copies.", "The governor wants to divert 1 out of every $6 off into the stock market.",
])
def test_figures_that_read_like_sales_copy_are_not_promotions(sentence: str) -> None:
    assert assess(sentence).type != "promotion"


@pytest.mark.parametrize(
    ("sentence", "kind", "signal"),
    [
        ("Unemployment fell to 4.1 percent in 2019, according to the Labor Department.", "statistic", "percentage"),
        ("The city spent $3.2 million on the new bridge.", "statistic", "money"),
        ("Thousands of protesters gathered in Berlin on Saturday.", "quantity", "quantity"),
        ("Rebels seized the northern city of Idlib last week.", "event", "event"),
        ("The outbreak led to the closure of 40 schools in Ohio.", "statistic", "number"),
        ("Prices rose because the central bank raised interest rates, Reuters reported.", "causal", "causal"),
    ],
)
def test_checkable_sentences_get_type_score_and_reasons(sentence: str, kind: str, signal: str) -> None:
    result = assess(sentence)
    assert result.checkable and result.type == kind
    assert result.score >= 0.5
    assert signal in {r.signal for r in result.reasons}
    assert all(r.effect == "raises" for r in result.reasons if r.signal == signal)


def test_reasons_name_what_lowered_the_score() -> None:
    result = assess("Click here.")
    lowered = {r.signal for r in result.reasons if r.effect == "lowers"}
    assert {"imperative", "fragment"} <= lowered and result.score < 0.1


def test_score_is_a_probability_and_deterministic() -> None:
    for s in ["", "x", "The 5 biggest banks lost $4 billion in 2008, regulators said."]:
        first, second = assess(s), assess(s)
        assert 0.0 <= first.score <= 1.0 and first == second


def test_claim_id_is_stable_under_quotes_case_and_spacing() -> None:
    a = claim_id("“Assad controls 30 percent of Syria,” he said.")
    b = claim_id('"assad controls  30 percent of syria," he said')
    assert a == b and a.startswith("c-") and len(a) == 14
    assert claim_id("Assad controls 31 percent of Syria.") != a
    assert normalise("  Hello\n world. ") == "hello world"


def test_same_sentence_in_two_documents_is_one_claim_with_two_appearances() -> None:
    text = "Officials said 40 people died in the Ohio floods on Monday."
    first = extract_claims(doc("Intro line here for context. " + text, "b-doc"), ClaimsConfig())
    second = extract_claims(doc(text, "a-doc"), ClaimsConfig())
    claims = [c for c in merge_claims([first, second], ClaimsConfig()) if "40 people" in c.text]
    assert len(claims) == 1
    (claim,) = claims
    assert claim.document == "a-doc"
    assert [(a.document, a.sentence_index) for a in claim.appearances] == [("a-doc", 0), ("b-doc", 1)]


def test_claim_context_is_the_neighbouring_sentences() -> None:
    result = extract_claims(doc("It was a quiet day. Rebels seized Idlib in March 2015. Nobody expected it."), ClaimsConfig())
    (claim,) = [c for c in merge_claims([result], ClaimsConfig()) if "Idlib" in c.text]
    assert claim.context_before == ["It was a quiet day."]
    assert claim.context_after == ["Nobody expected it."]


def test_threshold_decides_what_is_a_claim() -> None:
    text = doc("Rebels seized Idlib in March 2015.")
    low, high = ClaimsConfig(threshold=0.0), ClaimsConfig(threshold=1.0)
    assert merge_claims([extract_claims(text, low)], low)
    assert not merge_claims([extract_claims(text, high)], high)


def test_a_repeated_fragment_of_a_sentence_is_not_a_second_claim() -> None:
    # Scraped pages repeat a sentence's tail as a paragraph of its own (a pull quote, a teaser cut at a
    # comma, a timeline entry without its date); the fragment was a second claim beside its sentence.
    text = doc(
        "Bitcoin exchanges are under fire in India, as many of the nation's top banks have suspended accounts.\n\n"
        "as many of the nation's top banks have suspended accounts.\n\n"
        "In April of 2014, Deutsche Bank was forced to raise an additional 1.5 billion of capital.\n\n"
        ", Deutsche Bank was forced to raise an additional 1.5 billion of capital.\n\n"
        "Officials deny that Russia sent 400 troops to Syria. Russia sent 400 troops to Syria.\n\n"  # opens as a sentence: kept
        "the top banks have suspended.\n\n"  # too few words to tell
        "as many as 40 people died in the floods."  # opens mid-sentence, repeats nothing
    )
    result = extract_claims(text, ClaimsConfig())
    assert [s.text for s in result.sentences] == [
        "Bitcoin exchanges are under fire in India, as many of the nation's top banks have suspended accounts.",
        "In April of 2014, Deutsche Bank was forced to raise an additional 1.5 billion of capital.",
        "Officials deny that Russia sent 400 troops to Syria.", "Russia sent 400 troops to Syria.",
        "the top banks have suspended.", "as many as 40 people died in the floods.",
    ]
    assert result.duplicates_dropped == 2


def test_repeated_fragments_stay_linear_on_thousands_of_alike_lines() -> None:
    # 5,000 different lines, nearly each a fragment of another: "very very same words again 12." holds
    # "very same words again 12.", and every line shares most of its word triples with hundreds of others.
    lines = [f"{'very ' * (i % 53)}same words again {i % 97}." for i in range(5000)]
    result = extract_claims(doc("\n\n".join(lines)), ClaimsConfig(detector="ngram", max_sentences_per_document=10_000))
    assert result.duplicates_dropped > 4000 and len(result.sentences) + result.duplicates_dropped == 5000


def test_sentence_limit_is_reported() -> None:
    result = extract_claims(doc("One fact here. Two facts here. Three facts here."), ClaimsConfig(max_sentences_per_document=2))
    assert len(result.sentences) == 2
    assert "more than 2 sentences" in result.problems[0].message


def test_documents_scored_as_one_batch_come_out_as_one_at_a_time(seed_dir: Path) -> None:
    # The extract stage scores a batch of documents together (short ones then use both model threads);
    # each document's sentences, scores, drops and problems are what it gets alone, in the batch's order.
    seed, _ = load_documents(seed_dir, IngestConfig())
    cfg = ClaimsConfig(max_sentences_per_document=10, max_sentence_chars=400)
    docs = [
        doc("Unemployment fell to 4.1 percent in March, the Labor Department said.", "one"),
        doc("Click here to subscribe. " + "x" * 500 + ". Rebels seized Idlib in March 2015. Rebels seized Idlib in March 2015.", "drops"),
        doc("", "empty"),
        seed[0],
        doc("Will the senator run again? I think we should all be kinder.", "gated"),
        doc("Unemployment fell to 4.1 percent in March, the Labor Department said. Rebels seized Idlib in March 2015.", "repeats"),
    ]
    together = extract_claims_many(docs, cfg)
    assert [r.document for r in together] == ["one", "drops", "empty", seed[0].id, "gated", "repeats"]
    assert [r.model_dump() for r in together] == [extract_claims(d, cfg).model_dump() for d in docs]
    assert together[1].duplicates_dropped == 1 and together[1].problems  # the over-long sentence
    assert len(together[3].sentences) == 10 and together[3].problems  # the sentence limit
    assert extract_claims_many([], cfg) == []


def test_claim_text_is_a_substring_of_the_document(seed_dir: Path) -> None:
    docs, _ = load_documents(seed_dir, IngestConfig())
    for s in extract_claims(docs[0], ClaimsConfig()).sentences:
        assert docs[0].text[s.start:s.end] == s.text


def test_a_claim_carries_its_id_and_key_terms_from_extraction_and_merges_as_if_made_at_merge_time(seed_dir: Path) -> None:
    """Extraction (in a worker, then cached) makes each claim's id and all its key terms; merging takes
    them instead of making them again, and a claim's terms are the first sources.max_terms of them."""
    seed, _ = load_documents(seed_dir, IngestConfig())
    docs = [*seed, doc("Officials said 40 people died in the Ohio floods on Monday. Rebels seized Idlib in March 2015.", "a"),
            doc("Officials said 40 people died in the Ohio floods on Monday, police said. Rebels seized Idlib in March 2015.", "b")]
    extracted = extract_claims_many(docs, ClaimsConfig())
    claims = [s for r in extracted for s in r.claims()]
    assert claims and all(s.claim_id == claim_id(s.text) and s.key_terms == key_terms(s.text) for s in claims)
    assert all(s.claim_id is None and s.key_terms is None for r in extracted for s in r.sentences if not s.is_claim)
    assert any(len(s.key_terms or []) > 6 for s in claims)  # all the terms, not a search's share
    bare = [r.model_copy(update={"sentences": [dataclasses.replace(s, claim_id=None, key_terms=None) for s in r.sentences]})
            for r in extracted]
    for limit in (1, 3, 6, 50):
        assert merge_claims(extracted, ClaimsConfig(), limit) == merge_claims(bare, ClaimsConfig(), limit)
        assert all(c.key_terms == key_terms(c.text, limit) for c in merge_claims(extracted, ClaimsConfig(), limit))


def test_key_terms_prefer_names_and_numbers() -> None:
    terms = key_terms("According to Israeli intelligence, Assad controls just 25 to 30 percent of Syria.", 6)
    assert terms[:3] == ["Israeli", "Assad", "Syria"]
    assert "25" in terms


@pytest.mark.parametrize(
    ("sentence", "signal"),
    [
        ("Source: http://www.example.com/2018/01/23/fed-suffers-biggest-drop/", "link"),
        ("Republished with permission from Bill Marler and Marler Clark.", "credit line"),
        ("The Bino Harness X offers the perfect solution for hunters carrying large optics.", "promotional"),
        ("You can, of course, look for a tall refrigerator to save space in your home.", "advice"),
        ("Global ENT Endoscopic Devices Market Forecast 2017-2021", "heading"),
        ("Here is what the bookshop has to say about the gift box:", "heading"),
    ],
)
def test_news_furniture_signals_lower_the_score(sentence: str, signal: str) -> None:
    result = assess(sentence)
    assert {r.signal: r.effect for r in result.reasons}.get(signal) == "lowers"


def test_a_reported_prediction_is_a_checkable_quote() -> None:
    reported = assess("The agency said on Monday that prices will rise by 4 percent next year.")
    assert reported.checkable and reported.type == "statistic"
    assert assess("Prices will rise by 4 percent next year.").type == "prediction"


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("The MiG 29 was first flown in 1977.", "event"),  # a model name and a year: no figure to check
        ("He flew a MiG 29 over the base.", "other"),
        ("Division 52 withdrew from the area.", "other"),
        ("Russia deployed S-400 missiles to Syria.", "event"),
        ("It felt like it was 1984 all over again.", "event"),
        ("The Boeing 737 crashed near Jakarta, killing 189 people.", "statistic"),  # 189 people is a figure
        ("In March 2015 about 300 soldiers arrived.", "event"),
        ("In May 2013, a court granted asylum to a 27-year-old Kenyan.", "event"),  # "2013," is a year, 27 an age
        ("Lawmakers have until Jan. 19 to prevent a shutdown.", "event"),  # a day of the month
        ("On the 5th of March the unit moved north.", "event"),
        ("Researchers looked at data from the 1996-97 school year.", "event"),  # a span of years
        ("On November 2, the military installed the 44th interceptor.", "event"),  # a rank
        ("Raids took place on Jan. 17 and 18 against the exchange.", "event"),  # days listed together
        ("Talks were held on 21 and 22 October in Geneva.", "event"),
        ("The storm hit the coast on June 6/7.", "event"),
        ("The starting point of the resistance was 9/11 and the War on Terror.", "event"),  # a date written with slashes
        ("Security rules were tightened in the years since 3/11.", "event"),
        ("The meeting on 12/05/2026 was cancelled by the mayor.", "event"),
        ("The clinic is open 24/7.", "other"),
        ("Mt. Vesuvius erupted in 79 A.D. and buried Pompeii.", "event"),  # a year of an era
        ("Rome was sacked in AD 410 by the Visigoths.", "event"),
        ("The city was founded in 300 BC.", "event"),
        ("Crime peaked in the '80s in New York.", "event"),  # a decade
        # Numbers that label, tell the time, sit in a link or give an age: each made a sentence a statistic.
        ("Around 7:30 p.m. Washington time, the convoy left the base.", "other"),
        ("The convoy left at 7 a.m. for the border.", "other"),
        ("Workers can put money in a 401(k) plan.", "other"),
        ("The term is defined in 6 U.S.C. 101 and in 15 USC.", "other"),
        ("For details see page 22 of the report and note 8.", "other"),
        ("Source: http://example.org/2015/07/15/story/?p=125330", "other"),
        ("Donald Sterling, 80, sued the league.", "event"),  # the event, not his age
        ("Children under the age of 13 were barred from the site.", "other"),
        ("He was diagnosed with stage 4 cancer.", "other"),
        ("Voters backed Proposition 64 to legalise cannabis.", "other"),
        ("Flight 370 vanished over the Indian Ocean.", "other"),
        ("Back in \u201987 the plant closed.", "event"),  # a year with an apostrophe
    ],
)
def test_a_number_inside_a_name_or_a_bare_year_is_not_a_statistic(sentence: str, kind: str) -> None:
    result = assess(sentence)
    assert result.type == kind
    number = {r.signal: r.evidence for r in result.reasons}.get("number")
    assert number not in {"29", "52", "400", "737", "1984", "1977", "2015", "2013", "2013,", "27", "19", "5", "97", "2", "44",
                          "17", "18", "21", "22", "6", "7", "9", "11", "12", "05", "24", "79", "410", "80", "30", "401", "101",
                          "15", "8", "125330", "13", "4", "64", "370", "87"}


@pytest.mark.parametrize(
    ("sentence", "number"),
    [
        ("Some 300 troops arrived at 7 a.m., officials said.", "300"),  # a sentence's first word is no name: "Some 300" counts
        ("About 40 people died in the floods.", "40"),
        ("Nearly 200 people were evacuated from the coast.", "200"),
        ("Donald Sterling, 80, paid 2.5 million dollars.", "2.5"),
        ("Flight 370 vanished with 239 people on board.", "239"),
    ],
)
def test_the_figure_a_sentence_states_is_its_number(sentence: str, number: str) -> None:
    assert {r.signal: r.evidence for r in assess(sentence).reasons}.get("number") == number


@pytest.mark.parametrize(
    ("sentence", "number"),
    [
        ("In July 2017, the National Health Service reported 5,391 cases of measles.", "5,391"),
        ("The National Safety Council said 2015 was the deadliest year since 2008, with 38,300 deaths.", "38,300"),
        ("By the end of 2012 Iraqi oil production had risen to nearly 3.5 million barrels per day.", "3.5"),
        ("Since 2016 only 3/4 of the clinics reopened.", "3"),  # a fraction, not a day of March
        ("He scored 7/10 on the test, the board said.", "7"),  # no word before it that introduces a date
    ],
)
def test_a_figure_with_a_date_or_a_source_is_a_statistic(sentence: str, number: str) -> None:
    """A date says when, a source who: the figure is still what a reviewer checks (statistics portals first)."""
    result = assess(sentence)
    assert result.type == "statistic"
    assert {r.signal: r.evidence for r in result.reasons}.get("number") == number


@pytest.mark.parametrize(
    ("sentence", "signal"),
    [
        ("The president was welcomed with full honours at the Great Hall of the People.", "normative"),
        ("Scientists said the Great Permian Mass Extinction was caused by volcanic eruptions.", "normative"),
        ("Known as the “Great Dying,” it wiped out most species 252 million years ago.", "normative"),
        ("Virginia has “at will” employment laws, meaning employers can fire anyone.", "prediction"),
        ("Will Smith won the award in 2022.", "prediction"),
    ],
)
def test_a_cue_word_inside_a_name_or_a_quoted_term_is_mentioned_not_used(sentence: str, signal: str) -> None:
    result = assess(sentence)
    assert result.checkable, result
    assert signal not in {r.signal for r in result.reasons}


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("This is a great country and it will be greater.", "prediction"),
        ("Great Britain will leave the customs union next year.", "prediction"),
        ("The schools are great and the teachers are wonderful.", "opinion"),
    ],
)
def test_the_same_cue_words_used_in_prose_still_count(sentence: str, kind: str) -> None:
    assert assess(sentence).type == kind


@pytest.mark.parametrize(
    "sentence",
    [
        "The plant, which will close next year, laid off 300 workers last month.",
        "Officials met on Tuesday to discuss how the new rules will work.",
        "The company closed 40 stores that will be turned into apartments.",
    ],
)
def test_a_reported_event_with_will_in_a_subordinate_clause_is_not_a_prediction(sentence: str) -> None:
    result = assess(sentence)
    assert result.checkable and result.type != "prediction"
    assert "prediction" not in {r.signal for r in result.reasons}


@pytest.mark.parametrize(
    "sentence",
    [
        "Prices will rise by 4 percent next year.",
        "If the bill passes, taxes will rise for 40 million families.",
        "The minister is expected to resign.",
    ],
)
def test_a_main_clause_will_is_still_a_prediction(sentence: str) -> None:
    assert assess(sentence).type == "prediction"


def test_characters_no_reader_sees_make_no_second_claim(tmp_path: Path) -> None:
    """Soft hyphens and zero-width spaces from a CMS made one sentence two claims and stayed in the claim's text;
    a line separator glued the title to the first sentence."""
    sentence = "The White House has informally extended an invitation to 300 delegates, officials said."
    (tmp_path / "a.txt").write_text(f"Invitation\n\n{sentence}\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Invitation again\u2028\u2028" + sentence.replace("informally", "in\u00adfor\u00admal\u200bly")
                                    .replace("officials", "\ufeffofficials\u2060") + "\n", encoding="utf-8")
    docs, problems = load_documents(tmp_path, IngestConfig())
    assert problems == [] and [d.title for d in docs] == ["Invitation", "Invitation again"]
    cfg = ClaimsConfig(threshold=0.0)
    claims = merge_claims(extract_claims_many(docs, cfg), cfg)
    [claim] = [c for c in claims if "White House" in c.text]
    assert claim.text == sentence and {a.document for a in claim.appearances} == {"a", "b"}


@pytest.mark.parametrize(("sentence", "kind"), [
    ('"Is there a Catch-22 about striking oil trucks?" a reporter asked.', "question"),
    ("\u201cWhy now?\u201d asked the senator.", "question"),
    ('"Will prices rise?" she wondered aloud.', "question"),
    ('"Who did this?" asked the senator, who said 40 people died on Monday.', "event"),  # the attribution goes on to a claim
    ("The minister asked parliament to approve 40 million dollars.", "statistic"),
])
def test_a_question_with_its_asker_after_it_is_a_question(sentence: str, kind: str) -> None:
    """A reporter's question reached reviewers as a claim when its attribution followed the question mark."""
    assert assess(sentence).type == kind
