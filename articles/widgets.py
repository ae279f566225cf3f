"""A <select> that writes its options itself, byte for byte as Django's templates write them.

Django renders a Select through django/forms/widgets/select.html, which includes
select_option.html and attrs.html once per option: on /articles/, whose event filter lists
every event (~500 at the benchmark's scale), that was ~20 ms of the page's rendering, well
over half of its time. FastSelect keeps the widget's API (choices, attrs, the value it
selects) and writes the same markup from Python; tests/test_fast_select.py renders both.

It does not consult the form renderer: a project that overrides the select templates (a custom
FORM_RENDERER) would not see them here, hence the fallback for anything unusual.
"""

from html import escape

from django import forms
from django.template.defaultfilters import stringformat
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString
from django.utils.timezone import template_localtime


def _formatted(value) -> str:
    """{{ value|stringformat:'s' }}: the filter keeps safe input safe, the rest is escaped."""
    text = stringformat(value, "s")
    return text if isinstance(value, SafeData) else escape(text)


def _shown(value) -> str:
    """{{ value }}, as Django's render_value_in_context writes it with autoescaping on."""
    if type(value) is str:  # labels almost always: escaping is all that happens to them
        return escape(value)
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: False leaves an attribute out, True writes its name."""
    return "".join(
        f" {_shown(name)}" if value is True else f' {_shown(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class FastSelect(forms.Select):
    """forms.Select, rendered without a template per option."""

    def render(self, name, value, attrs=None, renderer=None):
        # Option groups and subclasses with their own templates or option attributes go the
        # template way; so does a multiple select (it differs in attrs and selection).
        if (
            self.allow_multiple_selected
            or self.option_inherits_attrs
            or self.template_name != forms.Select.template_name
            or self.option_template_name != forms.Select.option_template_name
        ):
            return super().render(name, value, attrs, renderer)
        values = self.format_value(value)
        # Select.optgroups: the first option whose value is among the values is selected.
        has_selected = False
        options = []
        # One pass, not list(self.choices): a model field's choices answer len() with a COUNT.
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):  # an option group
                return super().render(name, value, attrs, renderer)
            if option_value is None:
                option_value = ""
            selected = not has_selected and str(option_value) in values
            has_selected |= selected
            # select.html puts each option on its own line, and select_option.html's own
            # newline follows it.
            options.append(
                f'\n  <option value="{_formatted(option_value)}"{" selected" if selected else ""}>'
                f"{_shown(label)}</option>\n"
            )
        attrs_html = _attrs(self.build_attrs(self.attrs, attrs))
        options_html = "".join(options)
        return SafeString(f'<select name="{_shown(name)}"{attrs_html}>{options_html}\n</select>')
