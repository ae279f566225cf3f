"""Routes for search help, exports and citations (owned by the full-text search work)."""

urlpatterns: list = []
