"""The REST API under /api/v1/: the schema, and every viewset the installed apps declare in ``api_routes``
(their apps.py; decision 0021), registered on one router in ``INSTALLED_APPS`` order."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from kexie.core.registry import api_routes

router = DefaultRouter()
for route in api_routes():
    router.register(route.prefix, route.load(), basename=route.basename)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include(router.urls)),
]
