from django.urls import path

from kexie.innovation import urls_challenges, urls_intro, urls_market, urls_stations, views

app_name = "innovation"
urlpatterns: list = [
    path("", views.need_list, name="needs"),
    path("new/", views.need_create, name="need-create"),
    path("<int:pk>/", views.need_detail, name="need"),
    path("<int:pk>/edit/", views.need_edit, name="need-edit"),
    path("<int:pk>/act/", views.need_act, name="need-act"),
    path("<int:pk>/feedback/", views.need_feedback, name="need-feedback"),
    path("dispatches/<int:pk>/", views.dispatch_detail, name="dispatch"),
    path("enterprises/register/", views.enterprise_register, name="enterprise-register"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
]
urlpatterns += urls_market.urlpatterns + urls_intro.urlpatterns + urls_stations.urlpatterns
urlpatterns += urls_challenges.urlpatterns
