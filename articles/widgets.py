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


class FastCheckboxes(forms.CheckboxSelectMultiple):
    """forms.CheckboxSelectMultiple, rendered without four templates per option.

    The party filter of /speakers/ and /events/ lists every party (40 at the benchmark's
    scale): through django/forms/widgets/multiple_input.html, each checkbox included
    input_option.html, input.html and attrs.html, ~10 ms of a 44 ms events page at 1M quotes.
    Same markup, written from Python; tests/test_fast_select.py renders both.
    """

    def render(self, name, value, attrs=None, renderer=None):
        if (
            self.template_name != forms.CheckboxSelectMultiple.template_name
            or self.option_template_name != forms.CheckboxSelectMultiple.option_template_name
            or not self.add_id_index
        ):
            return super().render(name, value, attrs, renderer)
        values = self.format_value(value)
        widget_attrs = self.build_attrs(self.attrs, attrs)
        name_html = _shown(name)
        options = []
        for index, (option_value, label) in enumerate(self.choices):
            if isinstance(label, list | tuple):  # an option group
                return super().render(name, value, attrs, renderer)
            if option_value is None:
                option_value = ""
            # ChoiceWidget.create_option: the widget's attrs, "checked" after them, and the id
            # (in its own place) numbered by the option's index.
            option_attrs = dict(widget_attrs)
            if str(option_value) in values:
                option_attrs["checked"] = True
            if "id" in option_attrs:
                option_attrs["id"] = f"{option_attrs['id']}_{index}"
            label_for = option_attrs.get("id")
            for_html = f' for="{_shown(label_for)}"' if label_for else ""
            # The templates' own line breaks: input.html, input_option.html and
            # checkbox_option.html each end with one.
            options.append(
                f"<div>\n    <label{for_html}>"
                f'<input type="checkbox" name="{name_html}" value="{_formatted(option_value)}"'
                f"{_attrs(option_attrs)}>\n {_shown(label)}</label>\n\n</div>"
            )
        own_id = widget_attrs.get("id")
        id_html = f' id="{_shown(own_id)}"' if own_id else ""
        class_html = (
            f' class="{_shown(widget_attrs["class"])}"' if widget_attrs.get("class") else ""
        )
        return SafeString(f"<div{id_html}{class_html}>{''.join(options)}\n</div>")
