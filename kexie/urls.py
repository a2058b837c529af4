from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("kexie.core.urls")),
    path("accounts/", include("kexie.accounts.urls")),
    path("orgs/", include("kexie.orgs.urls")),
    path("people/", include("kexie.people.urls")),
    path("members/", include("kexie.members.urls")),
    path("api/v1/", include("kexie.api.urls")),
    path("admin/", admin.site.urls),
]
