"""{% kept "name" part ... %}…{% endkept %}: markup rendered once per archive version.

An event page's facts, parties, participants and newest coverage, a speaker page's newest
events and the home page's timeline depend only on the archive and on the record the page is
about. Their objects are already kept under the archive's version (articles.facet_counts.kept);
writing them out was still 3-5 ms of such a page at 1M quotes. The block's HTML is kept the
same way, named by the parts given (the record's id), so write nothing in it that depends on
the request.

The key also carries a digest of the templates and of the app's code, read once per process: a
deploy that changes the markup under an unchanged archive version must not serve the old HTML.
"""

import functools
import hashlib
from pathlib import Path

from django import template
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.utils.safestring import mark_safe

from articles.facet_counts import kept as kept_value

register = template.Library()
APP = Path(__file__).resolve().parent.parent


@functools.cache
def code_digest() -> str:
    """A digest of every template and of the app's Python code, as this process runs them."""
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])] + [APP]
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".html", ".txt", ".py") and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class KeptNode(template.Node):
    def __init__(self, nodelist, parts):
        self.nodelist, self.parts = nodelist, parts

    def render(self, context):
        name = ":".join(str(part.resolve(context)) for part in self.parts)
        return mark_safe(
            kept_value(
                DEFAULT_DB_ALIAS,
                f"fragment:{code_digest()}:{name}",
                lambda: self.render_fresh(context),
            )
        )

    def render_fresh(self, context) -> str:
        return str(self.nodelist.render(context))


@register.tag("kept")
def kept_tag(parser, token):
    parts = token.split_contents()[1:]
    if not parts:
        raise template.TemplateSyntaxError('{% kept %} needs a name: {% kept "name" id %}')
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    return KeptNode(nodelist, [parser.compile_filter(part) for part in parts])
