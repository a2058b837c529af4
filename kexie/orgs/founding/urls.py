"""The pages of 网上组建, joined into ``orgs:`` by kexie/orgs/urls.py."""

from django.urls import path

from kexie.orgs.founding import views

urlpatterns = [
    path("founding/", views.queue, name="founding-queue"),
    path("founding/apply/", views.apply, name="founding-apply"),
    path("founding/mine/", views.mine, name="founding-mine"),
    path("founding/parents/", views.parents, name="founding-parents"),
    path("founding/<int:pk>/", views.detail, name="founding-request"),
    path("founding/<int:pk>/edit/", views.edit, name="founding-edit"),
    path("founding/<int:pk>/act/", views.act, name="founding-act"),
    path("founding/<int:pk>/attachment/", views.attachment, name="founding-attachment"),
]
