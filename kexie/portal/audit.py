"""The audit codes of the portal (新闻公告) and what they mean, shown in history instead of the raw code
(collected by ``kexie.core.audit.audit_codes``; decision 0023)."""

from django.utils.translation import gettext_lazy as _

AUDIT_CODES = {
    "portal.article.created": _("撰写新闻公告"),
    "portal.article.edited": _("修改新闻公告"),
    "portal.article.published": _("发布新闻公告"),
    "portal.article.withdrawn": _("撤回新闻公告"),
    "portal.article.deleted": _("删除新闻公告"),
    "portal.article.restored": _("恢复新闻公告"),
}
