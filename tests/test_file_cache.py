"""The file cache (PARLEY_CACHE=file:) lists its directory to cull on one write in CULL_EVERY."""

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
