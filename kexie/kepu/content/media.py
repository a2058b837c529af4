"""The files of an item (ItemMedia) in Django's storage: checked by kind — size limit, file extension and the
file's first bytes (a renamed executable is not an image) — stored under a generated name, and served by
``kepu:media`` (``url_of``), the address an article's body uses for its images."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from kexie.core.audit import log_action
from kexie.kepu.content.services import actor_user, check_editable
from kexie.kepu.models import Item, ItemMedia, MediaKind

MB = 1024 * 1024
LIMITS = {MediaKind.IMAGE: 10 * MB, MediaKind.AUDIO: 50 * MB, MediaKind.VIDEO: 500 * MB, MediaKind.FILE: 20 * MB}
EXTENSIONS = {
    MediaKind.IMAGE: {"jpg", "jpeg", "png", "gif", "webp"},
    MediaKind.AUDIO: {"mp3", "m4a", "aac", "wav", "ogg"},
    MediaKind.VIDEO: {"mp4", "webm", "mov"},
    MediaKind.FILE: {"pdf"},
}
CONTENT_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
    "mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac", "wav": "audio/wav", "ogg": "audio/ogg",
    "mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime", "pdf": "application/pdf",
}
MAX_FILES = 100


def largest() -> int:
    """The largest file any kind allows (the upload view's limit; the kind's own limit is checked after)."""
    return max(LIMITS.values())


def _signature_ok(ext: str, head: bytes) -> bool:
    """The file's first bytes agree with its extension."""
    if ext in {"jpg", "jpeg"}:
        return head.startswith(b"\xff\xd8\xff")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if ext == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext == "wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if ext in {"mp4", "m4a", "mov"}:
        return head[4:8] in {b"ftyp", b"moov", b"mdat", b"wide", b"free"}
    if ext == "webm":
        return head.startswith(b"\x1a\x45\xdf\xa3")
    if ext == "ogg":
        return head.startswith(b"OggS")
    if ext == "mp3":
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if ext == "aac":
        return len(head) > 1 and head[0] == 0xFF and head[1] & 0xF0 == 0xF0
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    return False


def extension_of(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def check_file(uploaded: Any, kind: str) -> str:
    """The file's extension when it may be stored as ``kind``, else a Chinese ValidationError."""
    if kind not in MediaKind.values:
        raise ValidationError({"kind": _("请选择文件类型。")})
    if uploaded is None:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    limit = LIMITS[MediaKind(kind)]
    if not uploaded.size:
        raise ValidationError({"file": _("文件是空的。")})
    if uploaded.size > limit:
        raise ValidationError({"file": _("文件大小超过上限 %(max)s MB。") % {"max": limit // MB}})
    ext = extension_of(uploaded.name)
    allowed = EXTENSIONS[MediaKind(kind)]
    if ext not in allowed:
        raise ValidationError({"file": _("%(kind)s只能上传以下格式：%(exts)s。") % {
            "kind": MediaKind(kind).label, "exts": "、".join(sorted(allowed))}})
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    if not _signature_ok(ext, head):
        raise ValidationError({"file": _("文件内容与扩展名 .%(ext)s 不符，请上传真实的%(kind)s文件。") % {
            "ext": ext, "kind": MediaKind(kind).label}})
    return ext


def url_of_pk(pk: int) -> str:
    return reverse("kepu:media", args=[pk])


def url_of(media: ItemMedia) -> str:
    return url_of_pk(media.pk)


def content_type_of(media: ItemMedia) -> str:
    return CONTENT_TYPES.get(extension_of(media.file.name), "application/octet-stream")


@transaction.atomic
def add_media(actor: Any, item: Item | int, uploaded_file: Any, kind: str, caption: str = "") -> ItemMedia:
    """Store a file of the item (while the item may be edited by the actor)."""
    pk = item if isinstance(item, int) else item.pk
    item = Item.objects.select_for_update().get(pk=pk)
    check_editable(actor, item)
    ext = check_file(uploaded_file, kind)
    caption = str(caption or "").replace("\x00", "").strip()
    if len(caption) > 200:
        raise ValidationError({"caption": _("说明不能超过 200 个字。")})
    if item.media.count() >= MAX_FILES:
        raise ValidationError(_("一件作品最多上传 %(n)s 个文件。") % {"n": MAX_FILES})
    order = (item.media.aggregate(m=Max("order"))["m"] or 0) + 1
    media = ItemMedia(item=item, kind=kind, caption=caption, size=uploaded_file.size, order=min(order, 32767),
                      uploaded_by=actor_user(actor))
    media.file.save(f"{secrets.token_hex(8)}.{ext}", uploaded_file, save=False)
    media.save()
    log_action(actor, "kepu.media.added", item, scope_path=item.org_path,
               after={"file": media.file.name, "kind": kind, "caption": caption, "size": media.size})
    return media


@transaction.atomic
def remove_media(actor: Any, media: ItemMedia | int) -> Item:
    """Delete a file of the item; the stored file goes after commit unless a republished copy still uses it."""
    pk = media if isinstance(media, int) else media.pk
    media = ItemMedia.objects.select_related("item").get(pk=pk)
    item = Item.objects.select_for_update().get(pk=media.item_id)
    check_editable(actor, item)
    name, storage = media.file.name, media.file.storage
    log_action(actor, "kepu.media.removed", item, scope_path=item.org_path,
               before={"file": name, "kind": media.kind, "caption": media.caption})
    media.delete()

    def drop() -> None:
        if not ItemMedia.objects.filter(file=name).exists():
            storage.delete(name)
    transaction.on_commit(drop)
    return item
