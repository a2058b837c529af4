"""Login, password change and reset, API tokens (the caller's own) and unlocking locked accounts (staff in
scope). Thin: the writes are in ``kexie.accounts.services``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kexie.accounts import lockout, services
from kexie.accounts.models import ApiToken, User
from kexie.core import ratelimit
from kexie.core.audit import log_action
from kexie.core.http import error_messages
from kexie.core.scope import scope_paths


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


# ---- password change -------------------------------------------------------------------------------------
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user: Any = self.request.user
        context["forced"] = user.must_change_password or user.password_expired()
        return context

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)  # sets the password (and its time) and keeps the session
        user = form.user
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        log_action(user, "accounts.user.password_changed", user, scope_path="")
        messages.success(self.request, _("密码已修改。"))
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


# ---- password reset by e-mail --------------------------------------------------------------------------
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def get_extra_email_context(self) -> dict[str, Any]:
        return {"site_url": settings.KEXIE_SITE_URL.rstrip("/")}

    @property
    def extra_email_context(self) -> dict[str, Any]:  # type: ignore[override]  # read at each request
        return self.get_extra_email_context()

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not ratelimit.hit(request, "password-reset"):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, _("提交过于频繁，请稍后再试。"))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> Any:
        response = super().form_valid(form)
        user = form.user
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        lockout.clear(user.username)  # the owner proved access to the mailbox: the lock has served its purpose
        log_action(user, "accounts.user.password_reset", user, scope_path="")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# ---- API tokens (the caller's own) --------------------------------------------------------------------
NEW_TOKEN = "kexie_new_token"  # session key: the new key, shown by the next page and removed at once


@never_cache
@login_required
def tokens(request: Any) -> Any:
    """The caller's API tokens; POST creates one and redirects to the list, which shows its key this once."""
    created: tuple[ApiToken, str] | None = None
    errors: list[str] = []
    values = {"name": "", "days": str(settings.KEXIE_API_TOKEN_DAYS)}
    if request.method == "POST":
        values = {"name": request.POST.get("name", "")[:200], "days": request.POST.get("days", "").strip()[:10]}
        try:
            try:
                days = int(values["days"])
            except ValueError:
                raise ValidationError(_("有效天数应为 1 到 %(n)s 之间的整数。") % {"n": services.MAX_TOKEN_DAYS}) from None
            token, key = services.create_token(request.user, request.user, values["name"], days)
            request.session[NEW_TOKEN] = [token.pk, key]
            return redirect("account-tokens")
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    new = request.session.pop(NEW_TOKEN, None)
    if isinstance(new, list) and len(new) == 2:
        shown = ApiToken.objects.for_user(request.user).filter(pk=new[0]).first()
        created = (shown, str(new[1])) if shown is not None else None
    rows = ApiToken.objects.for_user(request.user).order_by("-created_at", "-id")[:200]
    return render(request, "accounts/tokens.html", {
        "tokens": rows, "created": created, "errors": errors, "values": values,
        "max_days": services.MAX_TOKEN_DAYS,
    }, status=400 if errors else 200)


@login_required
@require_POST
def token_revoke(request: Any, pk: int) -> Any:
    token = get_object_or_404(ApiToken.objects.for_user(request.user), pk=pk)
    try:
        services.revoke_token(request.user, token)
        messages.success(request, _("令牌已作废。"))
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("account-tokens")


# ---- locked accounts (staff in scope) ------------------------------------------------------------------
def _require_manager(user: Any) -> None:
    if scope_paths(user, "manage") == []:
        raise PermissionDenied(_("您无权管理用户账号。"))


@login_required
def locked(request: Any) -> Any:
    _require_manager(request.user)
    return render(request, "accounts/locked_list.html", {"rows": services.locked_accounts(request.user)})


@login_required
def unlock(request: Any, pk: int) -> Any:
    """GET asks for confirmation; POST unlocks. Accounts outside the caller's scope answer 404."""
    _require_manager(request.user)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404(_("记录不存在或您无权访问。")) from None
    account = User.objects.filter(pk=pk).first()
    if account is None or not services.can_unlock(request.user, account):
        raise Http404(_("记录不存在或您无权访问。"))
    if request.method == "POST":
        try:
            services.unlock_account(request.user, account)
            messages.success(request, _("账号 %(u)s 已解锁。") % {"u": account.username})
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                messages.error(request, m)
        return redirect("account-locked")
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "accounts/unlock.html", {
        "account": account, "is_locked": lockout.is_locked(account.username)})
