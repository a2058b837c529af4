"""The public portal (门户, no login) and the staff pages of 新闻公告 (mounted at /portal/)."""

from django.urls import path

from kexie.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("news/", views.news_list, name="news"),
    path("news/<int:pk>/", views.news_detail, name="news-detail"),
    path("experts/", views.expert_finder, name="experts"),
    path("articles/", views.article_list, name="articles"),
    path("articles/new/", views.article_create, name="article-create"),
    path("articles/<int:pk>/", views.article_detail, name="article"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article-edit"),
    path("articles/<int:pk>/act/", views.article_act, name="article-act"),
]
