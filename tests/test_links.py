"""route_url gives exactly what reverse() gives, under any script prefix or URLconf."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from articles.links import route_url

SLUG_ROUTES = ["articles:speaker-detail", "articles:event-detail", "articles:article-detail"]


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    clear_script_prefix()


@pytest.mark.parametrize("name", SLUG_ROUTES)
@pytest.mark.parametrize("slug", ["sergey-lavrov", "a", "A_b-9", "90817263544536271809"])
@pytest.mark.parametrize("prefix", ["/", "/parley/", "/90817263544536271809/"])
def test_slug_routes_match_reverse(script_prefix, name, slug, prefix):
    script_prefix(prefix)
    assert route_url(name, "slug", slug) == reverse(name, kwargs={"slug": slug})
    assert route_url(name, "slug", slug).startswith(prefix)


@pytest.mark.parametrize("prefix", ["/", "/parley/"])
def test_int_and_plain_routes_match_reverse(script_prefix, prefix):
    script_prefix(prefix)
    for pk in [1, 42, 1_000_000]:
        assert route_url("articles:quote-detail", "pk", pk) == reverse(
            "articles:quote-detail", kwargs={"pk": pk}
        )
    assert route_url("articles:quote-list") == reverse("articles:quote-list")


def test_values_the_converter_rejects_raise_like_reverse():
    # Not a slug: reverse() itself decides, so the error is Django's.
    with pytest.raises(NoReverseMatch):
        route_url("articles:speaker-detail", "slug", "née")
    with pytest.raises(NoReverseMatch):
        route_url("articles:quote-detail", "pk", None)


urlpatterns = []  # an empty URLconf for the test below


def test_a_new_urlconf_is_not_served_from_the_cache():
    assert route_url("articles:quote-list") == "/quotes/"
    with override_settings(ROOT_URLCONF=__name__), pytest.raises(NoReverseMatch):
        route_url("articles:quote-list")
    assert route_url("articles:quote-list") == "/quotes/"


@pytest.mark.parametrize("prefix", ["/", "/parley/"])
def test_the_route_tags_write_what_the_url_tag_wrote(script_prefix, prefix):
    from django.template import Context, Template

    script_prefix(prefix)
    names = ["articles:home", "articles:quote-list", "articles:about-data"]
    names += ["articles:quote-list-json", "articles:search-help"]
    for name in names:
        ours = Template(f"{{% load browse %}}{{% route '{name}' %}}|{{% optional_url '{name}' %}}")
        django = Template(f"{{% url '{name}' %}}|{{% url '{name}' %}}")
        assert ours.render(Context()) == django.render(Context())
        assert ours.render(Context()).startswith(prefix)
    # A route that does not exist: an error for {% route %} as for {% url %}, "" for the other.
    with pytest.raises(NoReverseMatch):
        Template("{% load browse %}{% route 'articles:no-such-page' %}").render(Context())
    assert Template("{% load browse %}{% optional_url 'articles:nope' %}").render(Context()) == ""
