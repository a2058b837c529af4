"""URL patterns of funded topics (joined under ``calls:`` by kexie/calls/urls.py)."""

from django.urls import path

from kexie.calls.projects import views

urlpatterns: list = [
    path("<int:pk>/projects/", views.call_projects, name="projects"),
    path("<int:pk>/projects/establish/", views.establish, name="establish"),
    path("<int:pk>/projects/export/", views.projects_export, name="projects-export"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/extend/", views.project_extend, name="project-extend"),
    path("projects/<int:pk>/terminate/", views.project_terminate, name="project-terminate"),
    path("projects/reports/<int:pk>/", views.report_fill, name="project-report"),
    path("projects/reports/<int:pk>/rows/", views.report_rows, name="project-report-rows"),
    path("projects/reports/<int:pk>/file/", views.report_file, name="project-report-file"),
    path("projects/reports/<int:pk>/judge/", views.report_judge, name="project-report-judge"),
]
