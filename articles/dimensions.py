"""The few rows every statement points at, held in each process's memory per archive version.

A list row shows its statement's speaker (and party), event, article and outlet, and the
outlet that relayed it. Joined into the row query, those seven tables cost more than the rows
themselves: PostgreSQL weighed every join order (5-10 ms of planning at 1M quotes, unless told
the order, which took a transaction of four round trips), Django compiled a 60-column SELECT
(2.1 ms) and built six model instances per row. Speakers, parties, events and outlets are a
few thousand rows that a page keeps meeting again (2,000 speakers, 500 events and 12 outlets
in the 1M-quote corpus), so the row query joins only the article, and ``attach`` gives each
row the others from memory. The first page that needs a table reads its first WHOLE_TABLE
rows, all of a table that small, in one query; later pages read only rows not held, by id.

The speakers' names and aliases, lowercased as the speaker suggestions compare them, are held
the same way (``speaker_names``), so that a search naming no speaker looks none up.

What is held is keyed by the archive's version token (articles/facet_counts.py), which every
write to these tables changes in the same commit: the first page after a write reads them
again. Without a token (another database) nothing is held. The instances are shared by the
requests of one process, so pages only read them.
"""

from __future__ import annotations

from articles.facet_counts import archive_version

# Past this many rows of one table the process forgets them all and starts again: a bound on
# memory (about 1 KB a row) for archives with far more speakers than any visitor walks through.
MAX_HELD = 20_000
# A table's first read takes this many rows (by id), not only the page's: all of a small table.
# Read by id, a new process met new speakers on most pages for hundreds of pages (2,000
# speakers, 20 rows a page), one more query each: 0.9 ms for five speakers at 1M quotes.
# Reading all 2,000 speakers with their parties took 26 ms, once per process and version.
WHOLE_TABLE = 5_000

_held: dict[str, tuple[str | None, dict]] = {}  # alias -> (version, {model label: {pk: row}})


def attach(alias: str, quotes: list) -> None:
    """Set each quote's speaker (with party), event, relaying outlet and article's outlet."""
    if not quotes:
        return
    from articles.models import Article, Event, Outlet, Quote, Speaker

    tables = _tables(alias)
    speakers = _rows(
        tables, alias, Speaker.objects.select_related("party"), {q.speaker_id for q in quotes}
    )
    events = _rows(tables, alias, Event.objects.all(), {q.event_id for q in quotes})
    outlets = _rows(
        tables,
        alias,
        Outlet.objects.all(),
        {q.relayed_by_id for q in quotes} | {q.article.outlet_id for q in quotes},
    )
    # The fields' own cache, as select_related fills it: no descriptor checks per row.
    speaker, event, relayed_by = (
        Quote._meta.get_field(n) for n in ("speaker", "event", "relayed_by")
    )
    outlet = Article._meta.get_field("outlet")
    for quote in quotes:
        speaker.set_cached_value(quote, speakers[quote.speaker_id])
        event.set_cached_value(quote, events.get(quote.event_id))
        relayed_by.set_cached_value(quote, outlets.get(quote.relayed_by_id))
        outlet.set_cached_value(quote.article, outlets.get(quote.article.outlet_id))


NAMES = "speaker-names"  # the held names' key among the tables'
TOO_MANY = frozenset({"\0too many"})  # held in place of names past MAX_HELD: not read again


def speaker_names(alias: str) -> frozenset | None:
    """Every speaker's name and alias lowercased by the database, as the speaker suggestions
    compare them (search.suggest_speakers), held per archive version; None where not held.

    Most searches name no speaker: with the names in memory they send no suggestion query
    (about 2 ms of each first search at 1M quotes, its compiling included). One query reads
    them, once per version and process: 2,000 names and aliases in the 1M-quote corpus.
    """
    tables = _tables(alias)
    if tables is None:
        return None
    names = tables.get(NAMES)
    if names is None:
        from django.db.models.functions import Lower

        from articles.models import Speaker, SpeakerAlias

        def lowered(model):
            return model.objects.using(alias).annotate(n=Lower("name")).values_list("n", flat=True)

        found = list(
            lowered(Speaker).order_by().union(lowered(SpeakerAlias).order_by())[: MAX_HELD + 1]
        )
        names = frozenset(found) if len(found) <= MAX_HELD else TOO_MANY
        tables[NAMES] = names
    return None if names is TOO_MANY else names


def forget() -> None:
    """Drop everything held (tests that rewrite rows under an unchanged version)."""
    _held.clear()


def _tables(alias: str) -> dict | None:
    version = archive_version(alias)
    if version is None:
        return None
    held_version, tables = _held.get(alias, (None, None))
    if tables is None or held_version != version:
        tables = {}
        _held[alias] = (version, tables)
    return tables


def _rows(tables: dict | None, alias: str, queryset, ids: set) -> dict:
    """{pk: row} for ``ids`` (None left out): held ones from memory, the rest in one query."""
    ids.discard(None)
    if tables is None:
        return queryset.using(alias).order_by().in_bulk(ids) if ids else {}
    label = queryset.model._meta.label
    held = tables.get(label)
    if held is None:
        rows = queryset.using(alias).order_by("pk")[: min(WHOLE_TABLE, MAX_HELD)]
        held = tables[label] = {row.pk: row for row in rows}
    missing = [pk for pk in ids if pk not in held]
    if missing:
        if len(held) + len(missing) > MAX_HELD:
            held.clear()
            missing = list(ids)  # this page's rows are read again, with the ones it lacked
        held.update(queryset.using(alias).order_by().in_bulk(missing))
    return held
