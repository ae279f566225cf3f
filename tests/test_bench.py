"""The benchmark harness's own logic: percentiles, Datasette URLs, Next links, the table."""

import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import loadgen  # noqa: E402
import report  # noqa: E402
import run  # noqa: E402


def test_percentiles_are_nearest_rank():
    ordered = [float(n) for n in range(1, 101)]

    assert loadgen.percentiles(ordered, (50, 95, 99)) == [50.0, 95.0, 99.0]
    assert loadgen.percentiles([7.0], (50, 99)) == [7.0, 7.0]
    assert all(math.isnan(p) for p in loadgen.percentiles([], (50, 95)))


def test_result_from_latencies():
    result = loadgen.Result.from_latencies([30.0, 10.0, 20.0, 40.0], seconds=2.0, errors=1)

    assert (result.requests, result.p50, result.p95, result.errors) == (4, 20.0, 40.0, 1)
    assert result.rps == 2.0


def test_datasette_urls_ask_for_the_same_search_and_filters():
    case = {
        "group": "search",
        "terms": ["treaty", '"security guarantees"'],
        "filters": {"party": "gen-france", "party_name": "France", "date_from": "2021"},
    }

    assert run.datasette_paths(case) == [
        "/corpus/quotes?_search=treaty&_size=20&party=France&said_on__gte=2021-01-01",
        "/corpus/quotes?_search=%22security+guarantees%22&_size=20&_searchmode=raw"
        "&party=France&said_on__gte=2021-01-01",
    ]
    assert run.datasette_paths({"group": "list", "paths": ["/quotes/"]}) is None


def test_next_link_is_read_from_the_page_and_unescaped():
    page = '<nav><a rel="next" href="?q=treaty&amp;after=2021-03-04.812">Next →</a></nav>'

    match = run.NEXT_LINK.search(page)

    assert match.group(1) == "?q=treaty&amp;after=2021-03-04.812"
    assert run.urljoin("/quotes/?q=treaty", run.html.unescape(match.group(1))) == (
        "/quotes/?q=treaty&after=2021-03-04.812"
    )


def test_table_marks_targets_and_compares_on_the_same_corpus():
    R = loadgen.Result
    cases = {
        "search rare word": {"group": "search", "matches": 12},
        "list page 1": {"group": "list"},
    }
    results = {
        ("pg", "search rare word"): R(100, 10, 20.0, 45.0, 60.0, 0),
        ("sqlite", "search rare word"): R(100, 10, 30.0, 80.0, 90.0, 0),
        ("datasette", "search rare word"): R(100, 10, 10.0, 40.0, 50.0, 0),
        ("pg", "list page 1"): R(100, 10, 25.0, 31.0, 40.0, 0),
    }
    floors = {"list page 1": R(10, 0.05, 5.0, 6.0, 7.0, 0)}

    text = report.table(
        cases, results, floors, {"PostgreSQL": 1000, "SQLite": 100, "Datasette": 100}
    )
    rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in text.splitlines()}

    assert "SQLite/Datasette p95" in text
    search = rows["search rare word"]
    assert search[-3:] == ["≤ 50", "yes", "NO |"]
    assert "2.00" in search  # SQLite 80 ms over Datasette 40 ms
    listing = rows["list page 1"]
    assert listing[-3:] == ["≤ 30", "NO", "– |"]
    assert "20.0" in listing  # PG 25 ms minus floor 5 ms
    # p50, p95, p99 and requests/s for each of PostgreSQL, SQLite, Datasette and the floor.
    head = text.splitlines()[0]
    for label in ("PG", "SQLite", "Datasette", "floor"):
        assert f"| {label} p50 | {label} p95 | {label} p99 | {label} req/s |" in head
    assert search[3:19] == [
        *["20.0", "45.0", "60.0", "10"],
        *["30.0", "80.0", "90.0", "10"],
        *["10.0", "40.0", "50.0", "10"],
        *["–"] * 4,
    ]
    assert listing[15:19] == ["5.0", "6.0", "7.0", "200"]  # 10 requests in 0.05 s

    # Datasette on PostgreSQL's corpus: PostgreSQL is the one compared, SQLite's size aside.
    same = report.table(
        cases, results, floors, {"PostgreSQL": 1000, "SQLite": 100, "Datasette": 1000}
    )
    assert "PG/Datasette p95" in same
    same_rows = {line.split(" | ")[0].strip("| "): line.split(" | ") for line in same.splitlines()}
    assert "1.12" in same_rows["search rare word"]  # PG 45 ms over Datasette 40 ms
    assert "2.00" not in same_rows["search rare word"]

    # Datasette on a corpus of its own: no ratio, rather than one across two corpora.
    apart = report.table(
        cases, results, floors, {"PostgreSQL": 1000, "SQLite": 100, "Datasette": 500}
    )
    assert "Parley/Datasette (not the same corpus) p95" in apart
    apart_rows = {
        line.split(" | ")[0].strip("| "): line.split(" | ") for line in apart.splitlines()
    }
    assert apart_rows["search rare word"][20] == "–"

    # A first search's floor is timed on unasked words; its own SQL replayed is said below.
    again = {"search rare word": R(30, 0.1, 3.0, 4.5, 5.0, 0)}
    footer = report.table(cases, results, floors, {"PostgreSQL": 1000}, again).splitlines()[-1]
    assert footer.startswith("The same requests' SQL replayed at once")
    assert "search rare word p50 3.0, p95 4.5." in footer
    assert "replayed" not in text and "Asked again" not in text

    # A load that asked a word twice says so: those requests were not first searches.
    results[("pg", "search rare word")].asked_again = 12
    repeated = report.table(cases, results, floors, {"PostgreSQL": 1000})
    assert "Asked again (more requests than words to ask once, so not first searches): " in (
        repeated
    )
    assert "pg search rare word: 12 of 100." in repeated


def test_trim_keeps_every_path_of_a_case_asked_once():
    cases = {
        "search mid word": {"paths": [f"/q{i}" for i in range(10)], "terms": list("abcdefghij")},
        "search new mid word": {"paths": [f"/n{i}" for i in range(10)], "cold": True},
    }
    trimmed = run.trim(cases, 6)
    assert trimmed["search mid word"]["paths"] == [f"/q{i}" for i in range(6)]
    assert trimmed["search mid word"]["terms"] == list("abcdef")
    assert len(trimmed["search new mid word"]["paths"]) == 10


def test_a_floor_script_runs_each_request_as_the_page_did():
    import probe

    statements = [
        "SELECT 1",
        "SELECT set_config('statement_timeout', '25', true)",
        "SELECT count(*) FROM t",
        "SELECT set_config('join_collapse_limit', '1', true)",
        "SELECT * FROM t JOIN u ON true",
    ]

    # No transaction blocks: a cancelled statement (or a cancelled COMMIT) cannot leave the
    # next statements in an aborted transaction.
    assert probe.request_script(statements) == [
        "SELECT 1;",
        "SET statement_timeout = 25;",
        "SELECT count(*) FROM t;",
        "RESET statement_timeout;",
        "SET statement_timeout = 25;",
        "SET join_collapse_limit = 1;",
        "SELECT * FROM t JOIN u ON true;",
        "RESET statement_timeout;",
        "RESET join_collapse_limit;",
    ]
    # Outside a transaction the page sends each setting in front of its statement, for it alone.
    assert probe.request_script(
        [
            "SET LOCAL statement_timeout = 19; WITH m AS (SELECT 1) SELECT * FROM m",
            "SET LOCAL join_collapse_limit = 1; SELECT * FROM t JOIN u ON true",
            "SELECT 2",
        ]
    ) == [
        "SET statement_timeout = 19;",
        "WITH m AS (SELECT 1) SELECT * FROM m;",
        "RESET statement_timeout;",
        "SET join_collapse_limit = 1;",
        "SELECT * FROM t JOIN u ON true;",
        "RESET join_collapse_limit;",
        "SELECT 2;",
    ]
    # One untimed run on the new connection, then two timed ones, each after its mark.
    script = probe.floor_script(["SELECT 1"], 2)
    mark = f"\\echo {probe.REQUEST_MARK}"
    assert script.splitlines() == [
        *["\\set ON_ERROR_STOP off", "\\timing on", "\\o /dev/null", "SELECT 1;"],
        *[mark, "SELECT 1;", mark, "SELECT 1;"],
    ]


def test_a_first_searchs_floor_asks_another_word_once_in_each_search_of_its_sql():
    import probe

    statements = [
        "SELECT CAST(token AS text) FROM parley_archive_version",
        "SELECT id FROM q WHERE v @@ websearch_to_tsquery('english'::regconfig, '\"treaty\"')",
        "SELECT * FROM q WHERE id IN (7, 9)",
        "SET LOCAL statement_timeout = 19; SELECT id FROM a WHERE v @@ "
        "websearch_to_tsquery('english'::regconfig, '\"treaty\"')",
    ]
    script = probe.first_time_script(statements, "treaty", ["summit", "o'neill"]).splitlines()
    mark = f"\\echo {probe.REQUEST_MARK}"
    untimed, first, second = "\n".join(script).split(mark)

    # The untimed run is the page's own request, for the new connection's catalog caches.
    assert untimed.count("'\"treaty\"'") == 2
    # Each timed request searches for one word nobody asked, once; its rows by id are kept.
    for request, word in ((first, "'\"summit\"'"), (second, "'\"o''neill\"'")):
        assert "treaty" not in request
        assert request.count(word) == 2
        assert "SELECT * FROM q WHERE id IN (7, 9);" in request
        assert "SET statement_timeout = 19;" in request
    assert script.count(mark) == 2

    # SQL that does not search for the term would be timed warm: it stops the run instead.
    with pytest.raises(SystemExit, match="no search for 'treaty'"):
        probe.first_time_script(statements[:1], "treaty", ["summit"])


def test_a_first_searchs_floor_reads_the_article_tier_the_other_word_finds():
    import probe

    search = "websearch_to_tsquery('english'::regconfig, '\"treaty\"')"
    tier = '"articles_quote"."article_id" = ANY(\'{4,8,15}\'::bigint[])'
    statements = [
        f"SELECT id FROM q WHERE v @@ {search}",
        'SET LOCAL statement_timeout = 19; SELECT "articles_article"."id" AS "pk" FROM '
        f'"articles_article" WHERE "articles_article"."search_vector" @@ ({search}) '
        "LIMIT 1001",
        f'SELECT "articles_quote"."id" AS "pk" FROM "articles_quote" WHERE {tier} LIMIT 1020',
        f'WITH m AS (SELECT kind FROM "articles_quote" WHERE (v @@ {search} OR {tier})) SELECT 1',
        "SELECT * FROM q WHERE id = ANY('{16,23}'::int4[])",
    ]
    script = probe.first_time_script(statements, "treaty", ["summit"])
    untimed, timed = script.split(f"\\echo {probe.REQUEST_MARK}\n")

    # The page's own run keeps its ids; the other word's finds its tier, as the page found its
    # own, and reads its quotes and their facets by it; the page's rows by id stay the page's.
    assert untimed.count("'{4,8,15}'") == 2
    lines = timed.splitlines()
    finding = lines.index("\\set parley_tier '{}'")
    assert lines[finding - 1 : finding + 3] == [
        "SET statement_timeout = 19;",
        "\\set parley_tier '{}'",
        "SELECT CASE WHEN count(*) >= 1001 THEN '{}' ELSE coalesce(array_agg(t.pk), '{}') END "
        'AS parley_tier FROM (SELECT "articles_article"."id" AS "pk" FROM '
        '"articles_article" WHERE "articles_article"."search_vector" @@ '
        "(websearch_to_tsquery('english'::regconfig, '\"summit\"')) LIMIT 1001) AS t \\gset",
        "RESET statement_timeout;",
    ]
    assert "'{4,8,15}'" not in timed
    assert timed.count("ANY(:'parley_tier'::bigint[])") == 2
    assert "SELECT * FROM q WHERE id = ANY('{16,23}'::int4[]);" in lines

    # A tier named with no statement that finds it cannot be timed as the page met it.
    with pytest.raises(SystemExit, match="not the one search that finds it"):
        probe.first_time_script(statements[:1] + statements[2:], "treaty", ["summit"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor is measured on PostgreSQL")
def test_a_first_searchs_floor_of_an_article_tier_runs_in_psql(db):
    import probe

    # psql itself: the found tier's ids are what the statements naming it read.
    script = "\n".join(
        [
            "\\set parley_tier '{}'",
            "SELECT CASE WHEN count(*) >= 3 THEN '{}' ELSE coalesce(array_agg(t.pk), '{}') END "
            "AS parley_tier FROM (SELECT id AS pk FROM generate_series(7, 8) AS id) AS t \\gset",
            "\\echo found :parley_tier",
            "SELECT count(*) FROM unnest(:'parley_tier'::bigint[]);",
        ]
    )
    done = subprocess.run(
        ["psql", "-X", "-q", "-At", "-d", probe.psql_conninfo(), "-f", "-"],
        input=script,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["found", "{7,8}", "2"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor is measured on PostgreSQL")
def test_a_first_searchs_floor_is_timed_once_on_each_word_nobody_asked(archive, monkeypatch):
    import probe
    from django.test import Client

    probe._get(Client(), probe.quotes_url())  # the process holds its speakers, events, outlets
    scripts = []
    run_psql = probe.run_psql

    def recorded(conninfo, script):
        scripts.append(script)
        return run_psql(conninfo, script)

    monkeypatch.setattr(probe, "run_psql", recorded)
    case = {
        "paths": [probe.quotes_url(q="security"), probe.quotes_url(q="guarantees")],
        "terms": ["security", "guarantees"],
        "cold": True,
        "floor_terms": ["NATO"],
    }
    floor = probe.floor({"new word": case}, 3)["new word"]

    # One word for the floor: the first path only, timed once on it, and replayed three times.
    assert len(floor["latencies_ms"]) == 1
    assert len(floor["replayed_ms"]) == 3
    replay, first_time = scripts
    assert "'\"security\"'" in replay and "'\"NATO\"'" not in replay
    timed = first_time.split(probe.REQUEST_MARK)[1]
    assert "'\"NATO\"'" in timed and "'\"security\"'" not in timed
    assert floor["latencies_ms"][0] > 0

    # Every other case is its own SQL replayed: no replayed_ms of its own.
    warm = probe.floor({"list": {"paths": [probe.quotes_url()]}}, 2)["list"]
    assert len(warm["latencies_ms"]) == 2 and "replayed_ms" not in warm


def test_floor_timings_add_up_each_requests_statements():
    import probe

    output = (
        "Time: 0.500 ms\n"  # before the first mark: not a request's
        f"{probe.REQUEST_MARK}\nTime: 1.250 ms\nTime: 2.000 ms\n"
        f"{probe.REQUEST_MARK}\nTime: 1500.125 ms (00:01.500)\n"
    )

    assert probe.request_timings(output) == [3.25, 1500.125]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor is measured on PostgreSQL")
def test_the_floor_runs_in_psql_past_a_pages_own_budget_but_stops_on_errors(db):
    import probe

    conninfo = probe.psql_conninfo()
    # The connection's own settings go with it, as with Django's (archive/settings.py).
    assert "effective_io_concurrency" in conninfo
    # The page's budget cancels the sleep, as it would cancel a count, and the request goes on:
    # each of the three requests is timed, the sleep's 25 ms included.
    statements = [
        "SELECT set_config('statement_timeout', '25', true)",
        "SELECT pg_sleep(1)",
        "SELECT 2",
    ]
    timings = probe.run_psql(conninfo, probe.floor_script(statements, 3))
    assert len(timings) == 3
    assert all(25 <= ms < 900 for ms in timings)

    with pytest.raises(SystemExit, match="division by zero"):
        probe.run_psql(conninfo, probe.floor_script(["SELECT 1 / 0"], 1))


def test_an_empty_database_counts_as_not_generated_but_a_broken_setup_stops(tmp_path):
    import prepare

    # A new SQLite file has no tables yet: nothing generated, so the run may generate.
    assert prepare.generated_size(f"sqlite:///{tmp_path / 'new.sqlite3'}") is None
    # Production settings without their secret: counting fails for another reason, and the
    # run must stop rather than drop a 1M-quote database it could not count.
    broken = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "", "DJANGO_ALLOWED_HOSTS": ""}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in broken.items():
            patch.setenv(name, value)
        with pytest.raises(RuntimeError, match="DJANGO_SECRET_KEY"):
            prepare.generated_size(f"sqlite:///{tmp_path / 'other.sqlite3'}")


def test_datasette_serves_the_corpus_postgresql_serves_unless_told_otherwise():
    full = run.parse_args(["--quotes", "1000000", "--sqlite-quotes", "100000"])
    assert (full.quotes, full.sqlite_quotes, full.datasette_quotes) == (
        1_000_000,
        100_000,
        1_000_000,
    )

    smoke = run.parse_args(["--smoke"])
    assert (smoke.quotes, smoke.sqlite_quotes, smoke.datasette_quotes) == (20_000, 20_000, 20_000)
    assert smoke.pg_database == "parley_bench_smoke"

    apart = run.parse_args(["--sqlite-quotes", "100000", "--datasette-quotes", "100000"])
    assert (apart.quotes, apart.datasette_quotes) == (1_000_000, 100_000)


def test_the_bench_watches_the_lock_the_site_counts_under():
    from articles import facet_counts

    assert run.COUNTING_LOCK == facet_counts.BACKGROUND_LOCK


@pytest.mark.skipif(connection.vendor != "postgresql", reason="background counts: PostgreSQL")
def test_settling_waits_while_the_counting_lock_is_held(db):
    import threading

    import psycopg

    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    held = threading.Event()

    def hold_for_a_while():
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("SELECT pg_advisory_lock(%s)", [run.COUNTING_LOCK])
            held.set()
            # Idle while holding it, as a counting thread resting between two counts.
            threading.Event().wait(0.8)

    holder = threading.Thread(target=hold_for_a_while)
    holder.start()
    held.wait(5)
    waited = run.settle(url, most=10)
    holder.join()
    assert 0.8 <= waited < 5
    assert run.settle(url, most=10) < 0.8  # nothing held or running: two idle looks


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the floor is measured on PostgreSQL")
def test_a_first_searchs_floor_is_a_first_request_even_after_the_word_was_asked(archive):
    import re

    import probe
    from django.test import Client

    client = Client()
    probe._get(client, probe.quotes_url())  # the process holds its speakers, events, outlets
    path = probe.quotes_url(q="security")
    first = probe._statements(client, path)
    warm = probe.captured_sql(path)
    cold = probe.captured_sql(path, warm=False)

    # The load asked the word before the floor is measured: a warm capture reads back what the
    # first request kept and skips its ranking; the cold capture sends what the first one sent.
    def ranks(statements):
        return [sql for sql in statements if "ts_rank" in sql or "<=>" in sql]

    assert ranks(first) and not ranks(warm)
    # Not the cache's count of its rows either, which a worker makes on one write in 50.
    assert [re.sub(r"parley-floor-[0-9a-f]{32}", "", sql) for sql in cold] == first
    # It leaves nothing behind, and what the first request kept is still there.
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM parley_cache")
        keys = [key for (key,) in cursor.fetchall()]
    assert keys and not [key for key in keys if "parley-floor-" in key]
    assert probe.captured_sql(path) == warm


def test_first_search_plain_times_only_the_page_and_its_sql(archive):
    import re

    import first_search
    from django.test import Client

    from tests.caches import clear_caches

    clear_caches()
    done = first_search.plain_searches(Client(), ["guarantees", "Russia NATO"])
    assert len(done) == 2
    assert all(0 < sql < page for page, sql in done)
    (line,) = first_search.plain_report(done)
    figures = re.fullmatch(
        r"2 first searches, only their statements timed: page p50 ([\d.]+) ms, SQL p50 "
        r"[\d.]+ ms, the rest \(Python\) p50 [\d.]+ ms, mean ([\d.]+) ms",
        line,
    )
    assert figures
    mean_python = sum(page - sql for page, sql in done) / 2
    assert float(figures[2]) == pytest.approx(mean_python, abs=0.06)


def test_words_asked_once_are_past_the_fixed_cases_and_before_abs_own():
    import probe

    words, _ = probe.vocabulary()
    rank = {word: i for i, word in enumerate(words)}
    fixed = {*probe.content_words(probe.RARE_FROM, 8), *probe.content_words(probe.MID_FROM, 8)}
    for start, fresh in (
        (probe.COLD_MID_FROM, probe.FRESH_MID_FROM),
        (probe.COLD_RARE_FROM, probe.FRESH_RARE_FROM),
    ):
        asked, floor = probe.asked_once(start)
        assert len(set(asked)) == probe.COLD_SEARCHES
        assert len(set(floor)) == probe.FLOOR_WORDS
        assert not fixed & set(asked) and not (set(asked) | fixed) & set(floor)
        # The floor's words are spread among the load's: as frequent, not a rarer tail.
        assert rank[floor[0]] < rank[asked[10]] and rank[floor[-1]] > rank[asked[-10]]
        # bench/ab.py's loads of the same kind start past them: none is asked twice.
        assert max(rank[word] for word in asked + floor) < fresh


def test_each_client_of_a_load_asks_its_own_share_of_the_paths():
    import loadgen

    paths = [f"/q?q={i}" for i in range(7)]
    shares = [loadgen.share(paths, i, 2) for i in range(2)]
    assert shares == [paths[0::2], paths[1::2]]
    # One URL (the list's first page): every client asks it.
    assert [loadgen.share(["/quotes/"], i, 2) for i in range(2)] == [["/quotes/"]] * 2


@pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")
def test_wrks_threads_ask_disjoint_shares_of_the_paths(tmp_path):
    """Each thread of wrk once started at the same path: a word to ask once was asked twice."""
    import http.server
    import threading

    import loadgen

    asked = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    paths = [f"/w{i}" for i in range(50_000)]
    try:
        result = loadgen.run(
            server.server_address[1], paths, seconds=1, connections=2, loader="wrk"
        )
    finally:
        server.shutdown()
    assert result.requests > 10
    # Fewer requests than paths: no path asked twice, both threads' shares asked.
    assert len(set(asked)) == len(asked)
    numbers = {int(path[2:]) for path in asked}
    assert {n % 2 for n in numbers} == {0, 1}


def test_first_search_profile_times_each_part_of_a_first_search(archive):
    import re

    import first_search
    from django.test import Client

    from tests.caches import clear_caches

    clear_caches()
    client = Client()
    done = first_search.first_searches(client, ["guarantees", "Russia NATO"])

    assert [s.word for s in done] == ["guarantees", "Russia NATO"]
    for s in done:
        # Every part ran in the page, and took some of its time: none can take all of it.
        assert set(s.parts) == {label for _, _, label in first_search.PARTS}, s.parts
        assert all(0 < ms < s.ms for ms in s.parts.values()) and 0 < s.sql_ms < s.ms
        assert s.queries > 0 and s.facets_counted
    # The slowest searches' lines: the statements of their own and those their articles add.
    assert first_search.matches("Russia NATO") == (15, 37)
    lines = first_search.report(done, slowest=2)
    assert lines[0].startswith("2 first searches: p50 ")
    assert "facets not counted in time: 0 of 2" in lines
    slowest = {
        re.match(r"  (.+?): .*; own (\d+), tier \+(\d+)$", line).groups() for line in lines[-2:]
    }
    assert slowest == {("Russia NATO", "15", "37"), ("guarantees", "44", "8")}
    # Asked again, a search is no first search: it reads back what the first one kept.
    (again,) = first_search.first_searches(client, ["guarantees"])
    assert again.queries < done[0].queries
    # Each first search's reads were run again at once (the floor's warm replay), and the
    # report sets them beside the reads' time in the page, which excludes the one write.
    for s in done:
        assert 0 < s.reads_ms <= s.sql_ms
        assert (s.replay_ms > 0) if connection.vendor == "postgresql" else s.replay_ms is None
    if connection.vendor == "postgresql":
        assert re.fullmatch(
            r"its reads run again at once: p50 [\d.]+ ms, against p50 [\d.]+ ms in the page",
            lines[1],
        )
    else:
        assert re.fullmatch(
            r"its reads: p50 [\d.]+ ms in the page \(run again only on PostgreSQL\)", lines[1]
        )
