"""The files of an item: upload (refused above the largest kind's limit before the body is read; each kind's own
limit, extension and first bytes checked by the service), removal (asks first), and serving (``kepu:media``: the
file of a public item to anyone, of any other item to ``kepu.view`` over its organisation; else 404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kexie.core.http import error_messages
from kexie.core.scope import get_in_scope, user_can
from kexie.core.uploads import upload_limit
from kexie.kepu.content import media
from kexie.kepu.content.forms import MediaForm
from kexie.kepu.models import Item, ItemMedia


@upload_limit(media.largest)
@login_required
@require_POST
def item_media(request, pk: int):
    item: Item = get_in_scope(Item.objects.alive(), request.user, pk, "kepu.change")
    too_large = getattr(request, "upload_too_large", False)
    form = MediaForm(request.POST, request.FILES)
    if too_large:
        messages.error(request, _("文件大小超过上限 %(max)s MB。") % {"max": media.largest() // media.MB})
    elif not form.is_valid():
        for errors in form.errors.values():
            for m in errors:
                messages.error(request, str(m))
    else:
        data = form.cleaned_data
        try:
            added = media.add_media(request.user, item, data["file"], data["kind"], data["caption"])
        except (ValidationError, PermissionDenied) as exc:
            for m in error_messages(exc):
                messages.error(request, m)
        else:
            messages.success(request, _("已上传“%(name)s”。") % {"name": added.caption or data["file"].name[:80]})
    return redirect("kepu:item-manage", pk=item.pk)


@login_required
@require_POST
def media_remove(request, pk: int):
    found = ItemMedia.objects.select_related("item").filter(pk=pk).first() if pk < 2**63 else None
    if found is None or not user_can(request.user, "kepu.change", found.item.org_path):
        raise Http404(_("记录不存在或您无权访问。"))
    try:
        media.remove_media(request.user, found)
    except (ValidationError, PermissionDenied) as exc:
        for m in error_messages(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("文件已删除。"))
    return redirect("kepu:item-manage", pk=found.item_id)


@require_GET
def media_file(request, pk: int):
    found = ItemMedia.objects.select_related("item").filter(pk=pk).first() if pk < 2**63 else None
    if found is None:
        raise Http404(_("文件不存在。"))
    public = Item.objects.for_public().filter(pk=found.item_id).exists()
    if not public and not (request.user.is_authenticated and user_can(request.user, "kepu.view", found.item.org_path)):
        raise Http404(_("文件不存在。"))
    try:
        handle = found.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("文件不存在。")) from None
    response = FileResponse(handle, content_type=media.content_type_of(found))
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
