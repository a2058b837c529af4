from django.urls import path

from kexie.orgs import views
from kexie.orgs.founding.urls import urlpatterns as founding_urls

app_name = "orgs"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("list/", views.org_list, name="list"),
    path("export/", views.export, name="export"),
    path("picker/", views.picker, name="picker"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/new/", views.create_child, name="create-child"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/restore/", views.restore, name="restore"),
    path("<int:pk>/move/", views.move, name="move"),
]
urlpatterns += founding_urls  # 网上组建企业（园区）科协 (decision 0037)
