"""Pages of the marketplace (科创云集市) and of achievements. Thin: input through ``forms``, writes in ``services``
and ``enquiries``; the achievement's buttons follow ``Achievement.WORKFLOW`` and the user's change scope.

The marketplace pages are public (no login): published public needs and published achievements only, as decided
by ``services.public_needs()`` / ``services.public_achievements()``; never an enterprise's name or contacts. Staff
pages (achievements here; enquiries and the service dashboard in ``views_staff``) start from ``for_user``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField as CharF
from django.db.models import F, Q, Value
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core import ratelimit
from kexie.core.http import error_messages, paginate
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.search import query_tokens
from kexie.core.tables import Column, Empty, Table
from kexie.innovation import recommend
from kexie.innovation.data import industries
from kexie.innovation.formfields import ActionForm, add_errors, cleaned, form_errors, lenient
from kexie.innovation.market import enquiries
from kexie.innovation.market import services as market
from kexie.innovation.market.forms import (
    ENQUIRY_FIELDS,
    INDUSTRY_CHOICES,
    AchievementActForm,
    AchievementFilter,
    AchievementForm,
    AchievementOwnerForm,
    EnquiryForm,
)
from kexie.innovation.models import Achievement, Enquiry, Maturity, Need, NeedKind
from kexie.orgs.models import Organisation

INDUSTRY_NAMES = industries.NAMES  # in the interface language
FLOW = Achievement.WORKFLOW
KINDS = (("need", gettext_lazy("技术需求")), ("achievement", gettext_lazy("科技成果")))
ACHIEVEMENT_COLUMNS = (
    Column("title", gettext_lazy("成果名称"), ("title",)),
    Column("owner", gettext_lazy("登记单位"), ("owner__name",), "hide-sm"),
    Column("maturity", gettext_lazy("成熟度"), ("maturity",), "hide-sm"),
    Column("mode", gettext_lazy("转化方式"), ("transfer_mode",), "hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
)


# ---- public marketplace ------------------------------------------------------------------------------
def _search(qs: Any, q: str) -> Any:
    """Every token of the query (jieba-segmented) in the title or the description."""
    for token in query_tokens(q):
        qs = qs.filter(Q(title__icontains=token) | Q(description__icontains=token))
    return qs


def market_home(request):
    q = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    industry = request.GET.get("industry", "")
    maturity = request.GET.get("maturity", "")
    kind = kind if kind in ("need", "achievement") else ""
    industry = industry if industry in INDUSTRY_NAMES else ""
    maturity = maturity if maturity in Maturity.values else ""
    cols = ("pk", "title", "description", "industry", "published_at", "t", "sub")
    needs = _search(market.public_needs(), q)
    achievements = _search(market.public_achievements(), q)
    if industry:
        needs, achievements = needs.filter(industry=industry), achievements.filter(industry=industry)
    if maturity:
        achievements = achievements.filter(maturity=maturity)
    needs = needs.annotate(t=Value("need", output_field=CharF()), sub=F("kind")).values(*cols)
    achievements = achievements.annotate(t=Value("achievement", output_field=CharF()),
                                         sub=F("maturity")).values(*cols)
    if kind == "need" and not maturity:
        rows = needs
    elif kind == "need":
        rows = needs.none()
    elif kind == "achievement" or maturity:
        rows = achievements
    else:
        rows = needs.order_by().union(achievements.order_by(), all=True)
    page = paginate(request, rows.order_by("-published_at", "-pk"), per_page=20)
    labels = {**dict(NeedKind.choices), **dict(Maturity.choices)}
    for row in page.object_list:
        row["sub_label"] = labels.get(row["sub"], "")
        row["industry_name"] = INDUSTRY_NAMES.get(row["industry"], "")
    return render(request, "innovation/market.html", {
        "page": page, "q": q, "kind": kind, "industry": industry, "maturity": maturity, "kinds": KINDS,
        "industries": INDUSTRY_CHOICES()[1:], "maturities": Maturity.choices,
    })


def _market_detail(request: Any, target: Need | Achievement | None, name: str, done: str) -> Any:
    """A public detail page (``innovation/market_<name>.html``) with its enquiry form."""
    if target is None:
        raise Http404(_("记录不存在或未公开。"))
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = EnquiryForm(request.POST) if request.method == "POST" else None
    errors: list[str] = []
    status = 200
    if form is not None and not ratelimit.hit(request, "market-enquiry"):
        errors, status = [_("提交过于频繁，请稍后再试。")], 429
    elif form is not None and not form.is_valid():
        errors, status = form_errors(form), 400
    elif form is not None:
        try:
            enquiries.lodge_enquiry(request.user if request.user.is_authenticated else None, target,
                                    **{k: form.cleaned_data[k] for k in ENQUIRY_FIELDS})
            messages.success(request, done)
            return redirect(f"innovation:market-{name}", pk=target.pk)
        except ValidationError as exc:
            errors, status = error_messages(exc), 400
    values = {k: str(form[k].value() or "")[:4000] for k in ENQUIRY_FIELDS} if form is not None and errors else {}
    key = "need" if name == "need" else "ach"
    return render(request, f"innovation/market_{name}.html", {
        key: target, "industry": INDUSTRY_NAMES.get(target.industry, ""), "values": values, "errors": errors,
    }, status=status)


def market_need(request, pk: int):
    need = market.public_needs().select_related("owner", "region").filter(pk=pk).first()
    return _market_detail(request, need, "need", _("对接意向已提交，受理科协将尽快与您联系。"))


def market_achievement(request, pk: int):
    ach = market.public_achievements().select_related("owner").filter(pk=pk).first()
    return _market_detail(request, ach, "achievement", _("对接意向已提交，登记单位将尽快与您联系。"))


# ---- achievements (staff) ----------------------------------------------------------------------------
def _owners(user: Any) -> list[Organisation]:
    return list(Organisation.objects.for_user(user, "innovation.change").alive().order_by("path")[:300])


def _can_register(user: Any) -> bool:
    return scope_paths(user, "innovation.change") != []


@login_required
def achievement_list(request):
    qs = Achievement.objects.for_user(request.user).alive().select_related("owner")
    flt = AchievementFilter(request.GET)
    data = lenient(flt)
    if data["status"]:
        qs = qs.filter(status=data["status"])
    qs = _search(qs, (data["q"] or "").strip()[:100])
    can_create = _can_register(request.user)
    table = Table(request, qs.order_by("-created_at", "-id"), ACHIEVEMENT_COLUMNS,
                  row_template="innovation/achievements.html#row", filterset=flt, table_id="achievements",
                  empty=Empty(_("暂无科技成果。登记成果并发布后，企业可以在科创云集市看到并提出对接意向。"),
                              _("登记第一项成果") if can_create else "",
                              reverse("innovation:achievement-create") if can_create else "",
                              filtered=_("没有符合条件的科技成果。")))
    return render(request, "innovation/achievements.html", {"table": table, "filter": flt, "can_create": can_create})


@login_required
def achievement_create(request):
    owners = _owners(request.user)
    if not owners:
        raise PermissionDenied(_("您无权登记科技成果。"))
    form = AchievementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        owner_id = lenient(AchievementOwnerForm(request.POST))["owner"]  # never invalid: a malformed id is None
        owner = next((o for o in owners if o.pk == owner_id), None)
        if owner is None:
            form.add_error(None, _("请选择登记单位。"))
        else:
            try:
                ach = market.create_achievement(request.user, owner, **form.cleaned_data)
                if ActionForm(request.POST).value() == "publish":
                    market.publish_achievement(request.user, ach)
                    messages.success(request, _("成果已发布到科创云集市。"))
                else:
                    messages.success(request, _("草稿已保存。"))
                return redirect("innovation:achievement", pk=ach.pk)
            except (ValidationError, PermissionDenied) as exc:
                add_errors(form, exc)
    owner_id = str(lenient(AchievementOwnerForm(request.POST))["owner"] or "") if request.method == "POST" else ""
    return render(request, "innovation/achievement_form.html", {"form": form, "owners": owners, "ach": None,
                                                                "owner_id": owner_id},
                  status=400 if form.errors else 200)


@login_required
def achievement_edit(request, pk: int):
    ach: Achievement = get_in_scope(Achievement.objects.alive(), request.user, pk, "innovation.change")
    initial: dict[str, Any] = {k: getattr(ach, k) for k in market.ACHIEVEMENT_FIELDS}
    initial["holders"] = "、".join(h.get("name", "") for h in ach.holders if isinstance(h, dict))
    initial["patents"] = "\n".join(str(p) for p in ach.patents or [])
    form = AchievementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            market.edit_achievement(request.user, ach, **form.cleaned_data)
            messages.success(request, _("已保存。"))
            return redirect("innovation:achievement", pk=ach.pk)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc)
    return render(request, "innovation/achievement_form.html", {"form": form, "owners": [], "ach": ach},
                  status=400 if form.errors else 200)


@login_required
def achievement_detail(request, pk: int):
    ach: Achievement = get_in_scope(Achievement.objects.alive().select_related("owner", "created_by"),
                                    request.user, pk)
    staff = user_can(request.user, "innovation.change", ach.org_path)
    return render(request, "innovation/achievement.html", {
        "ach": ach, "staff": staff, "flow": FLOW, "can_publish": staff and FLOW.allows(ach, "publish"),
        "can_withdraw": staff and FLOW.allows(ach, "withdraw"), "industry": INDUSTRY_NAMES.get(ach.industry, ""),
        "enquiries": Enquiry.objects.for_user(request.user).filter(achievement=ach).order_by("-created_at")[:50],
        "matched_needs": recommend.needs_for_achievement(ach) if staff else [],
    })


@login_required
@require_POST
def achievement_act(request, pk: int):
    ach: Achievement = get_in_scope(Achievement.objects.alive(), request.user, pk, "innovation.change")
    action = ActionForm(request.POST).value()
    try:
        data = cleaned(AchievementActForm(request.POST))
        if action == "publish":
            market.publish_achievement(request.user, ach)
            messages.success(request, _("成果已发布到科创云集市。"))
        elif action == "withdraw":
            market.withdraw_achievement(request.user, ach, data["reason"])
            messages.success(request, _("成果已下架。"))
        else:
            raise ValidationError(_("未知的操作。"))
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("innovation:achievement", pk=ach.pk)
