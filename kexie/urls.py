from django.contrib import admin
from django.urls import include, path

from kexie.core.registry import url_mounts

# Every app mounts its own urls.py at the prefix its AppConfig declares (kexie.core.registry, decision 0021).
urlpatterns = [
    *(path(prefix, include(module)) for prefix, module in url_mounts()),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switcher posts here
    path("admin/", admin.site.urls),
]

# Error pages in Chinese inside the site layout, with the reason the code gave (kexie/core/errors.py).
handler400 = "kexie.core.errors.bad_request"
handler403 = "kexie.core.errors.permission_denied"
handler404 = "kexie.core.errors.page_not_found"
handler500 = "kexie.core.errors.server_error"
