"""Login, password change and reset, API tokens (the caller's own), unlocking locked accounts and the users and
roles of the administrator's subtree (staff in scope). Thin: the writes are in ``kexie.accounts.services``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kexie.accounts import lockout, services
from kexie.accounts.forms import ActiveForm, GrantForm, StaffAccountForm, TokenForm, UsersFilter
from kexie.accounts.models import ApiToken, RoleAssignment, User
from kexie.core import ratelimit
from kexie.core.audit import history_for, log_action
from kexie.core.export import xlsx_response
from kexie.core.http import bad_request, error_messages, to_id
from kexie.core.models import AuditEntry
from kexie.core.scope import prefix_q, scope_paths, user_can
from kexie.core.tables import Column, Empty, Table


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
        form = TokenForm(request.POST)
        values = {"name": str(form.data.get("name", ""))[:60], "days": str(form.data.get("days", "")).strip()[:10]}
        try:
            if not form.is_valid():
                raise ValidationError(_("有效天数应为 1 到 %(n)s 之间的整数。") % {"n": services.MAX_TOKEN_DAYS}
                                      if "days" in form.errors else [m for e in form.errors.values() for m in e])
            token, key = services.create_token(request.user, request.user, form.cleaned_data["name"],
                                               form.cleaned_data["days"])
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
    if scope_paths(user, "accounts.manage") == []:
        raise PermissionDenied(_("您无权管理用户账号。"))


@dataclass(frozen=True)
class LockedRow:
    """A row of the locked-accounts list (sortable by the time of the last failed attempt)."""

    pk: int
    username: str
    display_name: str
    last_failure: dt.datetime


@login_required
def locked(request: Any) -> Any:
    _require_manager(request.user)
    rows = [LockedRow(account.pk, account.username, account.display_name, last)
            for account, last in services.locked_accounts(request.user)]
    table = Table(request, rows, LOCKED_COLUMNS, row_template="accounts/locked_list.html#row", table_id="locked",
                  empty=Empty(_("目前没有您可解锁的已锁定账号。"), _("查看用户与角色"), reverse("account-users")))
    return render(request, "accounts/locked_list.html", {"table": table})


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


# ---- users and roles in the administrator's subtree -------------------------------------------------------
NEW_ACCOUNT = "kexie_new_account"  # session key: [user id, initial password], shown by the next page and removed


def _managed_account(request: Any, pk: Any) -> User:
    """An account holding a role in the caller's ``manage`` subtree; anything else is 404."""
    _require_manager(request.user)
    account_id = to_id(pk)
    account = services.managed_users(request.user).filter(pk=account_id).first() if account_id else None
    if account is None:
        raise Http404(_("记录不存在或您无权访问。"))
    return account


LOCKED_COLUMNS = (
    Column("username", gettext_lazy("用户名"), ("username",)),
    Column("name", gettext_lazy("姓名"), ("display_name",)),
    Column("last", gettext_lazy("最近一次失败"), ("last_failure",)),
    Column("unlock", ""),
)
USER_COLUMNS = (
    Column("username", gettext_lazy("用户名"), ("username",)),
    Column("name", gettext_lazy("姓名"), ("display_name",)),
    Column("status", gettext_lazy("状态"), ("is_active",)),
    Column("grants", gettext_lazy("组织与角色")),
)


def _filtered_users(request: Any) -> tuple[Any, UsersFilter]:
    users = services.managed_users(request.user)
    form = UsersFilter(request.GET, request.user)
    q, org, unknown_org = form.values()
    if unknown_org:
        if str(request.GET.get("org", "")).strip().isdigit():  # a link naming another subtree's organisation
            raise Http404(_("记录不存在或您无权访问。"))
        return users.none(), form
    if org is not None:
        users = users.filter(pk__in=RoleAssignment.objects.filter(prefix_q("organisation__path", [org.path]))
                             .values("user_id"))
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    return users.order_by("username", "pk"), form


def _grants(actor: Any, user_ids: list[int]) -> Any:
    return (RoleAssignment.objects.for_user(actor, "accounts.manage").filter(user_id__in=user_ids)
            .select_related("organisation", "role").order_by("organisation__path", "role_id"))


@login_required
def users(request: Any) -> Any:
    """Who holds what in the caller's subtree: accounts with their grants there, filtered by organisation and
    name."""
    _require_manager(request.user)
    rows, form = _filtered_users(request)
    can_create = bool(services.grantable_roles(request.user))
    table = Table(request, rows, USER_COLUMNS, row_template="accounts/users.html#row", filterset=form,
                  table_id="users", export_url=reverse("account-users-export"), empty=Empty(
                      _("您管理的组织中还没有担任角色的账号。创建工作人员账号并授予角色后，列在这里。"),
                      _("创建第一个工作人员账号") if can_create else "", reverse("account-user-create") if can_create else "",
                      filtered=_("没有符合条件的账号。")))
    page = table.page
    ids = [u.pk for u in page]
    grants: dict[int, list[RoleAssignment]] = {}
    for ra in _grants(request.user, ids):
        grants.setdefault(ra.user_id, []).append(ra)
    total = dict(RoleAssignment.objects.filter(user_id__in=ids).values_list("user_id").annotate(n=Count("pk")))
    for u in page:
        u.grants_here = grants.get(u.pk, [])
        u.grants_elsewhere = total.get(u.pk, 0) - len(u.grants_here)
    return render(request, "accounts/users.html", {"table": table, "filter": form, "can_create": can_create})


@login_required
def users_export(request: Any) -> Any:
    _require_manager(request.user)
    rows, _form = _filtered_users(request)
    grants = (RoleAssignment.objects.for_user(request.user, "accounts.manage").filter(user__in=rows)
              .select_related("user", "organisation", "role").order_by("user__username", "organisation__path"))

    def lines() -> Any:
        for ra in grants.iterator(chunk_size=2000):
            u = ra.user
            yield [u.username, u.display_name, u.email, _("启用") if u.is_active else _("停用"),
                   ra.organisation.name, ra.role.name, ra.created_at]

    return xlsx_response(_("用户与角色"), _("用户与角色"),
                         [_("用户名"), _("姓名"), _("电子邮箱"), _("状态"), _("组织"), _("角色"), _("授予时间")], lines())


@login_required
def user_create(request: Any) -> Any:
    _require_manager(request.user)
    roles = services.grantable_roles(request.user)
    if not roles:
        raise PermissionDenied(_("您没有可授予的角色。"))
    if request.method == "POST":
        form = StaffAccountForm(request.POST, actor=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                account, password = services.create_staff_account(
                    request.user, data["organisation"], data["username"], data["display_name"], data["email"],
                    data["role"])
            except (ValidationError, PermissionDenied) as exc:
                _form_errors(form, exc)
            else:
                request.session[NEW_ACCOUNT] = [account.pk, password]
                messages.success(request, _("账号 %(u)s 已创建。") % {"u": account.username})
                return redirect("account-user", pk=account.pk)
        return render(request, "accounts/user_form.html", {"form": form}, status=400)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    initial = {}
    if (org_id := to_id(request.GET.get("org"))) is not None:
        initial["organisation"] = org_id
    return render(request, "accounts/user_form.html", {"form": StaffAccountForm(actor=request.user, initial=initial)})


def _form_errors(form: Any, exc: Exception) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in error_messages(exc):
            form.add_error(None, message)


def _user_page(request: Any, account: User, grant_form: Any = None, status: int = 200) -> Any:
    actor = request.user
    grants = list(_grants(actor, [account.pk]))
    rows = [(ra, all(user_can(actor, a, ra.organisation.path) for a in ["accounts.manage", *ra.role.granted()])) for ra in grants]
    elsewhere = RoleAssignment.objects.filter(user=account).count() - len(grants)
    history = _account_history(account)
    new = request.session.pop(NEW_ACCOUNT, None)
    password = str(new[1]) if isinstance(new, list) and len(new) == 2 and new[0] == account.pk else None
    return render(request, "accounts/user_detail.html", {
        "account": account, "rows": rows, "elsewhere": elsewhere, "history": history, "password": password,
        "grant_form": grant_form or GrantForm(actor=actor),
        "can_grant": bool(services.grantable_roles(actor)),
        "can_toggle": account.pk != actor.pk and services.can_manage_account(actor, account),
    }, status=status)


def _account_history(account: User) -> list[AuditEntry]:
    """The account's audit trail: its own entries (created, deactivated, unlocked …) and its role grants and
    revocations (logged on the grant, which a revocation deletes: found by the username they record)."""
    own = list(history_for(account).order_by("-created_at", "-pk")[:100])
    grants = list(AuditEntry.objects.filter(action__startswith="accounts.role.")
                  .filter(Q(data__after__用户=account.username) | Q(data__before__用户=account.username))
                  .select_related("actor").order_by("-created_at", "-pk")[:100])
    return sorted(own + grants, key=lambda e: (e.created_at, e.pk), reverse=True)[:100]


@login_required
def user_detail(request: Any, pk: Any) -> Any:
    account = _managed_account(request, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return _user_page(request, account)


@login_required
@require_POST
def user_grant(request: Any, pk: Any) -> Any:
    account = _managed_account(request, pk)
    form = GrantForm(request.POST, actor=request.user)
    if form.is_valid():
        try:
            services.grant_role(request.user, account, form.cleaned_data["organisation"], form.cleaned_data["role"])
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已授予角色。"))
            return redirect("account-user", pk=account.pk)
    return _user_page(request, account, grant_form=form, status=400)


@login_required
def user_revoke(request: Any, pk: Any) -> Any:
    """GET asks for confirmation; POST revokes. Grants outside the caller's subtree answer 404."""
    _require_manager(request.user)
    grant_id = to_id(pk)
    grant = (RoleAssignment.objects.for_user(request.user, "accounts.manage").select_related("user", "organisation", "role")
             .filter(pk=grant_id).first() if grant_id else None)
    if grant is None:
        raise Http404(_("记录不存在或您无权访问。"))
    if request.method == "POST":
        try:
            services.revoke_user_role(request.user, grant)
            messages.success(request, _("已撤销角色。"))
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                messages.error(request, m)
        return redirect("account-user", pk=grant.user_id)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    allowed = all(user_can(request.user, a, grant.organisation.path) for a in ["accounts.manage", *grant.role.granted()])
    return render(request, "accounts/user_confirm.html", {"account": grant.user, "grant": grant, "allowed": allowed})


@login_required
def user_active(request: Any, pk: Any) -> Any:
    """GET asks for confirmation; POST deactivates (active=0) or reactivates (active=1)."""
    account = _managed_account(request, pk)
    if request.method == "POST":
        form = ActiveForm(request.POST)
        if not form.is_valid():
            return bad_request(request, _("请求有误，未做任何更改。"))
        active = form.cleaned_data["active"]
        try:
            services.set_active(request.user, account, active)
            messages.success(request, (_("账号 %(u)s 已启用。") if active else _("账号 %(u)s 已停用。"))
                             % {"u": account.username})
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                messages.error(request, m)
        return redirect("account-user", pk=account.pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "accounts/user_confirm.html", {
        "account": account, "toggle": True,
        "allowed": account.pk != request.user.pk and services.can_manage_account(request.user, account)})
