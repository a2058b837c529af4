from django.urls import path

from kexie.kepu.review import views

urlpatterns = [
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/tasks/<int:pk>/", views.task, name="task"),
    path("manage/<int:pk>/act/", views.item_act, name="item-act"),
]
