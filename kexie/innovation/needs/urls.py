"""URL patterns of 数字科创: needs, dispatches and enterprises (mounted by urls.py in the innovation namespace)."""

from django.urls import path

from kexie.innovation.needs import views, views_dispatch

urlpatterns: list = [
    path("", views.need_list, name="needs"),
    path("new/", views.need_create, name="need-create"),
    path("<int:pk>/", views.need_detail, name="need"),
    path("<int:pk>/edit/", views.need_edit, name="need-edit"),
    path("<int:pk>/act/", views.need_act, name="need-act"),
    path("<int:pk>/feedback/", views.need_feedback, name="need-feedback"),
    path("<int:pk>/societies/", views.dispatch_picker, name="dispatch-picker"),
    path("dispatch-requests/", views.request_list, name="dispatch-requests"),
    path("dispatch-requests/<int:pk>/", views.request_detail, name="dispatch-request"),
    path("dispatches/<int:pk>/", views_dispatch.dispatch_detail, name="dispatch"),
    path("enterprises/register/", views_dispatch.enterprise_register, name="enterprise-register"),
    path("enterprises/<int:pk>/", views_dispatch.enterprise_detail, name="enterprise"),
]
