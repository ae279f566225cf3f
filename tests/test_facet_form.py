"""{% facet_fields %} writes exactly what the template loop it replaced wrote.

REFERENCE is the facet loop of templates/articles/_quote_filters.html as it was before the tag,
with articles/_facet_timed_out.html (folded into the tag) written in: rendering both for the
facets of the archive's list pages, and for made-up facets with hostile text, counts not shown
and errors, pins the markup and its escaping.
"""

import pytest
from django.template import Context, Template

from articles.facets import Facet, Option
from articles.models import Event, Speaker
from articles.templatetags.browse import facet_fields

TIMED_OUT = (
    "Counts not shown: too many statements to count quickly. Narrow the filters to see them"
    "{% if facet.counting_later %}, or come back in a moment: they are being counted{% endif %}."
)

REFERENCE = Template(
    """{% for facet in facets %}
  {% if facet.multiple %}
  <fieldset class="facet"{% if facet.errors %} aria-describedby="f-{{ facet.name }}-errors"{% endif %}>
    <legend>{{ facet.label }}</legend>
    {% include "articles/_errors.html" with errors=facet.errors id="f-"|add:facet.name|add:"-errors" %}
    {% if facet.timed_out %}<p class="hint">TIMED_OUT</p>{% endif %}
    {% for option in facet.options %}
    <div class="option">
      <input type="checkbox" id="f-{{ facet.name }}-{{ forloop.counter }}" name="{{ facet.name }}" value="{{ option.value }}"{% if option.selected %} checked{% endif %}>
      <label for="f-{{ facet.name }}-{{ forloop.counter }}">{{ option.label }}{% if option.count is not None %} <span class="count">({{ option.count }})</span>{% endif %}</label>
    </div>
    {% empty %}{% if not facet.timed_out %}<p class="hint">No {{ facet.label|lower }} within these filters.</p>{% endif %}
    {% endfor %}
  </fieldset>
  {% else %}
  <div class="field facet">
    <label for="f-{{ facet.name }}">{{ facet.label }}</label>
    <select id="f-{{ facet.name }}" name="{{ facet.name }}"{% if facet.errors %} aria-invalid="true" aria-describedby="f-{{ facet.name }}-errors"{% elif facet.timed_out %} aria-describedby="f-{{ facet.name }}-timed-out"{% endif %}>
      <option value="">Any</option>
      {% for option in facet.options %}<option value="{{ option.value }}"{% if option.selected %} selected{% endif %}>{{ option.label }}{% if option.count is not None %} ({{ option.count }}){% endif %}</option>
      {% endfor %}
    </select>
    {% if facet.timed_out %}<p class="hint" id="f-{{ facet.name }}-timed-out">TIMED_OUT</p>{% endif %}
    {% include "articles/_errors.html" with errors=facet.errors id="f-"|add:facet.name|add:"-errors" %}
  </div>
  {% endif %}
  {% endfor %}""".replace("TIMED_OUT", TIMED_OUT)  # noqa: E501 (the template's own lines)
)


def reference(facets) -> str:
    return REFERENCE.render(Context({"facets": facets}))


QUOTE_LISTS = [
    "",
    "speaker=sergey-lavrov",
    "speaker=sergey-lavrov&speaker=antony-blinken",
    "party=russia&party=united-states&format=nato-russia-council",
    "event=nato-russia-council-2022-01-12&outlet=tass&kind=direct",
    "kind=indirect&outlet=tass&sort=oldest",
    "q=guarantees",
    "date_from=banana",
    "party=nope&event=nope&kind=bad&format=x&outlet=zz",
    "speaker=nope&unknown=1",
]


def _facets(client, url):
    response = client.get(url)
    facets = response.context["facets"]
    assert facets
    return facets


@pytest.mark.parametrize("query", QUOTE_LISTS)
def test_quote_list_facets_render_as_the_template_did(client, archive, query):
    facets = _facets(client, f"/quotes/?{query}")
    assert facet_fields(facets) == reference(facets)


def test_speaker_and_event_page_facets_render_as_the_template_did(client, archive):
    pages = [s.get_absolute_url() for s in Speaker.objects.all()]
    pages += [e.get_absolute_url() for e in Event.objects.all()]
    pages += [f"{pages[0]}?kind=direct", f"{pages[-1]}?date_from=banana&party=nope"]
    for url in pages:
        facets = _facets(client, url)
        assert facet_fields(facets) == reference(facets), url


HOSTILE = """<b>"Bold" & 'quoted'</b>"""


def _made_up(*, multiple, **kwargs):
    options = [
        Option("a&b", HOSTILE, 1234567, True),
        Option('"><script>', "Plain", 0, False),
        Option("c", "Not counted", None, False),
    ]
    return Facet("speaker" if multiple else "event", HOSTILE, multiple, options, **kwargs)


@pytest.mark.parametrize("multiple", [True, False])
@pytest.mark.parametrize(
    "state",
    [
        {},
        {"errors": [f"There is no speaker “{HOSTILE}”.", "A second <error>."]},
        {"timed_out": True},
        {"timed_out": True, "counting_later": True},
        {"timed_out": True, "errors": ["Unknown & bad."]},
    ],
)
def test_hostile_text_errors_and_counts_not_shown_as_the_template_did(multiple, state):
    facets = [_made_up(multiple=multiple, **state)]
    html = facet_fields(facets)
    assert "<script>" not in html and "&lt;b&gt;&quot;Bold&quot; &amp; &#x27;quoted" in html
    assert html == reference(facets)


@pytest.mark.parametrize("timed_out", [False, True])
def test_facets_without_options_render_as_the_template_did(timed_out):
    facets = [
        Facet("party", "Party", True, [], timed_out=timed_out),
        Facet("outlet", "Outlet", False, [], timed_out=timed_out),
        _made_up(multiple=True),
        _made_up(multiple=False),
    ]
    assert facet_fields(facets) == reference(facets)
    assert facet_fields([]) == reference([]) == ""
