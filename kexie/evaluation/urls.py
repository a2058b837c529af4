from django.urls import path

from kexie.evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.system_list, name="list"),
    path("run/", views.run_start, name="run-start"),
    path("systems/<int:pk>/", views.system_detail, name="system"),
    path("systems/<int:pk>/run/", views.run_create, name="run-create"),
    path("systems/<int:pk>/expert/", views.expert_scores, name="expert"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/export/", views.run_export, name="run-export"),
    path("scores/<int:pk>/", views.score_detail, name="score"),
    path("orgs/<int:pk>/follow-ups/", views.follow_ups, name="follow-ups"),
]
