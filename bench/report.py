"""The benchmark's one table: latency percentiles and throughput per case and target."""

from __future__ import annotations

import math

# p95 targets at 1M quotes on PostgreSQL (issue: Scale), by exact case name, else by group.
TARGETS = {"search common word": 250}
TARGETS_BY_GROUP = {"search": 50, "list": 30, "detail": 20}
SQLITE_SEARCH_TARGET = 50  # p95 at 100,000 quotes


def target_for(name: str, group: str) -> float | None:
    if name in TARGETS:
        return TARGETS[name]
    return TARGETS_BY_GROUP.get(group)


def _met(result, target) -> str:
    if not result:
        return "–"
    return "yes" if result.p95 <= target and not result.errors else "NO"


def _ms(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(a, b) -> str:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return "–"
    return f"{a / b:.2f}"


def _figures(result) -> list[str]:
    """p50, p95, p99 and requests/s, or dashes where that system did not run the case."""
    if not result:
        return ["–"] * 4
    return [_ms(result.p50), _ms(result.p95), _ms(result.p99), f"{result.rps:.0f}"]


def table(
    cases: dict, results: dict, floors: dict, sizes: dict, replayed: dict | None = None
) -> str:
    """Markdown table: rows are cases, column groups are the targets measured.

    ``replayed``: for the cases asked once, their own SQL's floor replayed on warm data
    (bench/probe.py), which the footer gives beside the floor of the table.

    Parley is compared with Datasette on the same corpus: PostgreSQL when both hold the same
    number of quotes, else Parley's SQLite build when that one does.
    """
    if sizes.get("Datasette") == sizes.get("PostgreSQL"):
        compared_with, ratio_label = "pg", "PG/Datasette"
    elif sizes.get("Datasette") == sizes.get("SQLite"):
        compared_with, ratio_label = "sqlite", "SQLite/Datasette"
    else:
        compared_with, ratio_label = None, "Parley/Datasette (not the same corpus)"
    # p50, p95, p99 and requests/s for each of the four (issue: Scale), then the comparisons.
    systems = "".join(
        f"| {label} p50 | {label} p95 | {label} p99 | {label} req/s "
        for label in ("PG", "SQLite", "Datasette", "floor")
    )
    head = (
        f"| case | rows matched | PG first visit {systems}"
        f"| PG − floor p50 | {ratio_label} p95 | PG p95 target | PG met | SQLite search ≤ 50 |"
    )
    lines = [head, "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"]
    for name, case in cases.items():
        pg = results.get(("pg", name))
        lite = results.get(("sqlite", name))
        ds = results.get(("datasette", name))
        fl = floors.get(name)
        compared = results.get((compared_with, name))
        target = target_for(name, case["group"])
        met = "–"
        if pg and target:
            met = _met(pg, target)
        cells = [
            name,
            f"{case['matches']:,}" if case.get("matches") is not None else "",
            _ms(pg and pg.first_visit),
            *_figures(pg), *_figures(lite), *_figures(ds), *_figures(fl),
            _ms(pg.p50 - fl.p50) if pg and fl else "–",
            _ratio(compared and compared.p95, ds and ds.p95),
            f"≤ {target:.0f}" if target else "–",
            met,
            _met(lite, SQLITE_SEARCH_TARGET) if case["group"] == "search" else "–",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    errors = [
        f"{target} {name}: {result.errors} error responses"
        for (target, name), result in results.items()
        if result.errors
    ]
    sizes_line = ", ".join(f"{k}: {v:,} quotes" for k, v in sizes.items())
    footer = [
        "",
        f"Corpus sizes: {sizes_line}. Latencies in ms. First visit: median of one request "
        "per URL before the load (the counts cache holds only what count_facets counted after "
        "loading). Background counts those visits start finish before the load, which repeats "
        "the same URLs, so what a search keeps under the archive's version (facet counts, "
        'ranked ids, marks, speaker suggestions) is warm. "search new mid word" and "search '
        'new rare word" ask each of their words once: nothing they compute is cached (their '
        "first-visit column is their first three words). Parley on SQLite: its workers share "
        "a file cache (PARLEY_CACHE=file:). Floor: the SQL one warm request sends, run in psql "
        "(PostgreSQL) and timed there, one request after another on one connection. For the "
        "two cases asked once, the SQL of a first request with nothing kept, timed once each "
        "on a word of the same kind nobody has asked, as the page met its own.",
    ]
    repeated = [
        f"{target} {name}: {result.asked_again} of {result.requests}"
        for (target, name), result in results.items()
        if result.asked_again
    ]
    if repeated:
        footer.append(
            "Asked again (more requests than words to ask once, so not first searches): "
            + "; ".join(repeated)
            + "."
        )
    if replayed:
        again = "; ".join(
            f"{name} p50 {_ms(result.p50)}, p95 {_ms(result.p95)}"
            for name, result in replayed.items()
        )
        footer.append(
            "The same requests' SQL replayed at once on the words the page had just asked "
            f"(each read before; the floor of those cases until the fourteenth session): {again}."
        )
    if errors:
        footer.append("Errors: " + "; ".join(errors))
    return "\n".join(lines + footer)
