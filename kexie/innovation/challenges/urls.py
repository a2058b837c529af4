"""URL patterns of 数字科创: challenges (mounted by kexie/innovation/urls.py in the innovation namespace)."""

from django.urls import path

from kexie.innovation.challenges import views as v

urlpatterns: list = [
    path("challenges/", v.challenge_list, name="challenge-list"),
    path("challenges/new/", v.challenge_create, name="challenge-create"),
    path("challenges/<int:pk>/", v.challenge_detail, name="challenge"),
    path("challenges/<int:pk>/edit/", v.challenge_edit, name="challenge-edit"),
    path("challenges/<int:pk>/act/", v.challenge_act, name="challenge-act"),
    path("challenges/<int:pk>/apply/", v.challenge_apply, name="challenge-apply"),
    path("challenges/applications/<int:pk>/withdraw/", v.challenge_withdraw, name="challenge-withdraw"),
    path("challenges/milestones/<int:pk>/", v.challenge_milestone, name="challenge-milestone"),
]
