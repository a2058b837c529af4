"""Staff pages of the marketplace: enquiries (对接意向, handled along ``Enquiry.WORKFLOW``) and the service
statistics with their export. Lists start from ``for_user``; input through ``forms``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.core.export import xlsx_sheets_response
from kexie.core.http import client_ip, error_messages
from kexie.core.scope import get_in_scope, scope_paths
from kexie.core.tables import Column, Empty, Table
from kexie.innovation.formfields import cleaned, lenient
from kexie.innovation.market import dashboard, enquiries
from kexie.innovation.market.forms import EnquiryFilter, HandleForm, ServiceYearForm
from kexie.innovation.models import Enquiry

ENQUIRY_COLUMNS = (
    Column("at", gettext_lazy("提交时间"), ("created_at",)),
    Column("target", gettext_lazy("对接对象")),
    Column("name", gettext_lazy("联系人"), ("name",)),
    Column("org", gettext_lazy("单位"), ("organisation",), "hide-sm"),
    Column("contact", gettext_lazy("联系方式"), css="hide-sm"),
    Column("status", gettext_lazy("状态"), ("status",)),
)
# Two tables on one page: the keys differ, so sorting one leaves the other in its own order.
SOCIETY_COLUMNS = (
    Column("s_name", gettext_lazy("学会"), ("name",)),
    Column("s_services", gettext_lazy("服务次数"), ("services",), "num"),
    Column("s_enterprises", gettext_lazy("服务企业数"), ("enterprises",), "num"),
    Column("s_rating", gettext_lazy("平均评价"), ("rating",), "num"),
)
EXPERT_COLUMNS = (
    Column("e_name", gettext_lazy("专家"), ("name",)),
    Column("e_employer", gettext_lazy("工作单位"), css="hide-sm"),
    Column("e_societies", gettext_lazy("服务学会数"), ("societies",), "num"),
    Column("e_services", gettext_lazy("服务次数"), ("services",), "num"),
    Column("e_enterprises", gettext_lazy("服务企业数"), ("enterprises",), "num"),
    Column("e_rating", gettext_lazy("平均评价"), ("rating",), "num"),
)


# ---- enquiries (staff) -------------------------------------------------------------------------------
@login_required
def enquiry_list(request):
    qs = Enquiry.objects.for_user(request.user).select_related("need", "achievement", "handled_by")
    flt = EnquiryFilter(request.GET)
    status = lenient(flt)["status"]
    if status:
        qs = qs.filter(status=status)
    table = Table(request, qs.order_by("status", "-created_at", "-id"), ENQUIRY_COLUMNS,
                  row_template="innovation/enquiries.html#row", filterset=flt, table_id="enquiries", empty=Empty(
                      _("暂无对接意向。企业和专家在科创云集市看到已发布的需求或成果后提交对接意向，会列在这里待您处理。"),
                      _("打开科创云集市"), reverse("innovation:market"), filtered=_("没有符合条件的对接意向。")))
    for e in table.page.object_list:
        e.contact_masked = enquiries.mask_contact(e.contact)
    return render(request, "innovation/enquiries.html", {"table": table, "filter": flt})


@login_required
def enquiry_detail(request, pk: int):
    """One enquiry: the full contact for staff who may handle it (logged), and the handling form."""
    enquiry: Enquiry = get_in_scope(Enquiry.objects.select_related("need", "achievement", "handled_by"),
                                    request.user, pk, "innovation.change")
    errors: list[str] = []
    if request.method == "POST":
        try:
            enquiries.handle_enquiry(request.user, enquiry, cleaned(HandleForm(request.POST))["note"])
            messages.success(request, _("已标记为已处理。"))
            return redirect("innovation:enquiry", pk=enquiry.pk)
        except (ValidationError, PermissionDenied) as exc:
            errors = error_messages(exc)
    contact = enquiries.reveal_contact(request.user, enquiry, client_ip(request))
    return render(request, "innovation/enquiries.html", {"e": enquiry, "contact": contact, "errors": errors,
                                                         "can_handle": Enquiry.WORKFLOW.allows(enquiry, "handle")},
                  status=400 if errors else 200)


# ---- service statistics --------------------------------------------------------------------------------
@login_required
def services_dashboard(request):
    this = dashboard.parse_year(None)
    year = dashboard.parse_year(request.GET.get("year"))  # any year since FIRST_YEAR; malformed: this year
    years = sorted({*range(this, max(dashboard.FIRST_YEAR, this - 9) - 1, -1), year}, reverse=True)
    form = ServiceYearForm(None, years, year)
    stats = dashboard.service_stats(request.user, year)
    can_dispatch = scope_paths(request.user, "innovation.change") != []
    empty = Empty(_("本年度暂无服务记录。科协把技术需求派给学会、学会服务完成并由企业评价后，服务记录计入这里。"),
                  _("查看技术需求") if can_dispatch else "", reverse("innovation:needs") if can_dispatch else "")
    tables = [Table(request, rows, columns, row_template=f"innovation/services.html#{name}", per_page=1000,
                    table_id=f"by-{name}", empty=empty)
              for rows, columns, name in ((stats.societies, SOCIETY_COLUMNS, "society"),
                                          (stats.experts, EXPERT_COLUMNS, "expert"))]
    for table in tables:
        table.filtered = False  # the year is not a filter: an empty year says what fills it
    return render(request, "innovation/services.html", {
        "stats": stats, "year": year, "form": form, "societies": tables[0], "experts": tables[1],
    })


@login_required
def services_export(request):
    year = dashboard.parse_year(request.GET.get("year"))
    if scope_paths(request.user, "innovation.export") == []:
        raise PermissionDenied(_("您无权导出数据。"))
    stats = dashboard.service_stats(request.user, year, "innovation.export")  # the export scope, not the wider view scope

    def society_rows():
        for r in stats.societies:
            yield [r.name, r.services, r.enterprises, r.records, r.rating, r.rated]

    def expert_rows():
        for r in stats.experts:
            yield [r.name, r.extra, r.societies, r.services, r.enterprises, r.rating, r.rated]

    def record_rows():
        qs = (dashboard.records(request.user, year, "innovation.export").select_related("society", "expert", "need")
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

