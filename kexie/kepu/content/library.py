"""中央厨房 (the shared resource library): published items of other organisations that a ``kepu.change`` holder
may carry — those of the organisations above theirs and those of province-level organisations. 采用 (an
``Adoption``) shows the item in the adopter's channel attributed to its organisation; 转载为草稿 makes a copy
(``origin`` set, 来源 the original organisation) owned by the adopter's organisation, which enters review like
any draft."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kexie.core.audit import log_action
from kexie.core.scope import prefix_q, scope_paths
from kexie.core.services import require
from kexie.kepu.content import services
from kexie.kepu.content.media import url_of_pk
from kexie.kepu.models import Adoption, Item, ItemEvent, ItemEventAction, ItemMedia
from kexie.orgs.models import Level, Organisation

STEP = 4  # Organisation.steplen


def ancestors_of(path: str) -> list[str]:
    return [path[:n] for n in range(STEP, len(path), STEP)]


def library_q(user: Any) -> Q:
    """What the user's library offers (besides being public): items above their organisations or of the
    province level, not their own."""
    paths = scope_paths(user, "kepu.change")
    offered = Q(org__level=Level.PROVINCE)
    if paths is None:
        return offered
    if not paths:
        return Q(pk__in=[])
    above = sorted({a for p in paths for a in ancestors_of(p)})
    return (offered | Q(org_path__in=above)) & ~prefix_q("org_path", paths)


def library(user: Any) -> QuerySet[Item]:
    return Item.objects.for_public().filter(library_q(user))


def _offered(actor: Any, item_pk: int) -> Item:
    item = Item.objects.select_for_update().filter(pk=item_pk).first()
    if item is None or not library(actor).filter(pk=item_pk).exists():
        raise ValidationError(_("该作品不在中央厨房中（可能已撤稿），不能采用。"))
    return item


@transaction.atomic
def adopt(actor: Any, item: Item | int, org: Organisation) -> Adoption:
    """采用: ``org``'s channel carries the item, attributed to its organisation."""
    pk = item if isinstance(item, int) else item.pk
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    require(actor, "kepu.change", org.path)
    item = _offered(actor, pk)
    if item.org_id == org.pk:
        raise ValidationError(_("不能采用本单位自己的作品。"))
    if Adoption.objects.filter(item=item, org=org).exists():
        raise ValidationError(_("本单位已采用这件作品。"))
    try:
        with transaction.atomic():
            adoption = Adoption.objects.create(item=item, org=org, org_path=org.path,
                                               adopted_by=services.actor_user(actor))
    except IntegrityError:
        raise ValidationError(_("本单位已采用这件作品。")) from None
    ItemEvent.objects.create(item=item, action=ItemEventAction.ADOPTED, actor=services.actor_user(actor),
                             org_path=item.org_path, version=item.version, comment=org.name)
    log_action(actor, "kepu.item.adopted", item, scope_path=org.path, after={"org": org.name})
    return adoption


@transaction.atomic
def unadopt(actor: Any, adoption: Adoption | int) -> Item:
    """取消采用: the item leaves the adopter's channel."""
    pk = adoption if isinstance(adoption, int) else adoption.pk
    adoption = Adoption.objects.select_for_update().select_related("item", "org").get(pk=pk)
    require(actor, "kepu.change", adoption.org_path)
    item = adoption.item
    log_action(actor, "kepu.item.unadopted", item, scope_path=adoption.org_path,
               before={"org": adoption.org.name})
    adoption.delete()
    return item


def _copy_media(source: Item, copy: Item) -> dict[int, int]:
    """The copy's media rows, sharing the stored files (removing one keeps a file another row uses)."""
    mapping: dict[int, int] = {}
    for media in source.media.all():
        new = ItemMedia.objects.create(item=copy, kind=media.kind, file=media.file.name, caption=media.caption,
                                       size=media.size, order=media.order, uploaded_by=media.uploaded_by)
        mapping[media.pk] = new.pk
    return mapping


@transaction.atomic
def republish(actor: Any, item: Item | int, org: Organisation) -> Item:
    """转载为草稿: a draft copy owned by ``org`` with ``origin`` set and the original organisation as source."""
    pk = item if isinstance(item, int) else item.pk
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    require(actor, "kepu.change", org.path)
    source = _offered(actor, pk)
    if source.org_id == org.pk:
        raise ValidationError(_("不能转载本单位自己的作品。"))
    original_org = source.org
    copy = services.create_item(
        actor, org=org, kind=source.kind, title=source.title, summary=source.summary, body=source.body,
        source=(source.source or original_org.name)[:120], source_url=source.source_url, byline=source.byline,
        health=source.health, disciplines=list(source.disciplines.all()), topics=list(source.topics.all()),
        audiences=list(source.audiences.all()), regions=list(source.regions.all()),
        note=_("转载自%(org)s") % {"org": original_org.name}, origin=source)
    mapping = _copy_media(source, copy)
    if mapping:
        body = copy.body
        for old, new in mapping.items():
            body = body.replace(f'"{url_of_pk(old)}"', f'"{url_of_pk(new)}"')
        if body != copy.body:
            Item.objects.filter(pk=copy.pk).update(body=body)
            copy.body = body
            copy.versions.filter(number=copy.version).update(body=body)
    log_action(actor, "kepu.item.republished", copy, scope_path=copy.org_path,
               after={"origin": source.pk, "origin_org": original_org.name, "org": org.name})
    return copy
