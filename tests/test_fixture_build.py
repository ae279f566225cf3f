"""The fixture is built reproducibly from the documents and loads idempotently."""

import datetime
import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count

from articles.ingestion.curated import CurationError, build_fixture, dump_fixture
from articles.models import Article, Event, Quote, Speaker

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEEDS = sorted(FIXTURES.glob("0*.txt"))


def fresh_build() -> str:
    return dump_fixture(build_fixture(FIXTURES / "curated.toml", FIXTURES))


def test_committed_fixture_equals_a_fresh_build():
    assert (FIXTURES / "archive.json").read_text(encoding="utf-8") == fresh_build()


def test_two_builds_are_byte_identical():
    assert fresh_build() == fresh_build()


def test_seed_documents_are_copied_byte_for_byte():
    shared = Path(settings.BASE_DIR).parent / "shared" / "seeds"
    assert [p.name for p in SEEDS] == [
        "000_18ddc410654799d0.txt",
        "001_70ff3accb9f1b79d.txt",
        "002_d974929372039791.txt",
        "003_598449ba506f7734.txt",
        "004_ea502ccfb2dde799.txt",
    ]
    if shared.is_dir():  # Beside the clone on every machine here; not part of the repository.
        for seed in SEEDS:
            assert seed.read_bytes() == (shared / seed.name).read_bytes()


def test_loading_twice_changes_nothing(db):
    call_command("loaddata", "archive", verbosity=0)
    first = list(Quote.objects.order_by("pk").values())
    call_command("loaddata", "archive", verbosity=0)
    assert list(Quote.objects.order_by("pk").values()) == first
    assert Article.objects.count() == 5


def test_archive_holds_the_five_articles_with_outlets_and_dates(archive):
    rows = list(
        Article.objects.order_by("source_file").values_list(
            "source_file", "outlet__slug", "published", "date_basis"
        )
    )
    assert rows == [
        ("000_18ddc410654799d0.txt", "tass", datetime.date(2021, 12, 6), "year-inferred"),
        ("001_70ff3accb9f1b79d.txt", "rt", datetime.date(2022, 1, 21), "stated"),
        ("002_d974929372039791.txt", "tass", datetime.date(2021, 12, 19), "year-inferred"),
        ("003_598449ba506f7734.txt", "sputnik", datetime.date(2021, 12, 31), "content-inferred"),
        ("004_ea502ccfb2dde799.txt", None, datetime.date(2022, 1, 13), "content-inferred"),
    ]


def test_raw_text_is_kept_verbatim_and_hashed(archive):
    for seed in SEEDS:
        article = Article.objects.get(source_file=seed.name)
        assert article.raw_text.encode("utf-8") == seed.read_bytes()
        assert article.content_hash == hashlib.sha256(seed.read_bytes()).hexdigest()


def test_boilerplate_and_repeated_headline_are_not_in_the_body(archive):
    rt = Article.objects.get(outlet__slug="rt")
    assert rt.headline == (
        "Security talks with West 'not very inspiring', Russian diplomat tells RT"
    )
    assert rt.headline not in rt.body
    for junk in ("Post a Comment", "<< Home", "Subscribe to Post Comments", "\u00a0"):
        assert junk not in rt.body
    assert "All news" not in Article.objects.get(source_file__startswith="002").body
    assert "Follow us on" not in Article.objects.get(source_file__startswith="004").body
    sputnik = Article.objects.get(outlet__slug="sputnik")
    assert not sputnik.body.startswith("By Sputnik")
    assert "No comments" not in sputnik.body


def test_counts(archive):
    assert Speaker.objects.count() == 11
    assert Event.objects.count() == 9
    kinds = Quote.objects.values("kind").annotate(n=Count("id")).order_by("kind")
    assert {row["kind"]: row["n"] for row in kinds} == {
        "direct": 20,
        "document": 3,
        "indirect": 23,
        "partial": 6,
    }
    assert set(Event.objects.values_list("format", flat=True)) == {
        "unilateral",
        "leaders",
        "bilateral-russia-us",
        "nato-russia-council",
        "osce",
        "ministerial",
    }


@pytest.mark.parametrize(
    ("text", "speaker", "kind"),
    [
        ("This requires moves on both sides", "konstantin-gavrilov", "direct"),
        ("other means", "konstantin-gavrilov", "partial"),
        (
            "And as of today, its ambitions to play an independent military political role, "
            "to become less dependent on the United States find no practical implementation",
            "alexander-grushko",
            "direct",
        ),
        (
            "No one else has anything to say, and of course Russia does not have a veto "
            "(on states joining NATO)",
            "jens-stoltenberg",
            "direct",
        ),
        (
            "The Parties shall settle all international disputes in their mutual relations by "
            "peaceful means and refrain from the use or threat of force in any manner inconsistent "
            "with the purposes of the United Nations",
            "russian-draft-agreements",
            "document",
        ),
    ],
)
def test_quotes_are_attributed_with_exact_offsets(archive, text, speaker, kind):
    quote = Quote.objects.select_related("article", "speaker").get(text=text)
    assert quote.speaker.slug == speaker
    assert quote.kind == kind
    assert quote.article.body[quote.start : quote.end] == text


def test_every_quote_text_is_its_span_of_the_body(archive):
    for quote in Quote.objects.select_related("article"):
        assert quote.article.body[quote.start : quote.end] == quote.text


def test_scare_quotes_are_not_statements(archive):
    assert not Quote.objects.filter(text__in=["security guarantees", "hotlines", "paper"]).exists()


def test_relayed_and_medium_are_recorded(archive):
    relayed = Quote.objects.filter(relayed_by__slug="ria-novosti")
    assert relayed.count() == 7
    assert set(relayed.values_list("speaker__slug", flat=True)) == {"sergey-lavrov"}
    gavrilov_tv = Quote.objects.filter(medium="Rossiya-24 TV channel")
    assert gavrilov_tv.count() == 5


def test_a_quote_missing_from_the_body_is_an_error_naming_it(tmp_path):
    curated = (FIXTURES / "curated.toml").read_text(encoding="utf-8")
    curated = curated.replace(
        'add = "At the same time, we welcomed',
        'add = "This requires moves on all sides. We welcomed',
    )
    (tmp_path / "curated.toml").write_text(curated, encoding="utf-8")
    for seed in SEEDS:
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    with pytest.raises(CurationError, match="This requires moves on all sides. We welcomed"):
        build_fixture(tmp_path / "curated.toml", tmp_path)


def test_check_mode_fails_on_a_stale_fixture(tmp_path):
    from django.core.management.base import CommandError

    stale = tmp_path / "archive.json"
    stale.write_text("[]\n", encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("build_fixtures", "--check", "--output", str(stale))
