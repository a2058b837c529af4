from django.urls import path

from kexie.home import views

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.me, name="me"),
    path("me/edit/", views.me_edit, name="me-edit"),
    path("me/changes/<int:pk>/withdraw/", views.change_withdraw, name="me-change-withdraw"),
    path("me/export/", views.me_export, name="me-export"),
    path("profile-changes/", views.changes, name="profile-changes"),
    path("profile-changes/<int:pk>/", views.change_detail, name="profile-change"),
]
