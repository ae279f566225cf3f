"""Citations on quote pages: {% quote_citation quote %} and {% quote_bibtex quote %}."""

from django import template
from django.utils import timezone

from articles import exports

register = template.Library()


def _permalink(context, quote) -> str:
    request = context.get("request")
    url = quote.get_absolute_url()
    return request.build_absolute_uri(url) if request else url


@register.simple_tag(takes_context=True)
def quote_citation(context, quote) -> str:
    """The quote as a plain-text reference, accessed today."""
    return exports.quote_citation(
        quote, permalink=_permalink(context, quote), accessed=timezone.localdate()
    )


@register.simple_tag(takes_context=True)
def quote_bibtex(context, quote) -> str:
    """The quote's BibTeX entry, accessed today."""
    return exports.quote_bibtex(
        quote, permalink=_permalink(context, quote), accessed=timezone.localdate()
    )
