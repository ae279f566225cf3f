"""The file cache (PARLEY_CACHE=file:): when it lists its directory to cull, and how it stores."""

from django.core.cache.backends.filebased import FileBasedCache

from articles import cache_backend
from articles.cache_backend import SometimesCulledFileCache


def test_the_directory_is_listed_and_culled_on_one_write_in_cull_every(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_backend, "CULL_EVERY", 5)
    cache = SometimesCulledFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 4}})
    listings = []
    list_files = cache._list_cache_files

    def counted():
        listings.append(1)
        return list_files()

    monkeypatch.setattr(cache, "_list_cache_files", counted)
    monkeypatch.setattr(cache, "_cull_frequency", 5)
    for i in range(10):
        cache.set(f"k{i}", i, 60)
    # Write 0 counted no file; write 5 found 5 files past the 4 allowed and deleted one in
    # five (Django's cull, at random), before writing its own; writes 6-9 listed nothing.
    assert len(listings) == 2
    assert len(list(tmp_path.glob("*.djcache"))) == 9
    kept = cache.get_many([f"k{i}" for i in range(10)])
    assert len(kept) == 9 and {f"k{i}" for i in range(5, 10)} <= set(kept)
    assert all(kept[key] == int(key[1:]) for key in kept)


def test_the_directory_is_listed_less_often_the_more_room_its_files_leave(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_backend, "CULL_EVERY", 2)
    monkeypatch.setattr(cache_backend, "WRITERS", 4)
    cache = SometimesCulledFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 40}})
    seen = []
    list_files = cache._list_cache_files

    def counted():
        files = list_files()
        seen.append(len(files))
        return files

    monkeypatch.setattr(cache, "_list_cache_files", counted)
    for i in range(45):
        cache.set(f"k{i}", i, 60)
    # Each listing waits for a quarter (1/WRITERS) of the room it found, at least CULL_EVERY
    # writes: 11 listings for the first 40 writes where one in CULL_EVERY made 20. At 41 files
    # it culled a third (Django's CULL_FREQUENCY), 13, and found room for three writes again.
    assert seen == [0, 10, 17, 22, 26, 29, 31, 33, 35, 37, 39, 41, 31]
    assert len(list(tmp_path.glob("*.djcache"))) == 32


def test_values_are_stored_uncompressed_in_the_format_djangos_reads(tmp_path):
    cache = SometimesCulledFileCache(str(tmp_path), {})
    value = "statement " * 2_000  # 20,000 characters that zlib would shrink to a few dozen bytes
    cache.set("k", value, 60)
    (written,) = tmp_path.glob("*.djcache")
    assert written.stat().st_size > 20_000
    assert cache.get("k") == value
    assert FileBasedCache(str(tmp_path), {}).get("k") == value
