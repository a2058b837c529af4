"""换届与治理合规: the overview of bodies with a verdict per rule, a term's detail, the rules page and
the Excel export. Thin: the work is in ``services`` and ``rules``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from kexie.core.export import xlsx_response
from kexie.core.http import bad_request, error_messages, forbidden
from kexie.core.scope import get_in_scope
from kexie.core.tables import Column, Empty, Table
from kexie.core.text import bracketed
from kexie.governance import services
from kexie.governance.forms import OverviewForm, RuleForm
from kexie.governance.models import ComplianceRule
from kexie.governance.rules import Verdict, requirement

PAGE_SIZE = 50


OVERVIEW_COLUMNS = (
    Column("org", gettext_lazy("组织"), ("org_name",)),
    Column("kind", gettext_lazy("组织类型"), ("org_kind",), "hide-sm"),
    Column("body", gettext_lazy("领导机构"), ("body_kind_label",)),
    Column("term", gettext_lazy("本届"), ("facts.ends_on",)),
    Column("verdict", gettext_lazy("合规情况"), ("severity",)),
    Column("problems", gettext_lazy("不合规及提醒事项")),
)


@login_required
def overview(request):
    form = OverviewForm(request.GET)
    template = "governance/overview.html#results" if request.htmx else "governance/overview.html"
    if not form.is_valid():
        response = render(request, template, {"form": form, "ov": None}, status=200 if request.htmx else 400)
    else:
        ov = services.overview(request.user, form.filters(), "governance.view")
        table = Table(request, ov.rows, OVERVIEW_COLUMNS, row_template="governance/overview.html#row",
                      filterset=form, per_page=PAGE_SIZE, export_url=reverse("governance:export"),
                      export_id="governance-export", table_id="governance-bodies", empty=Empty(
                          _("您的范围内还没有登记领导机构。"), _("查看组织树"), reverse("orgs:tree"),
                          filtered=_("没有符合条件的领导机构。")))
        response = render(request, template, {"form": form, "ov": ov, "table": table, "page": table.page})
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def export(request):
    form = OverviewForm(request.GET)
    if not form.is_valid():
        return bad_request(request, _("筛选条件有误，无法导出。"))
    ov = services.overview(request.user, form.filters(), "governance.export")
    verdicts = dict(Verdict.choices)
    sep = pgettext("message separator", "；")
    headers = [_("组织名称"), _("组织编码"), _("组织类型"), _("领导机构"), _("届次"), _("起始日期"), _("届满日期"),
               _("在任人数"), _("一线人数"), _("合规结论"), _("不合规及提醒事项"), *[rule.name for rule in ov.rules]]

    def rows():
        for row in ov.rows:
            f = row.facts
            problems = sep.join(bracketed(r.rule.name, r.figure) for r in row.failures)
            yield (row.org_name, row.org_code, row.org_kind, row.body_kind_label, f.number, f.starts_on, f.ends_on,
                   f.members if f.term_id else None, f.frontline if f.term_id else None, str(verdicts[row.verdict]),
                   problems, *[str(verdicts[r.verdict]) for r in row.results])

    return xlsx_response(_("治理合规"), _("治理合规"), headers, rows())


@login_required
def term(request, pk: int):
    term = get_in_scope(services.ScopedTerms(), request.user, pk)
    report = services.term_report(term)
    items = [{"result": r, "people": report.people_of(r)} for r in report.results if r.applicable]
    return render(request, "governance/term.html", {
        "term": term, "body": term.body, "report": report, "items": items,
        "roster": list(report.roster.values()),
        "not_applicable": [r.rule for r in report.results if not r.applicable],
    })


def _rule_rows(rules, forms=None):
    forms = forms or {}
    return [{"rule": r, "requirement": requirement(r.spec()),
             "form": forms.get(r.pk) or RuleForm(initial={"threshold": r.threshold_display,
                                                          "parameter": r.parameter or "", "active": r.active})}
            for r in rules]


@login_required
def rules(request):
    return render(request, "governance/rules.html", {
        "rows": _rule_rows(ComplianceRule.objects.order_by("sort", "code")),
        "can_edit": services.can_edit_rules(request.user),
    })


@login_required
@require_POST
def rule_edit(request, pk: int):
    rule = get_object_or_404(ComplianceRule, pk=pk)
    form = RuleForm(request.POST)
    form.is_valid()  # every field is optional text: the service parses and checks the values
    data = form.cleaned_data
    try:
        rule = services.update_rule(request.user, rule.pk, threshold=data.get("threshold"),
                                    parameter=data.get("parameter"), active=bool(data.get("active")))
    except PermissionDenied as exc:
        return forbidden(exc, request)
    except ValidationError as exc:
        for field, msgs in getattr(exc, "message_dict", {"threshold": error_messages(exc)}).items():
            for msg in msgs:
                form.add_error(field if field in form.fields else None, msg)
        rule.refresh_from_db()
        context = {"row": _rule_rows([rule], {rule.pk: form})[0], "can_edit": True}
        if request.htmx:
            return render(request, "governance/rules.html#rule", context)
        return render(request, "governance/rules.html", {
            "rows": _rule_rows(ComplianceRule.objects.order_by("sort", "code"), {rule.pk: form}), "can_edit": True,
        }, status=400)
    if request.htmx:
        return render(request, "governance/rules.html#rule",
                      {"row": _rule_rows([rule])[0], "can_edit": True, "saved": True})
    messages.success(request, _("规则“%(name)s”已保存。") % {"name": rule.label})
    return redirect("governance:rules")
