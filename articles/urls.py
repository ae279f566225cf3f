from django.urls import path

from articles import urls_search, views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("quotes/", views.quote_list, name="quote-list"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote-detail"),
    path("articles/<slug:slug>/", views.article_detail, name="article-detail"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker-detail"),
    path("events/<slug:slug>/", views.event_detail, name="event-detail"),
]

# Search help, CSV/BibTeX exports and citations live in their own module.
urlpatterns += urls_search.urlpatterns
