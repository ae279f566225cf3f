"""The admin upload form: one or more documents through the same step as `manage.py ingest`."""

from __future__ import annotations

from django import forms

from articles.ingestion.batch import Outcome, ingest_bytes
from articles.ingestion.knowledge import knowledge_from_db
from articles.ingestion.source import BadDocument, check_size


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file field taking several files (Django's documented recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,.html,.htm"}))
        # An empty file gets the pipeline's message naming it, like the other bad files.
        kwargs.setdefault("allow_empty_file", True)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(item, initial) for item in data]
        return [single(data or None, initial)]  # none chosen: "This field is required."


class UploadForm(forms.Form):
    documents = MultipleFileField(
        help_text="Plain text (.txt, UTF-8) or saved web pages (.html); several at once."
    )
    outlet = forms.CharField(required=False, help_text="Instead of the outlet detected.")
    url = forms.URLField(required=False, label="Source URL", assume_scheme="https")
    published = forms.DateField(
        required=False, help_text="YYYY-MM-DD; instead of the date detected."
    )
    dry_run = forms.BooleanField(
        required=False, label="Preview only", help_text="Show what is found; write nothing."
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("url") and len(cleaned.get("documents") or []) > 1:
            self.add_error("url", "A source URL names one document: upload one file with it.")
        return cleaned


def upload_documents(data: dict) -> list[Outcome]:
    """Ingest every uploaded file in order; a bad file gives an outcome with its error."""
    knowledge = knowledge_from_db()
    outcomes = []
    for upload in data["documents"]:
        try:
            check_size(upload.size)  # before reading it into memory
        except BadDocument as error:
            outcomes.append(Outcome(upload.name, error=str(error)))
            continue
        outcome = ingest_bytes(
            upload.name,
            upload.read(),
            knowledge,
            outlet=data.get("outlet") or None,
            url=data.get("url") or "",
            published=data.get("published"),
            dry_run=data.get("dry_run", False),
        )
        if outcome.result and outcome.result.created:
            knowledge = knowledge_from_db()
        outcomes.append(outcome)
    return outcomes
