"""数字科普 URLs: each area's urls.py joined under ``kepu:`` (public pages under /kepu/, staff pages under
/kepu/manage/ …, as each area declares)."""

from django.urls import include, path

app_name = "kepu"

urlpatterns = [
    path("", include("kexie.kepu.public.urls")),
    path("", include("kexie.kepu.content.urls")),
    path("", include("kexie.kepu.review.urls")),
    path("", include("kexie.kepu.emergency.urls")),
    path("", include("kexie.kepu.debunks.urls")),
    path("", include("kexie.kepu.effect.urls")),
    path("", include("kexie.kepu.officers.urls")),
    path("", include("kexie.kepu.screens.urls")),
]
