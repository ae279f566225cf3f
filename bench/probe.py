"""The benchmark's look inside the database: which URLs to load, and the SQL floor.

Run with DATABASE_URL pointing at a generated corpus:

    python bench/probe.py cases            # JSON: case name -> URLs, search terms, row counts
    python bench/probe.py floor CASES.json # JSON: case name -> SQL-only latencies (PostgreSQL)

The floor runs, as raw SQL in psql, every statement Django sends for one request of the case
(captured once through the test client), and adds up psql's own timing of each (``\\timing``),
so "end-to-end minus floor" is what Django, templates, gunicorn and HTTP add on top of the
database's own work. A request of a case whose words are each asked once is timed as the page
met it, the first time: on a word of the same kind nobody has asked (``first_time_script``).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from articles import statement_local  # noqa: E402
from articles.corpus.words import split_words, vocabulary  # noqa: E402
from articles.models import (  # noqa: E402
    Article,
    Event,
    NegotiationFormat,
    Outlet,
    Party,
    Quote,
    Speaker,
)

# PostgreSQL's and Snowball's English stop words: a search for them finds nothing.
STOP_WORDS = frozenset(
    split_words(
        "i me my myself we our ours ourselves you your yours yourself yourselves he him his "
        "himself she her hers herself it its itself they them their theirs themselves what which "
        "who whom this that these those am is are was were be been being have has had having do "
        "does did doing a an the and but if or because as until while of at by for with about "
        "against between into through during before after above below to from up down in out on "
        "off over under again further then once here there when where why how all any both each "
        "few more most other some such no nor not only own same so than too very s t can will "
        "just don should now"
    )
)
CSV_ROWS = 10_000
# More words than a case's load asks for, so none is asked twice: 400 were fewer than the
# 490-550 requests of six seconds on a fast machine, 1,000 than SQLite's 1,061 rarer words on
# the twentieth session's (bench/run.py warns if it happens).
COLD_SEARCHES = 1_400  # with FLOOR_WORDS, a band of 1,600: every eighth word is the floor's
# Words the floor of such a case asks, each once, among the load's (first_time_script).
FLOOR_WORDS = 200
# Vocabulary ranks of the fixed cases' words (each asked by every load).
RARE_FROM, MID_FROM = 29_000, 1_500
# Vocabulary ranks of the words asked once (mid-frequency and rare), and of those bench/ab.py
# takes past them and the floor's (up to rank 3,232 and 21,613) for its own loads of that kind.
COLD_MID_FROM, FRESH_MID_FROM = 1_600, 3_400
COLD_RARE_FROM, FRESH_RARE_FROM = 20_000, 24_000
FLOOR_BUDGET = 30  # seconds per case, once one URL has been measured


def content_words(start: int, count: int) -> list[str]:
    """``count`` plain, non-stop words from vocabulary rank ``start`` on (by frequency)."""
    words, _ = vocabulary()
    chosen = []
    for word in words[start:]:
        if word not in STOP_WORDS and "-" not in word and len(word) > 2:
            chosen.append(word)
        if len(chosen) == count:
            break
    return chosen


def phrases(count: int) -> list[str]:
    """Two adjacent content words from real generated quotes: phrases that exist."""
    found = []
    for text in Quote.objects.order_by("pk").values_list("text", flat=True)[: count * 40 : 40]:
        words = text.split()
        for a, b in zip(words, words[1:], strict=False):
            if a not in STOP_WORDS and b not in STOP_WORDS and len(a) > 3 and len(b) > 3:
                found.append(f"{a} {b}")
                break
    return found[:count]


def asked_once(start: int) -> tuple[list[str], list[str]]:
    """(COLD_SEARCHES words a load asks once each, FLOOR_WORDS the floor asks once each), from
    vocabulary rank ``start`` on: of every six words in a row the floor takes the last, so
    its words are as frequent as the load's (``first_time_script``)."""
    band = content_words(start, COLD_SEARCHES + FLOOR_WORDS)
    step = len(band) // FLOOR_WORDS
    return (
        [word for i, word in enumerate(band) if i % step != step - 1],
        band[step - 1 :: step],
    )


def quotes_url(**params) -> str:
    return "/quotes/" + ("?" + urlencode(params, doseq=True) if params else "")


def build_cases() -> dict:
    """Fixed query sets, chosen deterministically from the corpus."""
    top_speakers = list(
        Speaker.objects.annotate(n=Count("quotes"))
        .order_by("-n", "slug")
        .values_list("slug", flat=True)[:5]
    )
    top_parties = list(
        Party.objects.annotate(n=Count("speakers__quotes"))
        .order_by("-n", "slug")
        .values_list("slug", flat=True)[:3]
    )
    top_events = list(
        Event.objects.annotate(n=Count("quotes"))
        .order_by("-n", "slug")
        .values_list("slug", flat=True)[:5]
    )
    outlets = list(Outlet.objects.order_by("slug").values_list("slug", flat=True)[:3])
    years = [d.year for d in Quote.objects.dates("said_on", "year")]
    rare, mid = content_words(RARE_FROM, 8), content_words(MID_FROM, 8)
    common = content_words(0, 5)
    # Each asked once: what a search costs before anything it computes is cached.
    unseen, floor_mid = asked_once(COLD_MID_FROM)
    # Rarer words, each asked once too: fewer own matches than the result cap, so a first
    # search also finds and ranks its article tier (search.article_tier_for), which a mid
    # word's matches fill the cap without.
    unseen_rare, floor_rare = asked_once(COLD_RARE_FROM)
    phrase_list = [f'"{p}"' for p in phrases(8)]
    ids = list(Quote.objects.order_by("pk").values_list("pk", flat=True)[::997][:20])
    articles = list(Article.objects.order_by("pk").values_list("slug", flat=True)[::97][:20])
    speakers = list(Speaker.objects.order_by("pk").values_list("slug", flat=True)[::37][:20])
    events = list(Event.objects.order_by("pk").values_list("slug", flat=True)[::13][:20])
    csv_from = (
        Quote.objects.filter(said_on__isnull=False)
        .order_by("-said_on", "-pk")
        .values_list("said_on", flat=True)[min(CSV_ROWS, Quote.objects.count()) - 1]
    )
    year = years[len(years) // 2] if years else 2020

    def search(terms, **extra):
        return {
            "terms": terms,
            "paths": [quotes_url(q=t, **extra) for t in terms],
            "filters": extra,
        }

    cases = {
        "search rare word": search(rare),
        "search mid word": search(mid),
        "search common word": search(common),
        "search phrase": search(phrase_list),
        "search + filters": search(mid, party=top_parties[0], date_from=str(year)),
        # fresh_from: where bench/ab.py takes unasked words of the same kind, past these.
        "search new mid word": {
            **search(unseen),
            "cold": True,
            "fresh_from": FRESH_MID_FROM,
            "floor_terms": floor_mid,
        },
        "search new rare word": {
            **search(unseen_rare),
            "cold": True,
            "fresh_from": FRESH_RARE_FROM,
            "floor_terms": floor_rare,
        },
        "list page 1": {"paths": [quotes_url()]},
        "list by speaker": {"paths": [quotes_url(speaker=s) for s in top_speakers]},
        "list by party": {"paths": [quotes_url(party=p) for p in top_parties]},
        "list by event": {"paths": [quotes_url(event=e) for e in top_events]},
        "list by format": {"paths": [quotes_url(format=f) for f in NegotiationFormat.values]},
        "list by kind": {"paths": [quotes_url(kind=k) for k in Quote.Kind.values]},
        "list by outlet": {"paths": [quotes_url(outlet=o) for o in outlets]},
        "list by dates": {
            "paths": [quotes_url(date_from=f"{y}-03", date_to=f"{y}-05") for y in years[1:6]]
        },
        "detail quote": {"paths": [f"/quotes/{pk}/" for pk in ids]},
        "detail speaker": {"paths": [f"/speakers/{s}/" for s in speakers]},
        "detail event": {"paths": [f"/events/{e}/" for e in events]},
        # The most quoted: their pages hold the longest side lists (a speaker page once listed
        # all 496 events of its speaker, 110 ms), which a spread of typical ones never meets.
        "detail top speaker": {"paths": [f"/speakers/{s}/" for s in top_speakers]},
        "detail top event": {"paths": [f"/events/{e}/" for e in top_events]},
        "detail article": {"paths": [f"/articles/{a}/" for a in articles]},
        "csv 10k rows": {
            "paths": ["/quotes.csv?" + urlencode({"date_from": csv_from.isoformat()})]
        },
    }
    for name, case in cases.items():
        case["group"] = name.split()[0]
    # How many rows each search matches, so the table says what "rare" and "common" mean here.
    for case in cases.values():
        if case["group"] == "search":
            counts = [
                Quote.objects.search(t).filter(**_orm_filters(case["filters"])).count()
                for t in case["terms"]
            ]
            case["matches"] = int(statistics.median(counts))
    return cases


def _orm_filters(filters: dict) -> dict:
    orm = {}
    if "party" in filters:
        orm["speaker__party__slug"] = filters["party"]
    if "date_from" in filters:
        orm["said_on__year__gte"] = int(filters["date_from"][:4])
    return orm


DECLARE = re.compile(r"^DECLARE \S+ NO SCROLL CURSOR WITH(?:OUT)? HOLD FOR ", re.I)


def captured_sql(path: str, *, warm: bool = True) -> list[str]:
    """Every SQL statement one request for ``path`` sends once caches are warm, as text.

    The first request fills what the page caches (facet counts left to a background count);
    the second, captured one is the steady state the load test measures. For a case whose
    searches are each asked once (``warm=False``) a first request is the one captured: the
    load has asked those words already, so it is made with nothing kept (``nothing_kept``).
    """
    client = Client()
    if not warm:
        with nothing_kept():
            return _statements(client, path)
    _get(client, path)
    _join_background_counts()
    return _statements(client, path)


def _statements(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        _get(client, path)
    return read_statements(query["sql"] for query in captured.captured_queries)


def read_statements(sent) -> list[str]:
    """Of the SQL a request sent, the statements that read, as a replay runs them."""
    statements = []
    for query in sent:
        sql = DECLARE.sub("", query)
        _, body = statement_local.split(sql)  # a count sent with its own time budget
        if re.match(r"^\s*(SELECT|WITH)\b", body, re.I) and "pg_current_snapshot" not in body:
            statements.append(sql)
    return statements


def _join_background_counts() -> None:
    try:
        from articles import facet_counts
    except ImportError:
        return
    for thread in list(facet_counts._threads):
        thread.join(timeout=60)


@contextmanager
def nothing_kept():
    """Requests made inside see none of what earlier requests kept, and leave none behind.

    The shared cache gets a key prefix nobody else uses, so every lookup misses as on a first
    visit, and still costs its query; each process's own cache starts empty. The values those
    requests keep, their background counts' included, are deleted afterwards. Without this,
    the floor of a first search was captured after the load had asked its words: most of its
    requests read their ranked ids and facet counts back (p50 1.6 ms against the page's 27).
    """
    prefix = f"parley-floor-{uuid.uuid4().hex}"
    fresh = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": prefix},
        "process": {**settings.CACHES.get("process", {}), "LOCATION": prefix},
    }
    try:
        with override_settings(CACHES={**settings.CACHES, **fresh}):
            shared = caches["default"]
            if hasattr(shared, "_writes"):
                # A new instance would count the table before its first write, as a worker's
                # does on one write in 50 (cache_backend.CULL_EVERY): 8.8 ms of a floor here.
                shared._writes = itertools.count(1)
            yield
            _join_background_counts()
    finally:
        table = settings.CACHES["default"].get("LOCATION", "")
        if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {connection.ops.quote_name(table)} WHERE cache_key LIKE %s",
                    [prefix + ":%"],
                )


def _get(client, path: str):
    response = client.get(path)
    b"".join(response) if response.streaming else response.content
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code} in the probe")
    return response


TIMEOUT = re.compile(r"set_config\('statement_timeout', '(\d+)', true\)")
JOIN_ORDER = "set_config('join_collapse_limit', '1', true)"


# psql prints this line between two requests' statements in a floor script.
REQUEST_MARK = "@@parley-request"
PSQL_TIME = re.compile(r"^Time: ([0-9.]+) ms", re.M)
# The one error a replay expects: a page's own budget cancelling a count, as on the page.
CANCELLED = "canceling statement due to statement timeout"


def request_script(statements: list[str]) -> list[str]:
    """One request's statements as psql input, run as the page ran them, time budgets included.

    A page that counts within a budget sends each counting query with its own
    ``statement_timeout`` (``SET LOCAL`` in front of it), or in a transaction sets one before
    them, and leaves out the ones that run out of time; the script applies the same timeout to
    the same statements, and psql, like the page, goes on to the next. Each setting is set for
    its statement and reset after it, outside any transaction. In BEGIN ... COMMIT blocks, one full
    run stopped on three statements in a row failing as "current transaction is aborted": a
    block left open, most likely by a budget of a few ms running out on its COMMIT. In
    autocommit a cancel ends only the statement it cancels.
    """
    lines = []
    timeout = None
    fixed_joins = False  # the next row query runs with join_collapse_limit = 1 (querysets.py)
    for sql in statements:
        match = TIMEOUT.search(sql)
        if match:
            timeout = int(match.group(1))
            continue
        if JOIN_ORDER in sql:
            fixed_joins = True
            continue
        own, sql = statement_local.split(sql)  # sent with settings of its own
        if timeout is not None:
            own.setdefault("statement_timeout", str(timeout))
        if fixed_joins:
            own.setdefault("join_collapse_limit", "1")
            fixed_joins = False
        before = [f"SET {name} = {value};" for name, value in own.items()]
        after = [f"RESET {name};" for name in own]
        lines += [*before, f"{sql};", *after]
    return lines


def floor_script(statements: list[str], repeat: int) -> str:
    """psql input that runs one request's statements ``repeat`` times, timing each statement
    and throwing the rows away (they are fetched, as the page fetched them).

    A first, untimed run comes before the first mark: psql opens a new connection, whose first
    statements fill its catalog caches (about 2 ms of a 0.4 ms search in the smoke run), where
    a gunicorn worker's connection has long been open.
    """
    request = request_script(statements)
    return _psql_input(request, [request] * repeat)


def first_time_script(statements: list[str], term: str, others: list[str]) -> str:
    """psql input that times one request's statements once for each word of ``others``, each
    standing in for ``term`` in its search: the SQL of a first search, on data not yet read.

    A page of a case whose words are each asked once reads what no request has read: its
    word's index entries and rows come from the operating system's cache, or the disk, not
    from PostgreSQL's buffers. A replay of its own statements (``floor_script``) runs on what
    the page, and the untimed run before it, have just read: 9.6 ms where the page's reads
    took 13.2 (bench/first_search.py, 80 words at 1M quotes). Another word nobody has asked
    is read for the first time in the floor too. The statements that name rows by id (the
    page's rows, its highlights) keep ``term``'s ids, which its own search has just read, as
    the page's search read its rows before fetching them. An article tier's quotes are not
    among those: the page reads them first by their articles, which its own search found
    just before, so the floor does the same for ``other`` (``asking``). The untimed run is
    ``term``'s own, for the new connection's catalog caches.
    """
    request = request_script(statements)
    return _psql_input(request, [asking(request, term, other) for other in others])


def _psql_input(untimed: list[str], requests: list[list[str]]) -> str:
    """psql input: ``untimed`` run first, then each request after its mark, each statement
    timed and its rows fetched and thrown away."""
    lines = ["\\set ON_ERROR_STOP off", "\\timing on", "\\o /dev/null", *untimed]
    for request in requests:
        lines += [f"\\echo {REQUEST_MARK}", *request]
    return "\n".join(lines) + "\n"


def asking(lines: list[str], term: str, other: str) -> list[str]:
    """SQL ``lines`` with the search text of ``other`` where they search for ``term``, and
    ``other``'s article tier where they name ``term``'s (``_tier_asking``)."""
    from psycopg.sql import Literal

    from articles.search_query import parse_query

    old, new = (Literal(parse_query(word).websearch()).as_string() for word in (term, other))
    asked = [line.replace(old, new) for line in lines]
    if asked == lines:
        raise SystemExit(f"the floor found no search for {term!r} in the SQL of its page")
    return _tier_asking(asked, new)


# An article tier's ids as the page sends them (search._TierArticles: one array literal).
TIER_IDS = re.compile(r"'\{[0-9,]*\}'(?=::bigint\[\])")
# The statement that finds a search's tier articles (search.article_tier_for), as psql input.
TIER_ARTICLES = re.compile(
    r'^(SELECT "articles_article"\."id" AS "pk" FROM "articles_article" WHERE .* LIMIT (\d+));$'
)
TIER_VARIABLE = "parley_tier"


def _tier_asking(lines: list[str], searched: str) -> list[str]:
    """``lines`` (already searching for the text ``searched``) with the tier's ids found by
    their own statement, as the page found them, instead of the ids of the page's word.

    The page reads its tier's quotes for the first time (5-24 ms for a rarer word at 1M
    quotes, against under 1 ms run again at once), so timing them on the page's ids, which
    the floor's untimed run had just read, put a warm read in a first search's floor. psql
    keeps what the tier statement found (``\\gset``, empty where it found more than the page
    keeps, or ran out of its budget, as the page then leaves the tier out) and the statements
    that name the tier use it.
    """
    if not any(TIER_IDS.search(line) for line in lines):
        return lines
    finding = [
        (i, match)
        for i, line in enumerate(lines)
        if (match := TIER_ARTICLES.match(line)) and searched in match.group(1)
    ]
    if len(finding) != 1:
        raise SystemExit("the floor found an article tier but not the one search that finds it")
    ((i, match),) = finding
    sql, limit = match.groups()
    found = (
        f"SELECT CASE WHEN count(*) >= {limit} THEN '{{}}' ELSE coalesce(array_agg(t.pk), "
        f"'{{}}') END AS {TIER_VARIABLE} FROM ({sql}) AS t \\gset"
    )
    named = [TIER_IDS.sub(f":'{TIER_VARIABLE}'", line) for line in lines]
    return [*named[:i], f"\\set {TIER_VARIABLE} '{{}}'", found, *named[i + 1 :]]


def request_timings(output: str) -> list[float]:
    """Each request's SQL time in ms: the sum of psql's \\timing lines after each mark."""
    return [
        sum(float(ms) for ms in PSQL_TIME.findall(part))
        for part in output.split(REQUEST_MARK + "\n")[1:]
    ]


def run_psql(conninfo: str, script: str) -> list[float]:
    """Run a floor script in psql; stop on any error but a page's own budget running out."""
    done = subprocess.run(
        ["psql", "-X", "-q", "-d", conninfo, "-f", "-"],
        input=script,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [
        line for line in done.stderr.splitlines() if "ERROR" in line and CANCELLED not in line
    ]
    if done.returncode or errors:
        raise SystemExit(f"psql failed replaying the floor (exit {done.returncode}): {errors}")
    return request_timings(done.stdout)


def psql_conninfo() -> str:
    """Django's connection settings as a libpq connection string for psql."""
    from psycopg.conninfo import make_conninfo

    keys = ("host", "port", "dbname", "user", "password", "sslmode", "options")
    params = connection.get_connection_params()
    return make_conninfo(**{k: str(v) for k, v in params.items() if k in keys and v})


def floor(cases: dict, repeat: int) -> dict:
    """Latency of each case's SQL alone, page by page, run as raw SQL in psql.

    Each case gets at most FLOOR_BUDGET seconds once its first URL has been measured, so a
    page that takes seconds at a million quotes bounds the run instead of dominating it.

    A case whose words are each asked once (``cold``) is timed on words nobody has asked, one
    request each, as the page was (``first_time_script``); ``replayed_ms`` holds its own
    statements run again ``repeat`` times, as the floor of every other case is.
    """
    conninfo = psql_conninfo()
    results = {}
    for name, case in cases.items():
        deadline = time.perf_counter() + FLOOR_BUDGET
        timings, replayed, query_counts = [], [], []
        cold = case.get("cold")
        unasked = iter(case.get("floor_terms", ()))
        for path, term in zip(case["paths"], case.get("terms") or case["paths"], strict=True):
            if timings and time.perf_counter() > deadline:
                break
            others = list(itertools.islice(unasked, 1)) if cold else []
            if cold and not others:
                break  # every word the floor may ask once is asked
            statements = captured_sql(path, warm=not cold)
            query_counts.append(len(statements))
            again = run_psql(conninfo, floor_script(statements, repeat))
            if cold:
                timings += run_psql(conninfo, first_time_script(statements, term, others))
                replayed += again
            else:
                timings += again
        results[name] = {
            "latencies_ms": timings,
            "queries": statistics.median(query_counts),
            **({"replayed_ms": replayed} if replayed else {}),
        }
    return results


def main(argv: list[str]) -> None:
    if argv[:1] == ["cases"]:
        json.dump(build_cases(), sys.stdout, indent=1, default=str)
    elif argv[:1] == ["floor"] and len(argv) >= 2:
        if connection.vendor != "postgresql":
            raise SystemExit("The SQL floor is measured on PostgreSQL only.")
        cases = json.loads(Path(argv[1]).read_text())
        repeat = int(argv[2]) if len(argv) > 2 else 10
        json.dump(floor(cases, repeat), sys.stdout)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
