"""Readers' writes of the effect area: a rating (stars and/or 是否有帮助) — one per reader and item, changed not
added, on published items only. Views and reading beacons go through ``counter`` (buffered)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kexie.kepu.models import Item, Rating


def rate(item: Item, *, reader: str, user: Any = None, stars: int | None = None, helped: bool | None = None,
         region_code: str = "") -> Rating:
    """Save the reader's rating of ``item`` (what is not given keeps its earlier value)."""
    if stars is None and helped is None:
        raise ValidationError(_("请选择评分或回答是否有帮助。"))
    if stars is not None and not 1 <= stars <= 5:
        raise ValidationError(_("评分须为 1 到 5 星。"))
    if not reader:
        raise ValidationError(_("无法识别读者，请允许本站使用必要的 Cookie 后重试。"))
    if not Item.objects.for_public().filter(pk=item.pk).exists():
        raise ValidationError(_("只能评价已发布的作品。"))
    signed_in = user if getattr(user, "is_authenticated", False) else None
    for _attempt in range(2):
        try:
            with transaction.atomic():
                rating = Rating.objects.select_for_update().filter(item=item, reader=reader).first()
                if rating is None:
                    rating = Rating(item=item, reader=reader)
                if stars is not None:
                    rating.stars = stars
                if helped is not None:
                    rating.helped = helped
                rating.user = signed_in or rating.user
                rating.region_code = region_code or rating.region_code
                rating.save()
                return rating
        except IntegrityError:  # the same reader's first rating saved concurrently: change that one
            continue
    raise ValidationError(_("评价未能保存，请稍后重试。"))
