"""Pages of the individual accounts: registration, real-name verification, consent, deletion requests; and the
staff page of claims (档案认领)."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core.crypto import decrypt, encrypt, mask_phone
from kexie.core.http import bad_request, client_ip, forbidden
from kexie.core.ratelimit import hit
from kexie.core.scope import get_in_scope, user_can
from kexie.core.tables import Column, Empty, Table
from kexie.signup import services
from kexie.signup.backends import BACKEND
from kexie.signup.forms import (
    AccountForm,
    AssociationSearchForm,
    ConsentForm,
    ContactForm,
    DeletionForm,
    RejectForm,
    VerifyForm,
)
from kexie.signup.models import Channel, ClaimRequest, ClaimStatus, Purpose

SESSION_KEY = "signup_contact"
VERIFIED_SECONDS = 30 * 60  # how long a verified phone or e-mail may wait for the account step
TOO_MANY = gettext_lazy("操作过于频繁，请稍后再试。")


def _verified(request: HttpRequest) -> tuple[str, str] | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > VERIFIED_SECONDS:
        return None
    try:
        return str(data["channel"]), decrypt(str(data["target"]))
    except (KeyError, ValueError):
        return None


def _masked(channel: str, target: str) -> str:
    if channel == Channel.PHONE:
        return mask_phone(target)
    name, _at, domain = target.partition("@")
    return f"{name[:1]}***@{domain}"


# ---- registration -----------------------------------------------------------------------------------------------

def start(request: HttpRequest) -> HttpResponse:
    """Step 1: the phone number or e-mail address, and the code sent to it."""
    if request.user.is_authenticated:
        return redirect("signup:verify")
    sent = False
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            channel, target, op = form.cleaned_data["channel"], form.cleaned_data["target"], form.cleaned_data["op"]
            try:
                if not hit(request, "signup-code"):
                    raise ValidationError(str(TOO_MANY))
                if op == "verify":
                    target = services.check_code(channel, target, form.cleaned_data["code"])
                    request.session[SESSION_KEY] = {"channel": channel, "target": encrypt(target), "at": time.time()}
                    return redirect("signup:account")
                services.send_code(channel, target)
                sent = True
                messages.success(request, _("验证码已发送至 %(to)s，10 分钟内有效。") % {"to": _masked(channel, target)})
            except ValidationError as exc:
                form.add_error("code" if op == "verify" else "target", exc)
                sent = op == "verify"
    else:
        form = ContactForm()
    return render(request, "signup/start.html", {"form": form, "sent": sent})


def account(request: HttpRequest) -> HttpResponse:
    """Step 2: name, user name, password and the privacy notice; the new account is signed in."""
    if request.user.is_authenticated:
        return redirect("signup:verify")
    verified = _verified(request)
    if verified is None:
        messages.error(request, _("请先验证手机号或电子邮箱（验证后 30 分钟内完成注册）。"))
        return redirect("signup:start")
    channel, target = verified
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.register(channel, target, name=form.cleaned_data["name"],
                                     username=form.cleaned_data["username"], password=form.cleaned_data["password1"],
                                     ip=client_ip(request))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            request.session.pop(SESSION_KEY, None)
            login(request, user, backend=BACKEND)
            messages.success(request, _("注册成功。请完成实名认证，以便关联或建立您的科技工作者档案。"))
            return redirect("signup:verify")
    return render(request, "signup/account.html", {"form": form, "purposes": Purpose.choices,
                                                   "contact": _masked(channel, target)})


def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The privacy notice (服务协议与隐私政策): who processes what, for which purposes, and the person's rights."""
    return render(request, "signup/notice.html", {"purposes": Purpose.choices, "version": services.CONSENT_VERSION})


# ---- real-name verification -------------------------------------------------------------------------------------

@login_required
def verify(request: HttpRequest) -> HttpResponse:
    person = services.linked_person(request.user)
    claim = services.pending_claim(request.user)
    if person is not None or claim is not None:
        return render(request, "signup/verify.html", {"person": person, "claim": claim})
    form = VerifyForm(request.POST or None)
    needs_org = taken = None
    if request.method == "POST" and form.is_valid():
        if not hit(request, "signup-verify"):
            form.add_error(None, str(TOO_MANY))
        else:
            try:
                outcome = services.verify_identity(request.user, form.cleaned_data["name"],
                                                   form.cleaned_data["id_number"], form.cleaned_data["org"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if outcome.kind in ("claimed", "created"):
                    messages.success(request, _("实名认证完成：已关联您的科技工作者档案。") if outcome.kind == "claimed"
                                     else _("实名认证完成：已为您建立科技工作者档案。"))
                    return redirect("me")
                if outcome.kind == "requested":
                    messages.info(request, _("平台中已有您的档案，但登记的手机号或邮箱与您验证的不一致，已请所属组织确认。"))
                    return redirect("signup:verify")
                if outcome.kind == "taken":
                    taken = outcome.person
                needs_org = outcome.kind == "needs_org"
    elif request.method == "POST":
        needs_org = bool(request.POST.get("org") or request.POST.get("q"))
    return render(request, "signup/verify.html", {"form": form, "needs_org": needs_org, "taken": taken,
                                                  "org_query": (request.POST.get("q") or "")[:40]})


@login_required
def associations(request: HttpRequest) -> HttpResponse:
    """The search-as-you-type list of city and county associations (a fragment of radio buttons)."""
    form = AssociationSearchForm(request.GET)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    orgs = list(services.associations().filter(name__icontains=q).select_related("region")
                .order_by("level", "name")[:20]) if q else []
    return render(request, "signup/verify.html#associations", {"orgs": orgs, "q": q})


@login_required
@require_POST
def cancel_claim(request: HttpRequest) -> HttpResponse:
    claim = services.pending_claim(request.user)
    if claim is None:
        return bad_request(request, _("没有等待确认的认领申请。"))
    services.cancel_claim(request.user, claim.pk)
    messages.success(request, _("已撤销认领申请。"))
    return redirect("signup:verify")


# ---- consent ----------------------------------------------------------------------------------------------------

@login_required
def privacy(request: HttpRequest) -> HttpResponse:
    """我的隐私: every purpose with its consent, grant or withdraw; what a public expert profile shows."""
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if not form.is_valid():
            return bad_request(request, _("请求有误，未做任何更改。"))
        purpose, op = form.cleaned_data["purpose"], form.cleaned_data["op"]
        try:
            if op == "grant":
                services.grant_consent(request.user, purpose, ip=client_ip(request))
                messages.success(request, _("已同意：%(p)s。") % {"p": Purpose(purpose).label})
            else:
                services.withdraw_consent(request.user, purpose)
                messages.success(request, _("已撤回：%(p)s。") % {"p": Purpose(purpose).label})
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("signup:privacy")
    active = services.active_consents(request.user)
    person = services.linked_person(request.user)
    rows = [{"purpose": code, "label": label, "consent": active.get(code)} for code, label in Purpose.choices]
    return render(request, "signup/privacy.html", {
        "rows": rows, "person": person, "history": services.consent_rows(request.user),
        "disciplines": list(person.disciplines.all()) if person else [],
    })


# ---- deletion ---------------------------------------------------------------------------------------------------

@login_required
def delete(request: HttpRequest) -> HttpResponse:
    pending = services.pending_deletion(request.user)
    form = DeletionForm(request.POST or None)
    if request.method == "POST" and pending is None and form.is_valid():
        try:
            services.request_deletion(request.user, form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("注销申请已提交。15 天内可随时撤销。"))
            return redirect("signup:delete")
    person = services.linked_person(request.user)
    contact = services.contact_of(request.user)
    self_registered = bool(person and contact and contact.created_person_id == person.pk)
    return render(request, "signup/delete.html", {"form": form, "pending": pending, "person": person,
                                                  "self_registered": self_registered,
                                                  "grace_days": services.DELETION_GRACE.days})


@login_required
@require_POST
def delete_cancel(request: HttpRequest) -> HttpResponse:
    try:
        services.cancel_deletion(request.user)
    except ValidationError as exc:
        return bad_request(request, " ".join(exc.messages))
    messages.success(request, _("已撤销注销申请，账号继续有效。"))
    return redirect("signup:delete")


# ---- staff: claims ----------------------------------------------------------------------------------------------

CLAIM_COLUMNS = (
    Column("at", gettext_lazy("申请时间"), ("created_at",)),
    Column("name", gettext_lazy("填写的姓名"), ("name",)),
    Column("person", gettext_lazy("认领的档案")),
    Column("org", gettext_lazy("所属组织")),
    Column("status", gettext_lazy("状态"), ("status",)),
    Column("open", ""),
)


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    qs = (ClaimRequest.objects.for_user(request.user, "signup.claims").select_related("person__org")
          .order_by("-created_at", "-id"))
    show_all = request.GET.get("all") == "1"
    if not show_all:
        qs = qs.filter(status=ClaimStatus.PENDING)
    table = Table(request, qs, CLAIM_COLUMNS, row_template="signup/claims.html#row", per_page=50, empty=Empty(
        _("没有待确认的档案认领申请。个人实名认证时，如登记的手机号或邮箱与其验证的不一致，申请会出现在这里。"),
        filtered=_("没有符合条件的认领申请。")))
    return render(request, "signup/claims.html", {"table": table, "show_all": show_all})


@login_required
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_in_scope(ClaimRequest.objects.select_related("person__org", "user__contact"), request.user, pk,
                       "signup.claims")
    can_act = user_can(request.user, "people.change", obj.person.org_path)
    return render(request, "signup/claim.html", {"claim": obj, "can_act": can_act, "form": RejectForm()})


@login_required
@require_POST
def claim_decide(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_in_scope(ClaimRequest.objects, request.user, pk, "signup.claims")
    op = request.POST.get("op")
    try:
        if op == "approve":
            services.approve_claim(request.user, obj.pk)
            messages.success(request, _("已确认认领，档案已关联申请人的账号。"))
        elif op == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                return render(request, "signup/claim.html", {
                    "claim": obj, "form": form, "can_act": user_can(request.user, "people.change", obj.org_path)})
            services.reject_claim(request.user, obj.pk, form.cleaned_data["reason"])
            messages.success(request, _("已不予确认，申请人将收到理由。"))
        else:
            return bad_request(request, _("请求有误，未做任何更改。"))
    except PermissionDenied as exc:
        return forbidden(exc, request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(reverse("signup:claim", args=[obj.pk]))
