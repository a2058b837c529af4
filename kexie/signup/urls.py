"""Pages of the individual accounts: registration, real-name verification, consent, deletion requests."""

from django.urls import path

from kexie.signup import views

app_name = "signup"
urlpatterns = [
    path("", views.start, name="start"),
    path("account/", views.account, name="account"),
    path("notice/", views.privacy_notice, name="notice"),
    path("verify/", views.verify, name="verify"),
    path("verify/associations/", views.associations, name="associations"),
    path("verify/cancel/", views.cancel_claim, name="claim-cancel"),
    path("privacy/", views.privacy, name="privacy"),
    path("delete/", views.delete, name="delete"),
    path("delete/cancel/", views.delete_cancel, name="delete-cancel"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/", views.claim, name="claim"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="claim-decide"),
]
