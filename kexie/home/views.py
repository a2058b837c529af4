"""Home page and the person's own data (我的资料)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kexie.core.export import xlsx_response
from kexie.core.http import client_ip
from kexie.core.scope import scope_paths
from kexie.orgs.models import Organisation
from kexie.people.models import Person
from kexie.people.services import log_full_views


@login_required
def home(request):
    orgs = Organisation.objects.for_user(request.user).alive()
    roots = orgs.filter(path__in=scope_paths(request.user) or []) if scope_paths(request.user) is not None \
        else orgs.filter(depth=1)
    context = {
        "roots": roots.select_related("kind"),
        "org_count": orgs.count(),
        "people_count": Person.objects.for_user(request.user).alive().count(),
        "person": Person.objects.filter(user=request.user, deleted_at__isnull=True).first(),
    }
    return render(request, "home/home.html", context)


def _own_person(request) -> Person:
    person = Person.objects.filter(user=request.user, deleted_at__isnull=True).select_related("org").first()
    if person is None:
        raise Http404(_("您的账号尚未关联科技工作者档案。"))
    return person


@login_required
def me(request):
    """The person's profile and memberships; for an account with no profile of its own (most staff accounts), the
    account itself: its roles and where they reach, and the account pages."""
    person = Person.objects.filter(user=request.user, deleted_at__isnull=True).select_related("org").first()
    if person is None:
        grants = request.user.assignments.select_related("organisation", "role").order_by("organisation__path")
        return render(request, "home/account.html", {"grants": grants})
    return render(request, "home/me.html", {"person": person,
                                             "memberships": person.memberships.select_related("society")})


@login_required
def me_export(request):
    """个人信息导出 (PIPL): everything the platform holds on the person, in full, to themselves."""
    p = _own_person(request)
    sep, semi = pgettext("list separator", "、"), pgettext("list separator", "；")
    rows = [
        (_("姓名"), p.name), (_("性别"), p.get_gender_display()), (_("出生日期"), p.birth_date),
        (_("民族"), p.ethnicity), (_("身份证号"), p.id_number), (_("手机号"), p.phone), (_("电子邮箱"), p.email),
        (_("所属组织"), p.org.name), (_("工作单位"), p.employer_name), (_("职务"), p.position),
        (_("职称"), p.title), (_("职称级别"), p.get_title_level_display()), (_("学历"), p.get_education_display()),
        (_("学科"), sep.join(str(d) for d in p.disciplines.all())), (_("专业特长"), sep.join(p.expertise)),
        (_("个人简介"), p.bio), (_("荣誉"), semi.join(p.honours)), (_("同意公开专家信息"), p.public_profile),
    ]
    for m in p.memberships.select_related("society"):
        rows.append((_("会员"), f"{m.society.name} {m.get_category_display()} {m.number} {m.get_status_display()}"))
    log_full_views(request.user, [p], ip=client_ip(request))  # one's own full values are logged too
    return xlsx_response(_("我的资料"), _("我的资料"), [_("项目"), _("内容")], rows)
