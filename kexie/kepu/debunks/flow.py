"""The workflow of a debunk: 草稿 → 已发布 → 已撤回 → (重新修改) 草稿. Declared once (kexie/core/workflow.py);
services apply it, pages ask it which buttons show."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kexie.core.workflow import Transition, Workflow
from kexie.kepu.models import DebunkStatus

FLOW = Workflow("status", DebunkStatus, [
    Transition("publish", {DebunkStatus.DRAFT}, DebunkStatus.PUBLISHED, _("发布"),
               refusal=_("只有草稿可以发布。")),
    Transition("retract", {DebunkStatus.PUBLISHED}, DebunkStatus.RETRACTED, _("撤回"),
               confirm=_("撤回后公众页面只显示“已撤回”和更正说明，确定撤回吗？"),
               refusal=_("只有已发布的辟谣可以撤回。"), style="danger"),
    Transition("reopen", {DebunkStatus.RETRACTED}, DebunkStatus.DRAFT, _("重新修改"),
               refusal=_("只有已撤回的辟谣可以重新修改。"), style="secondary"),
])
