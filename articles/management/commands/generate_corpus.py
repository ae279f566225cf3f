"""Fill the database with a realistic synthetic archive for scale tests and the benchmark."""

import time

from django.core.management.base import BaseCommand, CommandError

from articles import corpus


class Command(BaseCommand):
    help = (
        "Generate N synthetic quotes (about 8 per 600-word article, 2,000 speakers, 40 parties, "
        "500 events over ten years), deterministic for a seed. Needs the 'bench' extra (wordfreq)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quotes", type=int, required=True, help="Number of quotes to make.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same corpus.")
        parser.add_argument(
            "--clear", action="store_true", help="Delete previously generated rows first."
        )
        parser.add_argument("--speakers", type=int, default=2000)
        parser.add_argument("--events", type=int, default=500)

    def handle(self, *args, quotes, seed, clear, speakers, events, **options):
        if quotes < 1:
            raise CommandError("--quotes must be at least 1.")
        if speakers < 10 or events < 1:
            raise CommandError("--speakers must be at least 10 and --events at least 1.")
        started = time.perf_counter()
        if clear:
            corpus.clear()
            self.stdout.write(f"Cleared generated rows ({time.perf_counter() - started:.1f} s).")
        elif corpus.generated_rows_exist():
            raise CommandError(
                "This database already holds generated rows (slugs starting 'gen-'). "
                "Pass --clear to replace them."
            )
        progress = self.stdout.write if options["verbosity"] > 1 else (lambda message: None)
        try:
            result = corpus.generate(
                quotes, seed, speakers=speakers, events=events, progress=progress
            )
        except ImportError as error:
            raise CommandError(str(error)) from error
        counts, timings = result["counts"], result["timings"]
        phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
        self.stdout.write(
            f"Generated {counts['quotes']:,} quotes in {counts['articles']:,} articles "
            f"(seed {seed}) in {time.perf_counter() - started:.1f} s: {phases}."
        )
