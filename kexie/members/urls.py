from django.urls import path

from kexie.members import views
from kexie.members.joining import urls as joining

app_name = "members"
urlpatterns = [
    path("", views.membership_list, name="list"),
    path("export/", views.export, name="export"),
    path("add/", views.add_member, name="add"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
    path("groups/", views.group_list, name="groups"),
    path("bodies/<int:pk>/", views.body_detail, name="body"),
    *joining.urlpatterns,
]
