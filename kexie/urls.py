from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("kexie.home.urls")),
    path("accounts/", include("kexie.accounts.urls")),
    path("orgs/", include("kexie.orgs.urls")),
    path("people/", include("kexie.people.urls")),
    path("members/", include("kexie.members.urls")),
    path("imports/", include("kexie.imports.urls")),
    path("census/", include("kexie.census.urls")),
    path("identity/", include("kexie.identity.urls")),
    path("notices/", include("kexie.notices.urls")),
    path("reports/", include("kexie.reports.urls")),
    path("evaluation/", include("kexie.evaluation.urls")),
    path("governance/", include("kexie.governance.urls")),
    path("calls/", include("kexie.calls.urls")),
    path("innovation/", include("kexie.innovation.urls")),
    path("api/v1/", include("kexie.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switcher posts here
    path("admin/", admin.site.urls),
]

# Error pages in Chinese inside the site layout, with the reason the code gave (kexie/core/errors.py).
handler400 = "kexie.core.errors.bad_request"
handler403 = "kexie.core.errors.permission_denied"
handler404 = "kexie.core.errors.page_not_found"
handler500 = "kexie.core.errors.server_error"
