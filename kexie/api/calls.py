"""Read endpoints of 申报评审: calls, applications and funded projects.

Calls: those of organisations in scope, and every published one (a published call is a public notice, as on the
pages). Applications and projects: in scope (the applicant's organisation, the nominating organisation, the
call's owner) or the caller's own. Reviews and reviewers are not exposed: a reviewer's identity never leaves the
organising office."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from rest_framework import serializers, viewsets

from kexie.calls.filters import ApplicationFilter, CallFilter, ProjectFilter
from kexie.calls.models import Application, Call, Project


class CallSerializer(serializers.ModelSerializer[Call]):
    owner_name = serializers.CharField(source="owner.name")

    class Meta:
        model = Call
        fields = ["id", "code", "name", "year", "type", "owner", "owner_name", "applicant_kind", "status",
                  "current_stage", "stages", "eligibility", "rubric", "reviews_per_application", "blind", "funds",
                  "funding_per_item", "funding_total", "places", "notice_starts", "notice_ends",
                  "results_published_at", "tracks_projects", "project_months", "midterm_month"]


class ApplicationSerializer(serializers.ModelSerializer[Application]):
    applicant = serializers.SerializerMethodField()
    nominator_name = serializers.CharField(source="nominator.name", default=None)

    class Meta:
        model = Application
        fields = ["id", "call", "title", "applicant", "applicant_person", "applicant_org", "nominator",
                  "nominator_name", "status", "status_reason", "revision", "submitted_at", "nominated_at",
                  "keywords", "disciplines", "funding"]

    def get_applicant(self, obj: Application) -> str:
        return obj.applicant_name


class ProjectSerializer(serializers.ModelSerializer[Project]):
    applicant = serializers.CharField(source="application.applicant_name")
    reports = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = ["id", "code", "call", "application", "title", "applicant", "funding", "starts", "ends",
                  "extensions", "status", "status_reason", "outputs", "reports"]

    def get_reports(self, obj: Project) -> list[dict[str, Any]]:
        return [{"kind": r.kind, "due": r.due.isoformat(), "status": r.status, "revision": r.revision,
                 "submitted_at": r.submitted_at.isoformat() if r.submitted_at else None}
                for r in obj.reports.all()]


class CallViewSet(viewsets.ReadOnlyModelViewSet[Call]):
    serializer_class = CallSerializer
    filterset_class = CallFilter

    def get_queryset(self) -> QuerySet[Call]:
        user = self.request.user
        visible = Q(pk__in=Call.objects.for_user(user).values("pk")) | Q(pk__in=Call.objects.for_public().values("pk"))
        return Call.objects.alive().filter(visible).select_related("owner").order_by("-year", "code")


class ApplicationViewSet(viewsets.ReadOnlyModelViewSet[Application]):
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter

    def get_queryset(self) -> QuerySet[Application]:
        user = self.request.user
        mine = Q(pk__in=Application.objects.for_user(user).values("pk")) | Q(applicant_person__user=user)
        return (Application.objects.filter(mine).filter(call__deleted_at__isnull=True)
                .select_related("applicant_person", "applicant_org", "nominator").order_by("-id"))


class ProjectViewSet(viewsets.ReadOnlyModelViewSet[Project]):
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter

    def get_queryset(self) -> QuerySet[Project]:
        user = self.request.user
        mine = Q(pk__in=Project.objects.for_user(user).values("pk")) | Q(application__applicant_person__user=user)
        return (Project.objects.filter(mine).select_related("application__applicant_person",
                                                            "application__applicant_org")
                .prefetch_related("reports").order_by("-id"))
