from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kexie.core.registry import ApiRoute, DailyJob, KexieAppConfig, MenuEntry


class MembersConfig(KexieAppConfig):
    name = "kexie.members"
    label = "members"
    verbose_name = _("会员与组织机构")
    menu = (MenuEntry(pgettext_lazy("navigation", "会员"), "members:list", order=30, action="view"),)
    daily_jobs = (
        DailyJob("kexie.members.tasks.refresh_people_counts_task", order=10),  # safety net, prints nothing
        DailyJob("kexie.members.tasks.refresh_membership_statuses", order=20, report="kexie.members.apps.statuses_line"),
    )
    api_routes = (ApiRoute("memberships", "kexie.api.views.MembershipViewSet", "membership"),)


def statuses_line(counts: dict[str, int]) -> str:
    from django.utils.translation import gettext

    from kexie.core.text import join_list

    return gettext("会员状态已刷新：") + join_list(f"{k} {v}" for k, v in counts.items())
