from django.urls import path

from kexie.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export/", views.export, name="export"),
    path("terms/<int:pk>/", views.term, name="term"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/", views.rule_edit, name="rule-edit"),
]
