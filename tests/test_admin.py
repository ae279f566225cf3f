"""Editors can find, filter and edit every model in the admin."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from articles.models import Article, Quote


@pytest.fixture
def editor(client, django_user_model, archive):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "model", ["outlet", "party", "speaker", "event", "article", "quote", "speakeralias"]
)
def test_every_model_has_a_changelist(editor, model):
    if model == "speakeralias":
        # Aliases are edited inline on their speaker, not on a page of their own.
        response = editor.get(f"/admin/articles/{model}/")
        assert response.status_code == HTTPStatus.NOT_FOUND
        return
    response = editor.get(reverse(f"admin:articles_{model}_changelist"))
    assert response.status_code == HTTPStatus.OK


def test_quote_search_finds_by_alias(editor):
    response = editor.get(reverse("admin:articles_quote_changelist"), {"q": "Sergei Lavrov"})
    assert response.status_code == HTTPStatus.OK
    lavrov = Quote.objects.filter(speaker__slug="sergey-lavrov").count()
    assert lavrov == 15
    assert response.context["cl"].result_count == lavrov


def test_quote_list_filters_by_party_and_format(editor):
    url = reverse("admin:articles_quote_changelist")
    response = editor.get(
        url, {"speaker__party__id__exact": "3", "event__format": "nato-russia-council"}
    )
    assert response.status_code == HTTPStatus.OK
    texts = sorted(q.text[:20] for q in response.context["cl"].result_list)
    assert texts == ["NATO’s Open Door pol", "No one else has anyt"]


def test_article_page_has_quotes_inline_and_public_link(editor):
    article = Article.objects.get(source_file__startswith="004")
    response = editor.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert content.count('name="quotes-') > 0
    assert response.context["inline_admin_formsets"][0].formset.total_form_count() == 10
    changelist = editor.get(reverse("admin:articles_article_changelist")).content.decode()
    assert f'href="{article.get_absolute_url()}"' in changelist


def test_speaker_autocomplete_for_quotes(editor):
    response = editor.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "quote", "field_name": "speaker", "term": "lavr"},
    )
    assert response.status_code == HTTPStatus.OK
    assert [r["text"] for r in response.json()["results"]] == ["Sergey Lavrov"]


def test_date_hierarchy_on_quotes(editor):
    response = editor.get(reverse("admin:articles_quote_changelist"), {"said_on__year": "2021"})
    assert response.status_code == HTTPStatus.OK
    assert response.context["cl"].result_count == Quote.objects.filter(said_on__year=2021).count()
    assert response.context["cl"].result_count == 32


@pytest.mark.parametrize(("model", "field"), [("outlet", "url"), ("article", "source_url")])
def test_a_url_typed_without_a_scheme_is_taken_as_https(editor, model, field):
    response = editor.get(reverse(f"admin:articles_{model}_add"))
    form_field = response.context["adminform"].form.fields[field]
    assert form_field.clean("tass.com/politics/1") == "https://tass.com/politics/1"


def test_the_upload_forms_source_url_is_taken_as_https():
    from articles.ingestion.upload import UploadForm

    assert UploadForm.base_fields["url"].clean("rt.com/news/1") == "https://rt.com/news/1"
