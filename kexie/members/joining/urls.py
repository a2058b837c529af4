"""URL patterns of 网上入会 (mounted by kexie/members/urls.py in the ``members:`` namespace)."""

from django.urls import path

from kexie.members.joining import views as v

urlpatterns: list = [
    path("societies/", v.societies, name="societies"),
    path("societies/<int:pk>/apply/", v.apply, name="apply"),
    path("societies/<int:pk>/join-settings/", v.join_settings, name="join-settings"),
    path("applications/mine/", v.my_applications, name="my-applications"),
    path("applications/", v.queue, name="queue"),
    path("applications/export/", v.queue_export, name="queue-export"),
    path("applications/<int:pk>/", v.application, name="application"),
    path("applications/<int:pk>/edit/", v.application_edit, name="application-edit"),
    path("applications/<int:pk>/act/", v.application_act, name="application-act"),
    path("societies/<int:pk>/apply-group/", v.group_apply, name="group-apply"),
    path("applications/groups/<int:pk>/", v.group_application, name="group-application"),
    path("applications/groups/<int:pk>/edit/", v.group_application_edit, name="group-application-edit"),
    path("applications/groups/<int:pk>/act/", v.group_application_act, name="group-application-act"),
    path("applications/groups/<int:pk>/letter/", v.group_letter, name="group-letter"),
    path("card/<int:pk>/", v.card, name="card"),
    path("card/<int:pk>/certificate.pdf", v.certificate, name="certificate"),
    path("card/<int:pk>/dues/", v.dues, name="dues"),
    path("verify/", v.verify, name="verify"),
    path("verify/<str:code>/", v.verify, name="verify-code"),
]
