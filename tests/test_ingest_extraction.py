"""The pure extraction stages, and the whole pipeline scored against gold annotations."""

import datetime
import tomllib
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as settings_hypothesis
from hypothesis import strategies as st

from articles.ingestion import dates
from articles.ingestion.clean import clean_text
from articles.ingestion.knowledge import knowledge_from_curated
from articles.ingestion.metadata import detect_date, detect_outlet
from articles.ingestion.pipeline import extract
from articles.ingestion.quotes import find_quotations, is_scare_quote
from articles.ingestion.scoring import Score, gold_quotes, score_document

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DATA = Path(__file__).parent / "ingest_data"


@pytest.fixture(scope="module")
def knowledge():
    return knowledge_from_curated(tomllib.loads((FIXTURES / "curated.toml").read_text()))


def run_scores(knowledge, gold_path: Path, documents: Path) -> Score:
    score = Score()
    for article in tomllib.loads(gold_path.read_text())["article"]:
        ex = extract((documents / article["file"]).read_text(), knowledge, file=article["file"])
        score_document(ex, gold_quotes(ex.body, article.get("quote", [])), score)
    return score


def test_seed_scores_meet_the_targets(knowledge):
    score = run_scores(knowledge, FIXTURES / "annotations.toml", FIXTURES)
    assert score.groups["quoted"].f1 >= 0.95
    assert score.groups["indirect"].f1 >= 0.75
    assert score.speaker_accuracy >= 0.95
    assert score.date_accuracy >= 0.95


def test_own_wire_documents_score_well(knowledge):
    """Documents in other house styles (Reuters, AP, British quotation marks)."""
    score = run_scores(knowledge, DATA / "annotations.toml", DATA)
    assert score.groups["quoted"].f1 >= 0.9
    assert score.groups["indirect"].f1 >= 0.75
    assert score.speaker_accuracy >= 0.9
    assert score.date_accuracy >= 0.8


def quotes_of(knowledge, name: str) -> list[tuple]:
    ex = extract((DATA / name).read_text(), knowledge, file=name)
    return [(q["text"], q["speaker"], q["kind"], q["date"]) for q in ex.as_json()["quotes"]]


def test_reuters_copy(knowledge):
    ex = extract((DATA / "reuters_geneva.txt").read_text(), knowledge)
    record = ex.as_json()
    assert (record["outlet"], record["published"], record["date_basis"]) == (
        "Reuters",
        "2022-01-26",
        "year-inferred",
    )
    assert record["speakers_new"] == [
        {"name": "Sergei Ryabkov", "role": "Deputy Foreign Minister"},
        {"name": "Dmitry Peskov", "role": "Kremlin's spokesman"},
    ]
    quotes = quotes_of(knowledge, "reuters_geneva.txt")
    # A quotation left open at the end of a paragraph, continued by the next one.
    assert (
        "We have addressed the concerns we share. We have also been clear about the principles "
        "we will defend.",
        "Antony Blinken",
        "direct",
        "2022-01-25",
    ) in quotes
    assert ("The choice is now Russia's", "Antony Blinken", "direct", "2022-01-25") in quotes
    assert all("Reporting by" not in q[0] for q in quotes)


def test_unnamed_source_has_no_speaker_and_titles_are_not_quotes(knowledge):
    quotes = quotes_of(knowledge, "ap_brussels.txt")
    assert (
        "the next round of talks could take place in February",
        None,
        "indirect",
        None,
    ) in quotes
    assert not [q for q in quotes if q[0] == "Open Door"]
    assert ("No one else.", "Jens Stoltenberg", "direct", "2022-01-21") in quotes


def test_single_quotation_marks_and_zero_that(knowledge):
    quotes = quotes_of(knowledge, "british_london.txt")
    assert ("massive consequences", "Liz Truss", "partial", "2022-01-30") in quotes
    assert (
        "the government was working closely with allies in Europe",
        "James Cleverly",
        "indirect",
        None,
    ) in quotes


def test_article_without_statements_is_a_warning_not_an_error(knowledge):
    ex = extract((DATA / "tass_no_statements.txt").read_text(), knowledge)
    assert ex.statements == []
    assert ex.warnings == ["no statements found"]
    assert (ex.meta.outlet, ex.meta.published) == ("tass", datetime.date(2022, 1, 9))


def test_missing_opening_mark_and_apostrophes():
    body = (
        'He said "the union is weak." And it has no role," he said. '
        "It’s Russia’s view, the minister’s too."
    )
    found = [(body[q.start : q.end], q.missing_open) for q in find_quotations(body)]
    assert found == [("the union is weak.", False), ("And it has no role", True)]


def test_scare_quotes_are_terms():
    body = 'Moscow wants "security guarantees". It set out "security guarantees" again.'
    quotations = find_quotations(body)
    assert [is_scare_quote(body, q) for q in quotations] == [True, True]
    body = 'He warned of "other means" and of "endless discussions."'
    assert [is_scare_quote(body, q) for q in find_quotations(body)] == [False, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("told reporters on Monday", datetime.date(2021, 12, 6)),
        ("during Thursday's phone call", datetime.date(2021, 12, 2)),
        ("as saying on Jan. 13", datetime.date(2022, 1, 13)),
        ("said on 10 January", datetime.date(2022, 1, 10)),
        ("said yesterday", datetime.date(2021, 12, 5)),
    ],
)
def test_time_cues_resolve_against_publication(text, expected):
    assert dates.time_cue(text, datetime.date(2021, 12, 6)).date == expected


def test_last_week_is_a_range_and_earlier_is_vague():
    cue = dates.time_cue("said last week", datetime.date(2021, 12, 6))
    assert (cue.earliest, cue.latest) == (datetime.date(2021, 11, 29), datetime.date(2021, 12, 5))
    assert dates.time_cue("Earlier, Putin said", datetime.date(2021, 12, 6)).vague


def test_year_of_a_dateline_follows_the_weekday(knowledge):
    doc = clean_text("Talks\n\nMOSCOW, December 19. /TASS/. Grushko said on Sunday that it is so.")
    meta = detect_date(doc, knowledge)
    assert (meta.published, meta.date_basis) == (datetime.date(2021, 12, 19), "year-inferred")
    assert detect_outlet(doc, knowledge) == "tass"


SEED_TEXTS = [p.read_text() for p in sorted(FIXTURES.glob("0*.txt"))]


@settings_hypothesis(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 4),
    cut=st.integers(0, 2000),
    noise=st.text(alphabet=" \n\"“”‘’',.:;!?-—()[]/aZ", max_size=30),
)
def test_mangled_copy_never_breaks_the_pipeline(knowledge, seed, cut, noise):
    """Whatever the copy, every statement is a non-empty, trimmed span of the body."""
    text = SEED_TEXTS[seed]
    ex = extract(text[:cut] + noise + text[cut:], knowledge)
    for s in ex.statements:
        assert 0 <= s.start < s.end <= len(ex.body)
        assert ex.body[s.start : s.end] == ex.body[s.start : s.end].strip()
    assert len(ex.as_json()["quotes"]) == len(ex.statements)


def test_a_known_name_inside_a_longer_phrase_is_not_the_speaker(knowledge):
    text = (
        'Talks\n\nMOSCOW, Jan 11 (Reuters) - "We are calm," Vladimir Putin\'s spokesman Dmitry '
        'Peskov said. "Nothing changed," Putin aide Ivan Petrov said. "It is fine," said Sergey '
        "Lavrov, the foreign minister."
    )
    quotes = [(q["speaker"], q["text"]) for q in extract(text, knowledge).as_json()["quotes"]]
    assert quotes == [
        ("Dmitry Peskov", "We are calm"),
        ("Ivan Petrov", "Nothing changed"),
        ("Sergey Lavrov", "It is fine"),
    ]


@pytest.mark.parametrize(
    "line", ["Published: 13 January 2022 14:05 GMT", "Updated Jan. 13, 2022, 9:30 am"]
)
def test_a_printed_publication_line_is_the_stated_date(knowledge, line):
    text = f"Lavrov: talks useful\n{line}\nLavrov said on Thursday that the talks were useful.\n"
    ex = extract(text, knowledge)
    assert (ex.meta.published, ex.meta.date_basis) == (datetime.date(2022, 1, 13), "stated")
    assert line not in ex.body
    assert ex.as_json()["quotes"][0]["date"] == "2022-01-13"


def test_span_matching_trims_marks_or_needs_eighty_percent_overlap():
    from articles.ingestion.scoring import spans_match

    body = 'He said "we are ready to talk," and left the room at noon.'
    quoted = (body.index("we"), body.index(',"'))
    assert spans_match(body, quoted, (quoted[0] - 1, quoted[1] + 2))  # marks and comma trimmed
    assert spans_match(body, quoted, (quoted[0], quoted[1] - 2))  # 4 of 5 words
    assert not spans_match(body, quoted, (quoted[0], quoted[1] - 12))


def test_gold_may_name_a_known_speaker_by_slug_name_or_alias(knowledge, tmp_path):
    from articles.ingestion.scoring import Score, gold_quotes, score_document

    text = (DATA / "tass_stated_by.txt").read_text()
    ex = extract(text, knowledge)
    for name in ("sergey-lavrov", "Sergey Lavrov", "Sergei Lavrov", "lavrov"):
        score = Score()
        gold = [
            {"text": "Russia will not agree to endless talks", "speaker": name, "kind": "indirect"}
        ]
        score_document(ex, gold_quotes(ex.body, gold), score)
        assert (score.speaker_right, score.speaker_total) == (1, 1)


def test_guillemets_and_a_quotation_without_a_reporting_verb(knowledge):
    text = (
        "Zakharova slams EU\n\nRussian Foreign Ministry spokeswoman Maria Zakharova has blasted "
        "the EU’s latest sanctions package, calling it «a road to nowhere».\n\n«Brussels keeps "
        "punishing its own citizens,» Zakharova wrote on Telegram."
    )
    ex = extract(text, knowledge)
    quotes = [(q["speaker"], q["kind"], q["text"]) for q in ex.as_json()["quotes"]]
    assert quotes == [
        ("Maria Zakharova", "partial", "a road to nowhere"),
        ("Maria Zakharova", "direct", "Brussels keeps punishing its own citizens"),
    ]
    assert ex.statements[1].medium == "Telegram"
