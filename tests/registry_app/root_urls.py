"""The site's URLs plus the throwaway module's (a deployment mounts a module in kexie/urls.py)."""

from django.urls import include, path

from kexie import urls as site

urlpatterns = [path("registry-app/", include("tests.registry_app.urls")), *site.urlpatterns]
handler400, handler403 = site.handler400, site.handler403
handler404, handler500 = site.handler404, site.handler500
