"""Forms of 网上组建: one page for the applicant, the staff's decision and the queue filter."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kexie.core.validators import normalize_uscc, validate_uscc
from kexie.orgs.founding import services as svc
from kexie.orgs.models_founding import FormationKind, FormationStatus
from kexie.orgs.widgets import OrgPickerField, OrgPickerInput
from kexie.reviewing.decisions import decision_form

MAX_ATTACHMENT = 10 * 1024 * 1024  # 10 MB: a scanned 批复 or 会议纪要
ATTACHMENT_TYPES = {"pdf": (b"%PDF",), "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",),
                    "png": (b"\x89PNG\r\n\x1a\n",)}


class ParentPickerInput(OrgPickerInput):
    """The organisation picker asking ``orgs:founding-parents`` (city and county 科协, 园区科协) for suggestions."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["picker_url"] = reverse("orgs:founding-parents") + "?" + urlencode(
            {"field": name, "list": widget["list_id"]})
        return context


class ParentField(OrgPickerField):
    widget = ParentPickerInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("输入所在市、县（市、区）科协或园区科协名称的几个字，从列表中选择"))
        super().__init__(public=True, **kwargs)
        self.error_messages["required"] = _("请选择上级科协：输入所在市、县（市、区）科协或园区科协名称的几个字。")
        self.error_messages["unknown"] = _(
            "找不到“%(text)s”：上级应为所在市、县（市、区）科协或园区科协，请输入名称的几个字后从列表中选择。")

    def _set_query(self) -> None:
        self.widget.picker_query = ""


class ApplyForm(forms.Form):
    kind = forms.ChoiceField(label=_("组建类型"), choices=FormationKind.choices, initial=FormationKind.ENTERPRISE,
                             widget=forms.RadioSelect)
    enterprise_name = forms.CharField(label=_("企业（园区）名称"), max_length=120)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30, help_text=_("18 位，见营业执照"))
    parent = ParentField(label=_("上级科协"))
    proposed_name = forms.CharField(label=_("拟定名称"), max_length=120, required=False,
                                    help_text=_("留空时为“企业名称 + 科协”"))
    scientists = forms.IntegerField(label=_("科技工作者人数"), min_value=1, max_value=svc.MAX_SCIENTISTS,
                                    help_text=_("本企业（园区）的科技工作者人数"))
    chair_name = forms.CharField(label=_("拟任主席姓名"), max_length=40)
    chair_phone = forms.CharField(label=_("拟任主席联系电话"), max_length=30)
    secretary_name = forms.CharField(label=_("拟任秘书长姓名"), max_length=40)
    secretary_phone = forms.CharField(label=_("拟任秘书长联系电话"), max_length=30)
    meeting_on = forms.DateField(label=_("成立大会日期"), widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("已召开或计划召开的日期，一年之内"))
    attachment = forms.FileField(label=_("附件（可选）"), required=False,
                                 help_text=_("单位批复或成立大会会议纪要：PDF、JPG 或 PNG，不超过 10 MB；仅审批人员可见"),
                                 widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields["parent"]
        assert isinstance(parent, ParentField)
        parent.set_scope(svc.parent_choices())
        self.editing = editing
        if editing:  # stored phone numbers are never shown again: a blank field keeps them
            for name in ("chair_phone", "secretary_phone"):
                self.fields[name].required = False
                self.fields[name].help_text = _("留空则保留原号码")
        for name in ("chair_phone", "secretary_phone"):
            self.fields[name].widget.attrs.update(inputmode="tel", autocomplete="off")
        self.fields["uscc"].widget.attrs.update(autocapitalize="characters", spellcheck="false")

    def clean_uscc(self) -> str:
        code = normalize_uscc(self.cleaned_data.get("uscc") or "")
        validate_uscc(code)
        return code

    def clean_attachment(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("attachment") or None
        if upload is None or not hasattr(upload, "size"):
            return None
        ext = (upload.name or "").rsplit(".", 1)[-1].lower() if "." in (upload.name or "") else ""
        if ext not in ATTACHMENT_TYPES:
            raise forms.ValidationError(_("附件只能是 PDF、JPG 或 PNG 文件。"))
        if (upload.size or 0) > MAX_ATTACHMENT:
            raise forms.ValidationError(_("附件不能超过 10 MB。"))
        head = upload.read(8)
        upload.seek(0)
        if not any(head.startswith(magic) for magic in ATTACHMENT_TYPES[ext]):
            raise forms.ValidationError(_("附件内容与文件类型不符，请上传真实的 PDF、JPG 或 PNG 文件。"))
        return upload

    def service_input(self) -> svc.FormationInput:
        d = self.cleaned_data
        return svc.FormationInput(
            kind=d["kind"], parent=d["parent"], enterprise_name=d["enterprise_name"], uscc=d["uscc"],
            proposed_name=d.get("proposed_name") or "", scientists=d["scientists"], chair_name=d["chair_name"],
            chair_phone=d.get("chair_phone") or "", secretary_name=d["secretary_name"],
            secretary_phone=d.get("secretary_phone") or "", meeting_on=d["meeting_on"])

    @staticmethod
    def initial_from(req: Any) -> dict[str, Any]:
        from kexie.orgs.widgets import shown

        return {"kind": req.kind, "enterprise_name": req.enterprise_name, "uscc": req.uscc,
                "parent": shown(req.parent), "proposed_name": req.proposed_name, "scientists": req.scientists,
                "chair_name": req.chair_name, "secretary_name": req.secretary_name, "meeting_on": req.meeting_on}


DecideForm = decision_form(_("批准组建"))


class QueueFilter(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *FormationStatus.choices])
    q = forms.CharField(label=_("企业或拟定名称"), max_length=40, required=False)
