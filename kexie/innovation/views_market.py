"""Pages of the marketplace (科创云集市) and of service statistics. Thin: writes are in ``market``.

The marketplace pages are public (no login): published public needs and published achievements only, as decided
by ``market.public_needs()`` / ``market.public_achievements()``; never an enterprise's name or contacts. Staff pages
(achievements, enquiries, the service dashboard and its export) start from ``for_user`` like every other list.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField as CharF
from django.db.models import F, Q, Value
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kexie.core import ratelimit
from kexie.core.export import xlsx_sheets_response
from kexie.core.http import client_ip, error_messages, paginate
from kexie.core.scope import get_in_scope, scope_paths, user_can
from kexie.core.search import query_tokens
from kexie.innovation import dashboard, market, recommend
from kexie.innovation.data.industries import DIVISIONS
from kexie.innovation.models import (
    Achievement,
    AchievementStatus,
    Enquiry,
    EnquiryStatus,
    Maturity,
    Need,
    NeedKind,
    TransferMode,
)
from kexie.orgs.models import Organisation

INDUSTRY_NAMES = {code: name for code, name, _s in DIVISIONS}
INDUSTRY_CHOICES = [("", "—"), *[(code, f"{code} {name}") for code, name, _section in DIVISIONS]]
KINDS = (("need", gettext_lazy("技术需求")), ("achievement", gettext_lazy("科技成果")))


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
        "industries": INDUSTRY_CHOICES[1:], "maturities": Maturity.choices,
    })


def _enquire(request: Any, target: Need | Achievement) -> tuple[dict[str, str], list[str], int]:
    """Handle the enquiry form on a detail page: (values to show again, errors, status code)."""
    values = {k: request.POST.get(k, "")[:4000] for k in ("name", "organisation", "contact", "text")}
    try:
        market.lodge_enquiry(request.user if request.user.is_authenticated else None, target, **values)
    except ValidationError as exc:
        return values, error_messages(exc), 400
    return {}, [], 302


def _market_detail(request: Any, target: Need | Achievement | None, name: str, done: str) -> Any:
    """A public detail page (``innovation/market_<name>.html``) with its enquiry form."""
    if target is None:
        raise Http404(_("记录不存在或未公开。"))
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    values: dict[str, str] = {}
    errors: list[str] = []
    status = 200
    if request.method == "POST" and not ratelimit.hit(request, "market-enquiry"):
        values = {k: request.POST.get(k, "")[:4000] for k in ("name", "organisation", "contact", "text")}
        errors, status = [_("提交过于频繁，请稍后再试。")], 429
    elif request.method == "POST":
        values, errors, status = _enquire(request, target)
        if status == 302:
            messages.success(request, done)
            return redirect(f"innovation:market-{name}", pk=target.pk)
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
class AchievementForm(forms.Form):
    """Plain fields; ``market.clean_achievement`` says what is wrong, in Chinese."""

    title = forms.CharField(label=gettext_lazy("成果名称"), max_length=200, required=False)
    description = forms.CharField(label=gettext_lazy("成果简介"), max_length=6000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    holders = forms.CharField(label=gettext_lazy("成果持有人"), max_length=2000, required=False,
                              help_text=gettext_lazy("姓名，用顿号、逗号或换行分隔"))
    holder_org = forms.CharField(label=gettext_lazy("持有单位"), max_length=200, required=False)
    maturity = forms.ChoiceField(label=gettext_lazy("成熟度"), choices=[("", "—"), *Maturity.choices],
                                 required=False)
    transfer_mode = forms.ChoiceField(label=gettext_lazy("转化方式"), choices=[("", "—"), *TransferMode.choices],
                                      required=False)
    patents = forms.CharField(label=gettext_lazy("专利"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=gettext_lazy("专利号，如 ZL202110123456.7，每行一个"))
    industry = forms.ChoiceField(label=gettext_lazy("应用行业"), choices=INDUSTRY_CHOICES, required=False)
    price = forms.CharField(label=gettext_lazy("参考价格（万元）"), max_length=20, required=False)


def _owners(user: Any) -> list[Organisation]:
    return list(Organisation.objects.for_user(user, "change").alive().order_by("path")[:300])


def _can_register(user: Any) -> bool:
    return scope_paths(user, "change") != []


@login_required
def achievement_list(request):
    qs = Achievement.objects.for_user(request.user).alive().select_related("owner")
    status, q = request.GET.get("status", ""), request.GET.get("q", "").strip()[:100]
    if status in AchievementStatus.values:
        qs = qs.filter(status=status)
    qs = _search(qs, q)
    return render(request, "innovation/achievements.html", {
        "page": paginate(request, qs.order_by("-created_at", "-id")), "status": status, "q": q,
        "statuses": AchievementStatus.choices, "can_create": _can_register(request.user),
    })


def _form_errors(form: forms.Form, exc: Exception) -> None:
    for m in error_messages(exc):
        form.add_error(None, m)


@login_required
def achievement_create(request):
    owners = _owners(request.user)
    if not owners:
        raise PermissionDenied(_("您无权登记科技成果。"))
    form = AchievementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        owner = next((o for o in owners if str(o.pk) == request.POST.get("owner")), None)
        if owner is None:
            form.add_error(None, _("请选择登记单位。"))
        else:
            try:
                ach = market.create_achievement(request.user, owner, **form.cleaned_data)
                if request.POST.get("action") == "publish":
                    market.publish_achievement(request.user, ach)
                    messages.success(request, _("成果已发布到科创云集市。"))
                else:
                    messages.success(request, _("草稿已保存。"))
                return redirect("innovation:achievement", pk=ach.pk)
            except (ValidationError, PermissionDenied) as exc:
                _form_errors(form, exc)
    return render(request, "innovation/achievement_form.html", {"form": form, "owners": owners, "ach": None},
                  status=400 if form.errors else 200)


@login_required
def achievement_edit(request, pk: int):
    ach: Achievement = get_in_scope(Achievement.objects.alive(), request.user, pk, "change")
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
            _form_errors(form, exc)
    return render(request, "innovation/achievement_form.html", {"form": form, "owners": [], "ach": ach},
                  status=400 if form.errors else 200)


@login_required
def achievement_detail(request, pk: int):
    ach: Achievement = get_in_scope(Achievement.objects.alive().select_related("owner", "created_by"),
                                    request.user, pk)
    staff = user_can(request.user, "change", ach.org_path)
    return render(request, "innovation/achievement.html", {
        "ach": ach, "staff": staff, "industry": INDUSTRY_NAMES.get(ach.industry, ""),
        "enquiries": Enquiry.objects.for_user(request.user).filter(achievement=ach).order_by("-created_at")[:50],
        "matched_needs": recommend.needs_for_achievement(ach) if staff else [],
    })


@login_required
@require_POST
def achievement_act(request, pk: int):
    ach: Achievement = get_in_scope(Achievement.objects.alive(), request.user, pk, "change")
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            market.publish_achievement(request.user, ach)
            messages.success(request, _("成果已发布到科创云集市。"))
        elif action == "withdraw":
            market.withdraw_achievement(request.user, ach, request.POST.get("reason", ""))
            messages.success(request, _("成果已下架。"))
        else:
            raise ValidationError(_("未知的操作。"))
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    return redirect("innovation:achievement", pk=ach.pk)


# ---- enquiries (staff) -------------------------------------------------------------------------------
@login_required
def enquiry_list(request):
    qs = Enquiry.objects.for_user(request.user).select_related("need", "achievement", "handled_by")
    status = request.GET.get("status", "")
    if status in EnquiryStatus.values:
        qs = qs.filter(status=status)
    page = paginate(request, qs.order_by("status", "-created_at", "-id"))
    for e in page.object_list:
        e.contact_masked = market.mask_contact(e.contact)
    return render(request, "innovation/enquiries.html", {"page": page, "status": status,
                                                         "statuses": EnquiryStatus.choices})


@login_required
def enquiry_detail(request, pk: int):
    """One enquiry: the full contact for staff who may handle it (logged), and the handling form."""
    enquiry: Enquiry = get_in_scope(Enquiry.objects.select_related("need", "achievement", "handled_by"),
                                    request.user, pk, "change")
    errors: list[str] = []
    if request.method == "POST":
        try:
            market.handle_enquiry(request.user, enquiry, request.POST.get("note", ""))
            messages.success(request, _("已标记为已处理。"))
            return redirect("innovation:enquiry", pk=enquiry.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    contact = market.reveal_contact(request.user, enquiry, client_ip(request))
    return render(request, "innovation/enquiries.html", {"e": enquiry, "contact": contact, "errors": errors},
                  status=400 if errors else 200)


# ---- service statistics --------------------------------------------------------------------------------
@login_required
def services_dashboard(request):
    year = dashboard.parse_year(request.GET.get("year"))
    stats = dashboard.service_stats(request.user, year)
    this = dashboard.parse_year(None)
    return render(request, "innovation/services.html", {
        "stats": stats, "year": year, "years": list(range(this, max(dashboard.FIRST_YEAR, this - 9) - 1, -1)),
    })


@login_required
def services_export(request):
    year = dashboard.parse_year(request.GET.get("year"))
    if scope_paths(request.user, "export") == []:
        raise PermissionDenied(_("您无权导出数据。"))
    stats = dashboard.service_stats(request.user, year, "export")  # the export scope, not the wider view scope

    def society_rows():
        for r in stats.societies:
            yield [r.name, r.services, r.enterprises, r.records, r.rating, r.rated]

    def expert_rows():
        for r in stats.experts:
            yield [r.name, r.extra, r.societies, r.services, r.enterprises, r.rating, r.rated]

    def record_rows():
        qs = (dashboard.records(request.user, year, "export").select_related("society", "expert", "need")
              .order_by("served_on", "id"))
        for s in qs.iterator(chunk_size=2000):
            yield [s.served_on, s.society.name if s.society else "", s.expert.name if s.expert else "",
                   s.enterprise_name, s.get_kind_display(), s.get_source_display(), s.need.code if s.need else "",
                   s.dispatch_id or "", s.outcome, s.rating]

    total = stats.total
    summary = [
        [_("服务次数"), total.services], [_("服务企业数"), total.enterprises], [_("服务记录数"), total.records],
        [_("平均评价"), total.rating],
        [_("服务学会数"), stats.societies_served], [_("学会目标"), stats.target_societies],
        [_("服务专家数"), stats.experts_served], [_("专家目标"), stats.target_experts],
    ]
    return xlsx_sheets_response(_("服务企业统计-%(y)s") % {"y": year}, [
        (_("按学会"), [_("学会"), _("服务次数"), _("服务企业数"), _("服务记录数"), _("平均评价"), _("评价次数")],
         society_rows()),
        (_("按专家"), [_("专家"), _("工作单位"), _("服务学会数"), _("服务次数"), _("服务企业数"), _("平均评价"),
                    _("评价次数")], expert_rows()),
        (_("服务记录"), [_("服务日期"), _("服务学会"), _("服务专家"), _("企业名称"), _("服务类型"), _("来源"),
                     _("需求编号"), _("派单"), _("服务成效"), _("企业评价")], record_rows()),
        (_("汇总"), [_("指标"), _("数值")], summary),
    ])

