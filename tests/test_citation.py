"""Citations of one quote: plain text and BibTeX, on the quote page and as a .bib download."""

import datetime
from http import HTTPStatus

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles import exports
from articles.models import Quote

ACCESSED = datetime.date(2026, 3, 5)


def quote(pk):
    return Quote.objects.with_relations().get(pk=pk)


def test_plain_text_citation(archive):
    text = exports.quote_citation(
        quote(27), permalink="https://parley.example/quotes/27/", accessed=ACCESSED
    )
    assert text == (
        "Sergey Lavrov, statement of 31 December 2021. Quoted in “Moscow’s proposals on "
        "security guarantees are aimed at creating and legalizing a new system of agreements in "
        "the field of security, Russian Foreign Minister Sergey Lavrov told Sputnik.”, Sputnik, "
        "31 December 2021. Parley archive, https://parley.example/quotes/27/ "
        "(accessed 5 March 2026)."
    )


def test_citation_of_an_undated_quote_from_an_unnamed_outlet(archive):
    q = quote(50)
    q.said_on = None
    text = exports.quote_citation(q, permalink="/quotes/50/", accessed=ACCESSED)
    assert text.startswith("Russian government, undated statement. Quoted in “Lavrov says")
    assert "’, 13 January 2022. Parley archive" in text.replace("”", "’")


def test_bibtex_entry(archive):
    entry = exports.quote_bibtex(
        quote(27), permalink="https://parley.example/quotes/27/", accessed=ACCESSED
    )
    assert entry == (
        "@misc{parley-quote-27,\n"
        "  author = {Sergey Lavrov},\n"
        "  title = {{Moscow’s proposals on security guarantees are aimed at creating and "
        "legalizing a new system of agreements in the field of security}},\n"
        "  howpublished = {Sputnik},\n"
        "  date = {2021-12-31},\n"
        "  year = {2021},\n"
        "  note = {Quoted in “Moscow’s proposals on security guarantees are aimed at creating "
        "and legalizing a new system of agreements in the field of security, Russian Foreign "
        "Minister Sergey Lavrov told Sputnik.”, Sputnik, 31 December 2021},\n"
        "  url = {https://parley.example/quotes/27/},\n"
        "  urldate = {2026-03-05}\n"
        "}\n"
    )


def test_bibtex_keeps_institutions_whole(archive):
    entry = exports.quote_bibtex(quote(51), permalink="/quotes/51/", accessed=ACCESSED)
    assert "  author = {{NATO (the alliance)}},\n" in entry
    assert "howpublished" not in entry  # article 5 names no outlet


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("50% & $5 #1 a_b", r"50\% \& \$5 \#1 a\_b"),
        ("{x} \\y", r"\{x\} \textbackslash{}y"),
        ("^ ~", r"\^{} \~{}"),
        ("two\n  lines", "two lines"),
        ("“Кремль” — ok", "“Кремль” — ok"),
    ],
)
def test_bibtex_escape(raw, escaped):
    assert exports.bibtex_escape(raw) == escaped


def test_bibtex_escape_leaves_braces_balanced():
    text = exports.bibtex_escape("}{}{ \\{ %}")
    unescaped = text.replace("\\{", "").replace("\\}", "").replace("\\textbackslash{}", "")
    assert unescaped.count("{") == unescaped.count("}")


def test_bibtex_download(client, archive):
    response = client.get(reverse("articles:quote-bibtex", kwargs={"pk": 27}))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert 'filename="parley-quote-27.bib"' in response["Content-Disposition"]
    body = response.content.decode()
    assert body.startswith("@misc{parley-quote-27,\n")
    assert "  url = {http://testserver/quotes/27/},\n" in body
    assert f"  urldate = {{{timezone.localdate().isoformat()}}}\n" in body
    missing = client.get(reverse("articles:quote-bibtex", kwargs={"pk": 9999}))
    assert missing.status_code == HTTPStatus.NOT_FOUND


def test_quote_page_offers_both_citations(client, archive):
    html = client.get(reverse("articles:quote-detail", kwargs={"pk": 27})).content.decode()
    today = exports.long_date(timezone.localdate())
    assert "Sergey Lavrov, statement of 31 December 2021. Quoted in “Moscow’s proposals" in html
    assert f"http://testserver/quotes/27/ (accessed {today})." in html
    assert '<textarea id="citation-bibtex-27"' in html
    assert "@misc{parley-quote-27," in html
    assert 'href="/quotes/27.bib"' in html


def test_citation_markup_is_escaped(archive):
    q = quote(27)
    q.speaker.name = "<b>Lavrov</b>"
    html = render_to_string("articles/_citation.html", {"quote": q})
    assert "<b>" not in html
    assert "&lt;b&gt;Lavrov&lt;/b&gt;, statement of" in html
