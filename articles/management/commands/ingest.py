"""Ingest news documents: extract statements and archive them (or, with --dry-run, show them)."""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.ingestion.knowledge import knowledge_from_db
from articles.ingestion.pipeline import extract
from articles.ingestion.source import BadDocument, iter_documents, read_source
from articles.ingestion.writer import write_extraction


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
        for path in documents:
            try:
                source = read_source(path.name, path.read_bytes())
                extraction = extract(
                    source.text,
                    knowledge,
                    file=str(path),
                    outlet=outlet or (source.site or None),
                    url=url or source.url,
                    published=published or source.published,
                )
                extraction.raw = source.raw
            except (BadDocument, OSError) as error:
                failed.append(path)
                self.stderr.write(f"{path}: {error}")
                continue
            for warning in extraction.warnings:
                self.stderr.write(f"{path}: warning: {warning}")
            if dry_run:
                records.append(extraction.as_json())
                say(f"{path}: {len(extraction.statements)} statements found (dry run)")
                continue
            result = write_extraction(
                extraction, content_hash=source.content_hash, source_file=path.name
            )
            records.append(extraction.as_json())
            say(
                f"{path}: {result.message}" + (f", {result.linked} linked" if result.linked else "")
            )
            if result.created:
                knowledge = knowledge_from_db()  # new speakers and outlets are known from now on
        if as_json:
            self.stdout.write(_dumps(records))
        if failed:
            raise CommandError(f"{len(failed)} of {len(documents)} documents failed.")


def _dumps(records: list[dict]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2)
