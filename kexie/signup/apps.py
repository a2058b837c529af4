from django.utils.translation import gettext_lazy as _

from kexie.core.registry import Action, DailyJob, KexieAppConfig, MenuEntry, NoticeKind


class SignupConfig(KexieAppConfig):
    """Accounts for individuals: self-registration by phone or e-mail with a verification code, real-name
    verification (claiming a registry record), consent records (PIPL) and account deletion requests."""

    name = "kexie.signup"
    label = "signup"
    url_prefix = "signup/"
    desk = ("kexie.signup.desk.todos",)  # the to-do desk of the home page (decision 0041)
    verbose_name = _("个人账号")
    actions = (Action("signup.claims", _("处理档案认领申请"), "change"),)
    menu = (MenuEntry(_("档案认领"), "signup:claims", order=26, action="signup.claims"),)
    notices = (
        NoticeKind("signup.", _("个人账号"), _("档案认领的处理结果、注销申请的受理"), audience="people"),
        NoticeKind("signup.claim-arrived.", _("新的档案认领申请"),
                   _("本组织的科技工作者档案被个人账号申请认领、需要核对确认时通知。"), audience="staff"),
    )
    daily_jobs = (
        DailyJob("kexie.signup.tasks.carry_out_deletions", order=95,
                 line=_("到期注销的账号：{accounts} 个；清理过期验证码 {codes} 条。")),
    )
