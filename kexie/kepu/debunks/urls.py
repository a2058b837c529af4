"""科学辟谣: staff pages under /kepu/manage/debunks/, public pages under /kepu/debunks/ (joined under ``kepu:``)."""

from django.urls import path

from kexie.kepu.debunks import views, views_public

urlpatterns = [
    path("manage/debunks/", views.manage_list, name="debunks-manage"),
    path("manage/debunks/export/", views.manage_export, name="debunks-export"),
    path("manage/debunks/new/", views.create, name="debunk-create"),
    path("manage/debunks/similar/", views.similar_suggestions, name="debunk-similar"),
    path("manage/debunks/<int:pk>/", views.detail, name="debunk-manage"),
    path("manage/debunks/<int:pk>/edit/", views.edit, name="debunk-edit"),
    path("manage/debunks/<int:pk>/act/", views.act, name="debunk-act"),
    path("debunks/", views_public.public_list, name="debunks"),
    path("debunks/monthly/", views_public.rumour_board, name="rumours"),
    path("debunks/<int:pk>/", views_public.public_detail, name="debunk"),
]
