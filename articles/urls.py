from django.urls import path

from articles import jsonapi, urls_search, views

app_name = "articles"

urlpatterns = [
    path("", views.home, name="home"),
    path("quotes/", views.quote_list, name="quote-list"),
    path("quotes.json", jsonapi.quote_list, name="quote-list-json"),
    path("quotes/<int:pk>/", views.quote_detail, name="quote-detail"),
    path("articles/", views.article_list, name="article-list"),
    path("articles.json", jsonapi.article_list, name="article-list-json"),
    path("articles/<slug:slug>/", views.article_detail, name="article-detail"),
    path("articles/<slug:slug>/raw/", views.article_raw, name="article-raw"),
    path("speakers/", views.speaker_list, name="speaker-list"),
    path("speakers.json", jsonapi.speaker_list, name="speaker-list-json"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker-detail"),
    path("events/", views.event_list, name="event-list"),
    path("events.json", jsonapi.event_list, name="event-list-json"),
    path("events/<slug:slug>/", views.event_detail, name="event-detail"),
    path("about/data/", views.about_data, name="about-data"),
]

# Search help, CSV/BibTeX exports and citations live in their own module.
urlpatterns += urls_search.urlpatterns
