"""URL patterns of reviewing, results, the public notice, objections, appeals and result letters (joined under ``calls:`` by kexie/calls/urls.py)."""

from django.urls import path

from kexie.calls.review import letters, views

urlpatterns: list = [
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/results/", views.results_page, name="results"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/finalise/", views.finalise, name="finalise"),
    path("<int:pk>/export/all/", views.export_all, name="export-all"),
    path("<int:pk>/notice/", views.notice, name="notice"),
    path("reviews/", views.my_reviews, name="my-reviews"),
    path("reviews/<int:pk>/", views.review_form, name="review"),
    path("applications/<int:pk>/vote/", views.vote, name="vote"),
    path("applications/<int:pk>/object/", views.object_to, name="object"),
    path("applications/<int:pk>/result/", views.result, name="result"),
    path("applications/<int:pk>/letter.pdf", letters.letter, name="letter"),
    path("applications/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("objections/<int:pk>/", views.objection_handle, name="objection"),
    path("appeals/<int:pk>/", views.appeal_decide, name="appeal-decide"),
]
