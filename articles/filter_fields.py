"""Form fields and a filter for the list parameters that need parsing: dates and page cursors."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError

_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class DateSpan:
    """A year, month or day typed by the reader, as the first and last day it covers."""

    start: datetime.date
    end: datetime.date
    precision: str  # "year", "month" or "day"

    def __str__(self):
        if self.precision == "year":
            return str(self.start.year)
        if self.precision == "month":
            return self.start.strftime("%B %Y")
        return f"{self.start.day} {self.start.strftime('%B %Y')}"


def parse_date_span(value: str) -> DateSpan:
    """Parse YYYY, YYYY-MM or YYYY-MM-DD; raise ValueError for anything else."""
    match = _DATE_RE.match(value.strip())
    if not match:
        raise ValueError(value)
    year, month, day = (int(g) if g else None for g in match.groups())
    if month is None:
        return DateSpan(datetime.date(year, 1, 1), datetime.date(year, 12, 31), "year")
    if day is None:
        last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
        return DateSpan(datetime.date(year, month, 1), datetime.date(year, month, last), "month")
    date = datetime.date(year, month, day)
    return DateSpan(date, date, "day")


DATE_HELP = "YYYY, YYYY-MM or YYYY-MM-DD; a month means the whole month."


class DateSpanField(forms.CharField):
    default_error_messages = {
        "invalid": "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, for example 2022-01.",
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_date_span(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class DateSpanFilter(filters.Filter):
    """``date_from`` takes the first day of the span it is given, ``date_to`` the last."""

    field_class = DateSpanField

    def __init__(self, *args, bound: str, **kwargs):
        kwargs.setdefault("help_text", DATE_HELP)
        super().__init__(*args, **kwargs)
        self.bound = bound

    def filter(self, qs, value):
        if value is None:
            return qs
        if self.bound == "start":
            return qs.filter(**{f"{self.field_name}__gte": value.start})
        return qs.filter(**{f"{self.field_name}__lte": value.end})


@dataclass(frozen=True)
class Cursor:
    """A keyset position: the sort key of the row and its id (``2022-01-13.45``)."""

    key: object
    pk: int

    @staticmethod
    def encode(key, pk) -> str:
        if key is None:
            return f"null.{pk}"
        if isinstance(key, datetime.date):
            return f"{key.isoformat()}.{pk}"
        return f"{key}.{pk}"


def _parse_date_key(text):
    return None if text == "null" else datetime.date.fromisoformat(text)


class CursorField(forms.CharField):
    default_error_messages = {
        "invalid": "This page position is not valid; follow the Next and Previous links.",
    }

    def __init__(self, *, parse_key=_parse_date_key, **kwargs):
        super().__init__(required=False, **kwargs)
        self.parse_key = parse_key

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        key, dot, pk = value.rpartition(".")
        try:
            if not dot or not pk.isdigit():
                raise ValueError(value)
            return Cursor(self.parse_key(key), int(pk))
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
