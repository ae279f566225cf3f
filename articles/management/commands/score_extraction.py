"""Score the extraction pipeline against the gold annotations of the seed documents."""

import tomllib
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from articles.ingestion.knowledge import knowledge_from_curated
from articles.ingestion.pipeline import extract
from articles.ingestion.scoring import Score, gold_quotes, load_gold, report, score_document

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = (
        "Run the pipeline on each annotated document (no article metadata given) and print "
        "precision, recall and F1 for quote spans, speaker, date and event accuracy."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--gold",
            type=Path,
            default=FIXTURES / "annotations.toml",
            help="TOML like the default, or JSON in the schema of `ingest --dry-run --json`.",
        )
        parser.add_argument(
            "--curated",
            type=Path,
            default=FIXTURES / "curated.toml",
            help="Known speakers, events and outlets (the documents' own entries are not used).",
        )
        parser.add_argument("--documents", type=Path, default=FIXTURES)
        parser.add_argument("--verbose", "-V", action="store_true", help="List every miss.")

    def handle(self, *args, gold, curated, documents, verbose, **options):
        knowledge = knowledge_from_curated(tomllib.loads(curated.read_text(encoding="utf-8")))
        score = Score()
        for article in load_gold(gold):
            path = documents / article["file"]
            extraction = extract(path.read_text(encoding="utf-8"), knowledge, file=path.name)
            score_document(
                extraction, gold_quotes(extraction.body, article.get("quote", [])), score
            )
        for line in report(score):
            self.stdout.write(line)
        if verbose:
            for miss in score.misses:
                self.stdout.write("  " + miss)
