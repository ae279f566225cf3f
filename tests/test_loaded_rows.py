"""Rows read from the database become the instances Model.__init__ would make of them.

articles.models.LoadedRow skips Model.__init__ for rows read from the database (Django's
from_db hook) while nothing listens for the model's init signals.
"""

import pytest
from django.db import models
from django.db.models.signals import post_init

from articles.models import Article, Event, Outlet, Party, Quote, Speaker


def _as_django_makes_it(model, db, names, values):
    return models.Model.from_db.__func__(model, db, names, values)


@pytest.mark.parametrize("model", [Quote, Article, Speaker, Party, Event, Outlet])
def test_a_loaded_row_is_what_model_init_makes_of_it(archive, model):
    # Some columns deferred, as the list pages read them.
    deferred = {"search_vector", "body", "raw_text", "description"}
    names = [f.attname for f in model._meta.concrete_fields if f.name not in deferred]
    row = model.objects.order_by("pk").values_list(*names).last()
    fast = model.from_db("default", names, row)
    slow = _as_django_makes_it(model, "default", names, row)
    assert type(fast) is model
    assert {k: v for k, v in fast.__dict__.items() if k != "_state"} == {
        k: v for k, v in slow.__dict__.items() if k != "_state"
    }
    assert (
        (fast._state.adding, fast._state.db)
        == (False, "default")
        == (
            slow._state.adding,
            slow._state.db,
        )
    )
    assert fast.get_deferred_fields() == slow.get_deferred_fields()
    assert fast == slow and fast.get_absolute_url() == slow.get_absolute_url()


def test_a_loaded_quote_reads_deferred_columns_relations_and_saves_in_place(archive):
    count = Quote.objects.count()
    quote = Quote.objects.for_listing().order_by("pk").first()
    assert "search_vector" in quote.get_deferred_fields()
    assert quote.speaker.quotes.filter(pk=quote.pk).exists()
    assert quote.article.body  # deferred on the article: read on access
    other = next(kind for kind in Quote.Kind.values if kind != quote.kind)
    quote.kind = other
    quote.save(update_fields=["kind"])
    assert Quote.objects.count() == count  # updated, not inserted
    assert Quote.objects.get(pk=quote.pk).kind == other


def test_rows_read_for_a_list_skip_model_init(archive, monkeypatch):
    made = []
    init = models.Model.__init__

    def counted(self, *args, **kwargs):
        made.append(type(self))
        init(self, *args, **kwargs)

    monkeypatch.setattr(models.Model, "__init__", counted)
    rows = list(Quote.objects.for_listing().order_by("pk")[:5])
    assert [row.article.headline for row in rows] and made == []


def test_a_model_with_an_init_listener_is_made_by_model_init(archive):
    seen = []

    def listener(sender, instance, **kwargs):
        seen.append(instance.pk)

    post_init.connect(listener, sender=Speaker)
    try:
        speakers = list(Speaker.objects.order_by("pk")[:3])
    finally:
        post_init.disconnect(listener, sender=Speaker)
    assert seen == [s.pk for s in speakers] and len(seen) == 3
