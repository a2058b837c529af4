"""URL patterns of 申报评审: one namespace (``calls:``) over the sub-packages' lists; names and paths unchanged."""

from django.urls import path

from kexie.calls import subscriptions_views
from kexie.calls.applications import urls as applications
from kexie.calls.experts import urls as experts
from kexie.calls.projects import urls as projects
from kexie.calls.review import urls as review
from kexie.calls.setup import urls as setup

app_name = "calls"
urlpatterns: list = [*setup.urlpatterns, *applications.urlpatterns, *review.urlpatterns, *projects.urlpatterns,
                     *experts.urlpatterns, path("subscribe/", subscriptions_views.subscribe, name="subscribe")]
