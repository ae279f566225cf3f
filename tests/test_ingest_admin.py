"""The admin upload page and the review queue, driven as an editor would."""

from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from articles.models import Article, Quote, Speaker

DATA = Path(__file__).parent / "ingest_data"


@pytest.fixture
def editor(client, django_user_model, archive):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_upload_page_needs_a_staff_login(client, db):
    response = client.get(reverse("admin:articles_article_upload"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("admin:login"))


def test_upload_archives_good_files_and_reports_bad_ones(editor):
    response = editor.post(
        reverse("admin:articles_article_upload"),
        {
            "documents": [
                upload("british_london.txt", (DATA / "british_london.txt").read_bytes()),
                upload("empty.txt", b""),
            ]
        },
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Not ingested: file is empty" in html
    assert "Archived with 6 statements." in html
    assert "<caption>6 statements found</caption>" in html
    assert "Liz Truss (Britain’s foreign secretary)" in html
    article = Article.objects.get(source_file="british_london.txt")
    assert article.review_status == "unreviewed"
    assert reverse("admin:articles_article_change", args=[article.pk]) in html
    assert not Article.objects.filter(source_file="empty.txt").exists()


def test_preview_writes_nothing(editor):
    before = Quote.objects.count()
    response = editor.post(
        reverse("admin:articles_article_upload"),
        {
            "documents": [upload("ap.txt", (DATA / "ap_brussels.txt").read_bytes())],
            "dry_run": "on",
        },
    )
    html = response.content.decode()
    assert "Preview only: nothing was written." in html
    assert "<caption>7 statements found</caption>" in html
    assert Quote.objects.count() == before


def test_upload_without_files_shows_the_form_error(editor):
    response = editor.post(reverse("admin:articles_article_upload"), {})
    assert response.status_code == HTTPStatus.OK
    assert "This field is required." in response.content.decode()


def test_review_queue_counts_and_mark_reviewed_action(editor):
    editor.post(
        reverse("admin:articles_article_upload"),
        {"documents": [upload("reuters.txt", (DATA / "reuters_geneva.txt").read_bytes())]},
    )
    response = editor.get(reverse("admin:articles_article_review"))
    html = response.content.decode()
    quotes_url = reverse("admin:articles_quote_changelist") + "?review_status__exact=unreviewed"
    assert f'<a href="{quotes_url}">Quotes</a></td><td>9</td>' in html
    assert "Speakers</a></td><td>2</td>" in html  # Ryabkov and Peskov
    pending = Quote.objects.filter(review_status="unreviewed")
    response = editor.post(
        reverse("admin:articles_quote_changelist"),
        {
            "action": "mark_reviewed",
            "_selected_action": [str(pk) for pk in pending.values_list("pk", flat=True)[:4]],
        },
        follow=True,
    )
    assert "4 marked reviewed." in response.content.decode()
    assert pending.count() == 5


def test_correcting_a_quote_in_the_admin_marks_it_reviewed(editor):
    editor.post(
        reverse("admin:articles_article_upload"),
        {"documents": [upload("reuters.txt", (DATA / "reuters_geneva.txt").read_bytes())]},
    )
    quote = Quote.objects.get(text="We are in no hurry to draw conclusions.")
    peskov = Speaker.objects.get(name="Dmitry Peskov")
    url = reverse("admin:articles_quote_change", args=[quote.pk])
    form = editor.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        speaker=peskov.pk, article=quote.article_id, said_on="2022-01-26", same_as="", event=""
    )
    data.pop("relayed_by", None)
    response = editor.post(url, data)
    assert response.status_code == HTTPStatus.FOUND, response.context["adminform"].form.errors
    quote.refresh_from_db()
    assert (str(quote.said_on), quote.review_status) == ("2022-01-26", "reviewed")
