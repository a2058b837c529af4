"""Public 科普 pages, feeds and the reader's own pages (included by kexie/kepu/urls.py under ``kepu:``)."""

from django.urls import path

from kexie.kepu.public import views, views_feeds

urlpatterns = [
    path("", views.home, name="home"),
    path("items/<int:pk>/", views.item, name="item"),
    path("search/", views.search, name="search"),
    path("feed.rss", views_feeds.feed_rss, name="feed-rss"),
    path("feed.json", views_feeds.feed_json, name="feed-json"),
    path("topics/<slug:code>/", views.topic, name="topic"),
    path("audiences/<slug:code>/", views.audience, name="audience"),
    path("mine/", views.mine, name="mine"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
]
