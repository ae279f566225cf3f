"""The seeds build through the pipeline: pipeline + curated corrections = gold annotations."""

import tomllib
from pathlib import Path

import pytest
from django.conf import settings

from articles.ingestion.corrections import count_corrections
from articles.ingestion.curated import CurationError, build_fixture
from articles.ingestion.locate import locate

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEEDS = sorted(FIXTURES.glob("0*.txt"))


def statement_sets(objects: list[dict]) -> dict[str, set[tuple]]:
    slugs = {
        (o["model"], o["pk"]): o["fields"].get("slug")
        for o in objects
        if o["model"] in {"articles.speaker", "articles.event", "articles.outlet"}
    }
    files = {
        o["pk"]: o["fields"]["source_file"] for o in objects if o["model"] == "articles.article"
    }
    found: dict[str, set[tuple]] = {}
    for o in objects:
        if o["model"] != "articles.quote":
            continue
        f = o["fields"]
        found.setdefault(files[f["article"]], set()).add(
            (
                f["start"],
                f["end"],
                slugs[("articles.speaker", f["speaker"])],
                f["kind"],
                f["said_on"],
                slugs.get(("articles.event", f["event"])),
                f["medium"],
                slugs.get(("articles.outlet", f["relayed_by"])),
                f["note"],
            )
        )
    return found


def gold_sets() -> dict[str, set[tuple]]:
    gold = tomllib.loads((FIXTURES / "annotations.toml").read_text(encoding="utf-8"))
    built = {o["fields"]["source_file"]: o["fields"]["body"] for o in fixture_objects()[1]}
    out = {}
    for article in gold["article"]:
        body = built[article["file"]]
        out[article["file"]] = {
            (
                *locate(body, q["text"], q.get("occurrence")),
                q["speaker"],
                q["kind"],
                q["date"].isoformat() if q.get("date") else None,
                q.get("event"),
                q.get("medium", ""),
                q.get("relayed_by"),
                q.get("note", ""),
            )
            for q in article["quote"]
        }
    return out


def fixture_objects():
    objects = build_fixture(FIXTURES / "curated.toml", FIXTURES)
    return objects, [o for o in objects if o["model"] == "articles.article"]


def test_pipeline_plus_corrections_equals_the_gold_annotations():
    objects, _ = fixture_objects()
    assert statement_sets(objects) == gold_sets()


def test_curated_file_keeps_only_four_corrections():
    data = tomllib.loads((FIXTURES / "curated.toml").read_text(encoding="utf-8"))
    assert count_corrections(data) == 4
    assert "quote" not in {key for article in data["article"] for key in article}


def copy_with(tmp_path: Path, old: str, new: str) -> Path:
    curated = (FIXTURES / "curated.toml").read_text(encoding="utf-8")
    assert old in curated
    (tmp_path / "curated.toml").write_text(curated.replace(old, new), encoding="utf-8")
    for seed in SEEDS:
        (tmp_path / seed.name).write_bytes(seed.read_bytes())
    return tmp_path / "curated.toml"


def test_a_stale_correction_is_an_error_naming_it(tmp_path):
    path = copy_with(
        tmp_path,
        'drop = "the results of recent talks with the West were"',
        'drop = "the results of recent talks with the East were"',
    )
    with pytest.raises(CurationError, match="correction 1: no statement .* East were"):
        build_fixture(path, tmp_path)


def test_an_added_text_missing_from_the_body_is_an_error_naming_it(tmp_path):
    path = copy_with(
        tmp_path, 'add = "At the same time, we welcomed', 'add = "At the same time, we rejected'
    )
    with pytest.raises(CurationError, match="not found in the body: 'At the same time, we reject"):
        build_fixture(path, tmp_path)
