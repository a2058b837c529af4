from django.contrib.auth import views as auth_views
from django.urls import path

from kexie.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("password/reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("tokens/", views.tokens, name="account-tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="account-token-revoke"),
    path("locked/", views.locked, name="account-locked"),
    path("locked/<int:pk>/unlock/", views.unlock, name="account-unlock"),
    path("users/", views.users, name="account-users"),
    path("users/export/", views.users_export, name="account-users-export"),
    path("users/new/", views.user_create, name="account-user-create"),
    path("users/<int:pk>/", views.user_detail, name="account-user"),
    path("users/<int:pk>/grant/", views.user_grant, name="account-user-grant"),
    path("users/<int:pk>/active/", views.user_active, name="account-user-active"),
    path("grants/<int:pk>/revoke/", views.user_revoke, name="account-grant-revoke"),
]
