"""科普作品 authoring (staff) and 中央厨房, under the ``kepu:`` namespace (kexie/kepu/urls.py)."""

from django.urls import path

from kexie.kepu.content import views, views_library, views_media

urlpatterns = [
    path("manage/", views.manage, name="manage"),
    path("manage/export/", views.manage_export, name="manage-export"),
    path("manage/new/", views.item_create, name="item-create"),
    path("manage/<int:pk>/", views.item_manage, name="item-manage"),
    path("manage/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("manage/<int:pk>/unlock/", views.item_unlock, name="item-unlock"),
    path("manage/<int:pk>/versions/", views.item_versions, name="item-versions"),
    path("manage/<int:pk>/media/", views_media.item_media, name="item-media"),
    path("manage/media/<int:pk>/remove/", views_media.media_remove, name="media-remove"),
    path("media/<int:pk>/", views_media.media_file, name="media"),
    path("library/", views_library.library_page, name="library"),
    path("library/<int:pk>/", views_library.library_act, name="library-act"),
    path("library/adoptions/<int:pk>/remove/", views_library.adoption_remove, name="adoption-remove"),
]
