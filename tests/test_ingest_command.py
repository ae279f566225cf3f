"""`manage.py ingest`: dry-run JSON, the database writer, dedupe and bad input."""

import json
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from articles.models import Article, Event, Outlet, Quote, ReviewStatus, Speaker

DATA = Path(__file__).parent / "ingest_data"
KEYS = {"file", "headline", "outlet", "published", "date_basis", "quotes", "speakers_new"}
QUOTE_KEYS = {"text", "speaker", "kind", "start", "end", "date", "event"}


def ingest(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ingest", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_json_is_json_only_and_writes_nothing(archive):
    before = (Article.objects.count(), Quote.objects.count(), Speaker.objects.count())
    out, err = ingest("--dry-run", "--json", DATA / "reuters_geneva.txt", DATA / "ap_brussels.txt")
    records = json.loads(out)
    assert [Path(r["file"]).name for r in records] == ["reuters_geneva.txt", "ap_brussels.txt"]
    assert all(set(r) == KEYS for r in records)
    assert all(set(q) == QUOTE_KEYS for r in records for q in r["quotes"])
    first = records[0]["quotes"][1]
    assert first == {
        "text": "There is nothing in it about our central demand",
        "speaker": "Sergei Ryabkov",
        "kind": "direct",
        "start": 135,
        "end": 182,
        "date": None,
        "event": None,
    }
    assert "2 statements" not in out and "reuters_geneva.txt: 9 statements found" in err
    assert (Article.objects.count(), Quote.objects.count(), Speaker.objects.count()) == before


def test_ingest_archives_unreviewed_records_and_matches_known_speakers(archive):
    ingest(DATA / "reuters_geneva.txt")
    article = Article.objects.get(source_file="reuters_geneva.txt")
    assert (article.review_status, article.outlet.name, str(article.published)) == (
        "unreviewed",
        "Reuters",
        "2022-01-26",
    )
    quotes = list(article.quotes.order_by("start"))
    assert len(quotes) == 9
    assert {q.review_status for q in quotes} == {"unreviewed"}
    assert all(article.body[q.start : q.end] == q.text for q in quotes)
    blinken = [q for q in quotes if q.speaker.slug == "antony-blinken"]
    assert len(blinken) == 4 and blinken[0].speaker.review_status == "reviewed"
    ryabkov = Speaker.objects.get(name="Sergei Ryabkov")
    assert (ryabkov.review_status, ryabkov.role, ryabkov.slug) == (
        "unreviewed",
        "Deputy Foreign Minister",
        "sergei-ryabkov",
    )
    government = Speaker.objects.get(slug="russian-government")
    assert government.review_status == "reviewed"  # matched, never rewritten


def test_same_document_twice_changes_nothing(archive):
    ingest(DATA / "british_london.txt")
    rows = list(Quote.objects.order_by("pk").values())
    out, _ = ingest(DATA / "british_london.txt")
    assert "already archived" in out
    assert list(Quote.objects.order_by("pk").values()) == rows
    assert Speaker.objects.filter(name="Liz Truss").count() == 1


def test_article_without_statements_is_archived_with_a_warning(archive):
    out, err = ingest(DATA / "tass_no_statements.txt")
    assert "warning: no statements found" in err
    assert Article.objects.get(source_file="tass_no_statements.txt").quotes.count() == 0


def test_bad_files_are_named_skipped_and_fail_the_run(archive, tmp_path, settings):
    settings.INGEST_MAX_BYTES = 2000
    (tmp_path / "a_empty.txt").write_bytes(b"")
    (tmp_path / "b_binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "c_latin1.txt").write_bytes("Lavrov a déclaré".encode("latin-1"))
    (tmp_path / "d_large.txt").write_bytes(b"word " * 500)
    (tmp_path / "e_good.txt").write_bytes((DATA / "british_london.txt").read_bytes())
    err = StringIO()
    with pytest.raises(CommandError, match="4 of 5 documents failed"):
        call_command("ingest", str(tmp_path), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines == [
        f"{tmp_path / 'a_empty.txt'}: file is empty",
        f"{tmp_path / 'b_binary.txt'}: binary file, not text (it contains NUL bytes)",
        f"{tmp_path / 'c_latin1.txt'}: not UTF-8 text (byte 0xe9 at offset 10); "
        "convert it to UTF-8 first",
        f"{tmp_path / 'd_large.txt'}: file is 2,500 bytes, over the 2,000-byte limit "
        "(INGEST_MAX_BYTES)",
    ]
    assert list(Article.objects.filter(review_status="unreviewed").values_list("source_file")) == [
        ("e_good.txt",)
    ]


def test_one_document_is_one_transaction(archive):
    with (
        mock.patch("articles.ingestion.dedupe.link_duplicates", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        ingest(DATA / "reuters_geneva.txt")
    assert not Article.objects.filter(source_file="reuters_geneva.txt").exists()
    assert not Speaker.objects.filter(name="Sergei Ryabkov").exists()


def test_saved_web_page_goes_through_trafilatura(archive, tmp_path):
    paragraphs = "".join(
        f"<p>{line}</p>"
        for line in (DATA / "reuters_geneva.txt").read_text().split("\n\n")[1:]
        if line.strip()
    )
    page = (
        "<!DOCTYPE html><html><head><title>Russia says U.S. answer ignores its main demand"
        "</title></head><body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<article><h1>Russia says U.S. answer ignores its main demand</h1>{paragraphs}</article>"
        "<footer>Subscribe to our newsletter</footer></body></html>"
    )
    (tmp_path / "page.html").write_text(page, encoding="utf-8")
    out, _ = ingest("--dry-run", "--json", tmp_path / "page.html")
    (record,) = json.loads(out)
    assert record["headline"] == "Russia says U.S. answer ignores its main demand"
    speakers = [q["speaker"] for q in record["quotes"]]
    assert speakers.count("Antony Blinken") == 4 and "Sergei Ryabkov" in speakers


def test_overrides_from_the_command_line(archive):
    out, _ = ingest(
        "--dry-run", "--json", "--outlet", "RT", "--published", "2022-01-27",
        DATA / "reuters_geneva.txt",
    )  # fmt: skip
    (record,) = json.loads(out)
    assert (record["outlet"], record["published"], record["date_basis"]) == (
        "RT",
        "2022-01-27",
        "stated",
    )


def test_same_statement_from_two_outlets_is_linked(archive, tmp_path):
    tass = (
        "Putin wants legal guarantees\n\n"
        "MOSCOW, January 25. /TASS/. Russia needs legal guarantees of its security, Russian "
        "President Vladimir Putin said on Tuesday.\n\n"
        '"We need legally binding guarantees that NATO will not expand further east," Putin said.'
    )
    rt = (
        "Putin demands guarantees from NATO\n\n"
        "MOSCOW, January 25. /RT/. Russian President Vladimir Putin said on Tuesday that Moscow "
        "was waiting for answers.\n\n"
        '"We need legally binding guarantees that NATO will not expand any further to the east,"'
        " the president said."
    )
    (tmp_path / "tass.txt").write_text(tass, encoding="utf-8")
    (tmp_path / "rt.txt").write_text(rt, encoding="utf-8")
    out, _ = ingest(tmp_path / "tass.txt", tmp_path / "rt.txt")
    assert "rt.txt: archived with 2 statements, 1 linked" in out
    copy = Quote.objects.get(article__source_file="rt.txt", kind="direct")
    original = Quote.objects.get(article__source_file="tass.txt", kind="direct")
    assert copy.same_as == original
    assert list(original.also_reported.all()) == [copy]
    assert Article.objects.get(source_file="rt.txt").outlet == Outlet.objects.get(slug="rt")


def test_reviewed_article_is_not_replaced_by_an_edited_copy(archive, tmp_path):
    first = tmp_path / "v1.txt"
    first.write_text((DATA / "british_london.txt").read_text(), encoding="utf-8")
    ingest("--url", "https://example.org/truss", first)
    article = Article.objects.get(source_url="https://example.org/truss")
    article.quotes.update(review_status=ReviewStatus.REVIEWED)
    second = tmp_path / "v2.txt"
    second.write_text(first.read_text() + "\nShe added nothing.", encoding="utf-8")
    out, _ = ingest("--url", "https://example.org/truss", second)
    assert "kept the reviewed one unchanged" in out
    assert Article.objects.filter(source_url="https://example.org/truss").get() == article
    assert article.quotes.count() == 6


def test_a_statement_at_an_unknown_meeting_proposes_an_unreviewed_event(archive):
    out, _ = ingest("--dry-run", "--json", DATA / "tass_new_meeting.txt")
    (record,) = json.loads(out)
    name = "Meeting with Chinese Foreign Minister Wang Yi in Tunxi"
    assert [q["event"] for q in record["quotes"]] == [f"new:{name}", f"new:{name}", None]
    assert not Event.objects.filter(name=name).exists()
    ingest(DATA / "tass_new_meeting.txt")
    event = Event.objects.get(name=name)
    assert (event.review_status, event.kind, event.place, str(event.start_date)) == (
        "unreviewed",
        "meeting",
        "Tunxi",
        "2022-03-30",
    )
    assert event.quotes.count() == 2


def test_a_url_names_one_document_only(archive):
    with pytest.raises(CommandError, match="--url names one document, but 2 were given"):
        ingest("--url", "https://example.org/a", DATA / "ap_brussels.txt", DATA / "ap_moscow.txt")
    assert not Article.objects.filter(source_url="https://example.org/a").exists()


def test_machine_made_quotes_say_how_they_were_attributed(archive):
    ingest(DATA / "reuters_geneva.txt")
    notes = dict(
        Quote.objects.filter(article__source_file="reuters_geneva.txt").values_list("text", "note")
    )
    assert notes["The choice is now Russia's"] == (
        "Machine-made: speaker from “he”; date from the same speaker's other words here."
    )
    assert notes["We will study it carefully, but I cannot say we are satisfied."] == (
        "Machine-made: no attribution of its own: continues the quotation before it."
    )


def test_a_person_archived_earlier_is_found_again_by_surname(archive):
    ingest(DATA / "reuters_geneva.txt")  # creates Dmitry Peskov, unreviewed
    ingest(DATA / "ap_moscow.txt")  # "Kremlin spokesman Dmitry Peskov", later just "Peskov"
    peskov = Speaker.objects.get(name="Dmitry Peskov")
    texts = set(Quote.objects.filter(speaker=peskov).values_list("text", flat=True))
    assert {"It's too early to say.", "Russia does not threaten anyone"} <= texts
    assert not Speaker.objects.filter(name="Peskov").exists()


def test_a_corrected_dry_run_is_a_gold_file(archive, tmp_path):
    out, _ = ingest("--dry-run", "--json", DATA / "british_london.txt")
    records = json.loads(out)
    records[0]["quotes"][0]["speaker"] = "Someone Else"  # an editor's correction
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps(records), encoding="utf-8")
    report = StringIO()
    call_command("score_extraction", "--gold", str(gold), "--documents", str(DATA), stdout=report)
    lines = report.getvalue().splitlines()
    assert lines[0].startswith("direct/partial/document  precision 1.000  recall 1.000")
    assert lines[2] == "speaker accuracy         0.833  (5/6 matched statements)"
