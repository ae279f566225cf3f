"""Template helpers for the browse pages."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.simple_tag
def optional_url(name: str, *args) -> str:
    """The URL of a route, or "" while that route does not exist (export routes land separately)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
