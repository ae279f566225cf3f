"""Routes for search help, exports and citations (owned by the full-text search work)."""

from django.urls import path

from articles import views_search

urlpatterns: list = [
    path("quotes.csv", views_search.quote_list_csv, name="quote-list-csv"),
    path("quotes.bib", views_search.quote_list_bibtex, name="quote-list-bibtex"),
    path("quotes/<int:pk>.bib", views_search.quote_bibtex, name="quote-bibtex"),
    path("search/help/", views_search.search_help, name="search-help"),
]
