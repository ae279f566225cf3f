"""Build fixtures/archive.json from the source documents and fixtures/curated.toml."""

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.ingestion.curated import CurationError, build_fixture, dump_fixture

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = "Build the archive fixture from the documents and the curated annotations."

    def add_arguments(self, parser):
        parser.add_argument("--curated", type=Path, default=FIXTURES / "curated.toml")
        parser.add_argument("--documents", type=Path, default=FIXTURES)
        parser.add_argument("--output", type=Path, default=FIXTURES / "archive.json")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Write nothing; fail if the output file differs from a fresh build.",
        )

    def handle(self, *args, curated, documents, output, check, **options):
        try:
            objects = build_fixture(curated, documents)
        except (CurationError, OSError, UnicodeDecodeError) as error:
            raise CommandError(str(error)) from error
        text = dump_fixture(objects)
        if check:
            current = output.read_text(encoding="utf-8") if output.exists() else ""
            if current != text:
                raise CommandError(f"{output} is out of date: run manage.py build_fixtures")
            self.stdout.write(f"{output} is up to date.")
            return
        # Write through a temporary file so an interrupted build never leaves half a fixture.
        tmp = output.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
        counts = Counter(obj["model"].removeprefix("articles.") for obj in objects)
        self.stdout.write(f"Wrote {output}: " + ", ".join(f"{n} {m}" for m, n in counts.items()))
