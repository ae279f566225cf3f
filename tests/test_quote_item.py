"""{% quote_item %} writes exactly what the per-row template it replaced wrote.

REFERENCE is templates/articles/_quote.html as it was before the tag: rendering both over the
archive's statements, with and without search snippets and with hostile text, pins the markup
and its escaping.
"""

import pytest
from django.template import Context, Template
from django.urls import clear_script_prefix, set_script_prefix

from articles import search
from articles.models import Article, Outlet, Party, Quote, Speaker
from articles.templatetags.browse import quote_item

REFERENCE = Template(
    """<li class="quote-item">
  <blockquote{% if quote.snippet %} class="snippet"{% endif %}><p>{% if quote.snippet %}{{ quote.snippet }}{% else %}{{ quote.text }}{% endif %}</p></blockquote>
  <p class="meta">
    <a href="{{ quote.speaker.get_absolute_url }}">{{ quote.speaker.name }}</a>{% if quote.speaker.party %} (<a href="{{ quote.speaker.party.get_absolute_url }}">{{ quote.speaker.party }}</a>){% endif %}
    · {% if quote.said_on %}<time datetime="{{ quote.said_on|date:'Y-m-d' }}">{{ quote.said_on|date:"j M Y" }}</time>{% else %}date unknown{% endif %}
    · {{ quote.get_kind_display }}
    {% if quote.event %}· <a href="{{ quote.event.get_absolute_url }}">{{ quote.event.name }}</a>{% endif %}
    · {% if quote.article.outlet %}{{ quote.article.outlet.name }}{% else %}Unknown outlet{% endif %}{% if quote.relayed_by %}, via {{ quote.relayed_by.name }}{% endif %}
    · <a href="{{ quote.article.get_absolute_url }}?quote={{ quote.pk }}#q-{{ quote.pk }}">in the article</a>
    · <a href="{{ quote.get_absolute_url }}">permalink</a>
  </p>
</li>
"""  # noqa: E501 (the template's own lines)
)


def reference(quote) -> str:
    return REFERENCE.render(Context({"quote": quote}))


def test_every_archive_statement_renders_as_the_template_did(archive):
    quotes = list(Quote.objects.for_listing())
    assert len(quotes) > 20
    assert any(q.event is None for q in quotes) and any(q.event for q in quotes)
    assert any(q.relayed_by for q in quotes) and any(q.said_on is None for q in quotes)
    for quote in quotes:
        assert quote_item(quote) == reference(quote)


@pytest.mark.parametrize("query", ["guarantees", "nato", "legally binding"])
def test_search_snippets_render_as_the_template_did(archive, query):
    quotes = list(Quote.objects.for_listing()[:40])
    search.highlight_quotes(quotes, query)
    assert any("<mark>" in q.snippet for q in quotes)
    for quote in quotes:
        assert quote_item(quote) == reference(quote)


def test_hostile_values_are_escaped_as_the_template_did(db):
    text = """<script>alert('x')</script> & "quoted" """
    party = Party.objects.create(name="<b>P</b>", short_name="", slug="p", kind="state")
    speaker = Speaker.objects.create(name="A & <B>", slug="a-b", party=party)
    outlet = Outlet.objects.create(name="O'Neil & <Sons>", slug="o")
    article = Article.objects.create(
        headline="h", slug="h", body=text, raw_text=text, content_hash="1" * 64, outlet=outlet
    )
    Quote.objects.create(
        text=text,
        speaker=speaker,
        article=article,
        kind="direct",
        start=0,
        end=len(text),
        relayed_by=outlet,
    )
    quote = Quote.objects.for_listing().get()
    assert "&lt;script&gt;" in quote_item(quote)
    assert quote_item(quote) == reference(quote)


def test_links_carry_the_script_prefix(archive):
    quote = Quote.objects.for_listing().first()
    set_script_prefix("/parley/")
    try:
        assert 'href="/parley/quotes/' in quote_item(quote)
        assert quote_item(quote) == reference(quote)
    finally:
        clear_script_prefix()
