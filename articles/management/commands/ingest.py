"""Ingest news documents: extract statements and archive them (or, with --dry-run, show them)."""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.ingestion.batch import ingest_bytes
from articles.ingestion.knowledge import knowledge_from_db
from articles.ingestion.source import iter_documents


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2022-01-13") from None


class Command(BaseCommand):
    help = (
        "Ingest plain-text (.txt) and saved web-page (.html) news documents, or folders of them. "
        "Each document is archived in one transaction; a bad file is reported and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders.")
        parser.add_argument("--outlet", help="Outlet name or slug, instead of the detected one.")
        parser.add_argument("--url", default="", help="Source URL of the document.")
        parser.add_argument(
            "--published", type=iso_date, help="Publication date (YYYY-MM-DD), if known."
        )
        parser.add_argument("--dry-run", action="store_true", help="Write nothing.")
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print what was found as JSON on standard output (messages go to stderr).",
        )

    def handle(self, *args, paths, outlet, url, published, dry_run, json: bool, **options):
        as_json = json
        say = self.stderr.write if as_json else self.stdout.write
        knowledge = knowledge_from_db()
        records, failed = [], []
        documents = iter_documents(paths)
        if not documents:
            raise CommandError("No .txt or .html documents found in the paths given.")
        if url and len(documents) > 1:
            # A URL names one document; a second with the same URL would replace the first.
            raise CommandError(f"--url names one document, but {len(documents)} were given.")
        for path in documents:
            try:
                data = path.read_bytes()
            except OSError as error:
                failed.append(path)
                self.stderr.write(f"{path}: cannot read: {error.strerror or error}")
                continue
            outcome = ingest_bytes(
                str(path),
                data,
                knowledge,
                outlet=outlet,
                url=url,
                published=published,
                dry_run=dry_run,
            )
            if not outcome.ok:
                failed.append(path)
                self.stderr.write(f"{path}: {outcome.error}")
                continue
            extraction, result = outcome.extraction, outcome.result
            for warning in extraction.warnings:
                self.stderr.write(f"{path}: warning: {warning}")
            records.append(extraction.as_json())
            if result is None:
                say(f"{path}: {len(extraction.statements)} statements found (dry run)")
                continue
            say(
                f"{path}: {result.message}" + (f", {result.linked} linked" if result.linked else "")
            )
            if result.created and _made_new_records(extraction):
                knowledge = knowledge_from_db()  # new speakers and outlets are known from now on
        if as_json:
            self.stdout.write(_dumps(records))
        if failed:
            raise CommandError(f"{len(failed)} of {len(documents)} documents failed.")


def _made_new_records(extraction) -> bool:
    outlet = extraction.meta.outlet or ""
    proposed = any(st.proposed for st in extraction.statements)
    return bool(extraction.speakers_new) or outlet.startswith("new:") or proposed


def _dumps(records: list[dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2)
