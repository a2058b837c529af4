from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from kexie.api import calls, innovation, views

router = DefaultRouter()
router.register("orgs", views.OrganisationViewSet, basename="org")
router.register("people", views.PersonViewSet, basename="person")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("calls", calls.CallViewSet, basename="call")
router.register("call-applications", calls.ApplicationViewSet, basename="call-application")
router.register("projects", calls.ProjectViewSet, basename="project")
router.register("needs", innovation.NeedViewSet, basename="need")
router.register("service-records", innovation.ServiceRecordViewSet, basename="service-record")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include(router.urls)),
]
