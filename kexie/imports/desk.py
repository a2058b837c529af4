"""数据导入 on the to-do desk (工作台, decision 0041): my own imports of the last ``RECENT_DAYS`` days that stopped
on errors (nothing imported: the error workbook says what to correct). One aggregate query."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.core.registry import Todo, summarise
from kexie.core.scope import scope_paths
from kexie.imports.models import BatchStatus, ImportBatch

RECENT_DAYS = 7


def todos(user: Any) -> list[Todo]:
    if scope_paths(user, "imports.view") == []:
        return []
    found = summarise(ImportBatch.objects.for_user(user, "imports.view").filter(
        actor=user, status=BatchStatus.FAILED, finished_at__gte=timezone.now() - dt.timedelta(days=RECENT_DAYS)))
    return [found.todo(_("近 %(days)s 天有错误、未导入的批次") % {"days": RECENT_DAYS}, "imports:detail",
                       reverse("imports:list"), order=80)]
