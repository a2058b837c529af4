"""Forms of 我的: the fields a person changes themselves, a change request for verified fields, a rejection."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.core.text import join_list
from kexie.core.validators import normalize_phone, validate_phone
from kexie.orgs.models import Organisation
from kexie.people.fields import (
    MAX_HONOUR_LENGTH,
    MAX_KEYWORD_LENGTH,
    MAX_KEYWORDS,
    KeywordListField,
    LinesField,
)
from kexie.people.models import Discipline, Education, Gender, Person, TitleLevel

DISCIPLINE_SLOTS = 3
UNSAFE = "<>\"'&;"


def _datalist(name: str) -> dict[str, str]:
    return {"list": name, "autocomplete": "off"}


class DisciplineField(forms.CharField):
    """One discipline, typed or picked from the page's list as "代码 名称" (or just the name or the code)."""

    def clean(self, value: Any) -> Discipline | None:  # type: ignore[override]
        text = str(super().clean(value) or "").strip()
        if not text:
            return None
        code = text.split()[0]
        found = (Discipline.objects.filter(code=code).first() or Discipline.objects.filter(name=text).first()
                 or Discipline.objects.filter(name=text.split(maxsplit=1)[-1]).first())
        if found is None:
            raise forms.ValidationError(_("没有找到学科“%(text)s”，请从列表中选择。") % {"text": text[:40]})
        return found


class OwnProfileForm(forms.Form):
    """What a person changes without approval (applied at once, audited)."""

    email = forms.EmailField(label=_("电子邮箱"), required=False, max_length=254)
    position = forms.CharField(label=_("职务"), required=False, max_length=60)
    title = forms.CharField(label=_("职称"), required=False, max_length=40)
    title_level = forms.ChoiceField(label=_("职称级别"), required=False,
                                    choices=[("", "—"), *TitleLevel.choices])
    education = forms.ChoiceField(label=_("学历"), required=False, choices=[("", "—"), *Education.choices])
    discipline_1 = DisciplineField(label=_("主学科"), required=False, max_length=80,
                                   widget=forms.TextInput(attrs=_datalist("disciplines")),
                                   help_text=_("输入学科名称或代码，从列表中选择"))
    discipline_2 = DisciplineField(label=_("其他学科"), required=False, max_length=80,
                                   widget=forms.TextInput(attrs=_datalist("disciplines")))
    discipline_3 = DisciplineField(label=_("其他学科"), required=False, max_length=80,
                                   widget=forms.TextInput(attrs=_datalist("disciplines")))
    expertise = KeywordListField(label=_("专业特长"), max_length=600, max_count=MAX_KEYWORDS,
                                 max_item_length=MAX_KEYWORD_LENGTH, help_text=_("多个关键词用逗号或顿号分隔"))
    bio = forms.CharField(label=_("个人简介"), required=False, max_length=5000,
                          widget=forms.Textarea(attrs={"rows": 5}))
    honours = LinesField(label=_("荣誉"), max_length=2000, max_item_length=MAX_HONOUR_LENGTH,
                         widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一项"))

    @classmethod
    def for_person(cls, person: Person, data: Any = None) -> OwnProfileForm:
        codes = [str(d) for d in person.disciplines.order_by("-persondiscipline__is_primary", "code")]
        initial = {
            "email": person.email, "position": person.position, "title": person.title,
            "title_level": person.title_level, "education": person.education,
            "expertise": join_list(person.expertise or []), "bio": person.bio,
            "honours": "\n".join(map(str, person.honours or [])),
            **{f"discipline_{i + 1}": code for i, code in enumerate(codes[:DISCIPLINE_SLOTS])},
        }
        return cls(data, initial=initial)

    def service_data(self) -> dict[str, Any]:
        keys = ("email", "position", "title", "title_level", "education", "expertise", "bio", "honours")
        return {k: self.cleaned_data[k] for k in keys}

    def disciplines(self) -> list[Discipline]:
        picked = [self.cleaned_data.get(f"discipline_{i + 1}") for i in range(DISCIPLINE_SLOTS)]
        return list({d.pk: d for d in picked if d is not None}.values())


class ChangeRequestForm(forms.Form):
    """Verified fields: what differs from the record becomes a request to the organisation holding it."""

    name = forms.CharField(label=_("姓名"), max_length=40)
    gender = forms.ChoiceField(label=_("性别"), required=False, choices=[("", "—"), *Gender.choices])
    birth_date = forms.DateField(label=_("出生日期"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    org = forms.CharField(label=_("所属组织"), max_length=120,
                          help_text=_("登记您档案的组织（学会、科协、单位科协等）的全称"))
    employer_name = forms.CharField(label=_("工作单位"), required=False, max_length=120)
    phone = forms.CharField(label=_("手机号"), required=False, max_length=20)
    note = forms.CharField(label=_("说明"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}), help_text=_("修改原因，供审核参考"))

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        self.person = person
        kwargs.setdefault("initial", {
            "name": person.name, "gender": person.gender, "birth_date": person.birth_date,
            "org": person.org.name, "employer_name": person.employer_name,
        })
        super().__init__(*args, **kwargs)
        if person.phone_masked:
            self.fields["phone"].widget.attrs["placeholder"] = person.phone_masked
            self.fields["phone"].help_text = _("已登记：%(mask)s。留空则保持不变。") % {"mask": person.phone_masked}

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if any(c in name for c in UNSAFE):
            raise forms.ValidationError(_("姓名中包含不允许的字符。"))
        return name

    def clean_birth_date(self) -> Any:
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("出生日期不能晚于今天。"))
        return value

    def clean_org(self) -> Organisation:
        text = str(self.cleaned_data["org"]).strip()
        if text == self.person.org.name:
            return self.person.org
        found = list(Organisation.objects.filter(deleted_at__isnull=True).filter(name=text)[:2]) or list(
            Organisation.objects.filter(deleted_at__isnull=True, code=text)[:1])
        if not found:
            raise forms.ValidationError(_("平台中没有名为“%(name)s”的组织，请填写组织全称。") % {"name": text[:60]})
        if len(found) > 1:
            raise forms.ValidationError(_("有多个组织名为“%(name)s”，请在说明中写明，或联系所属组织办理。")
                                        % {"name": text[:60]})
        return found[0]

    def clean_phone(self) -> str:
        value = normalize_phone(self.cleaned_data.get("phone", ""))
        if value:
            validate_phone(value)
        return value

    def changed_values(self) -> dict[str, Any]:
        """Only the fields whose value differs from the record."""
        p, d = self.person, self.cleaned_data
        out: dict[str, Any] = {}
        for key in ("name", "gender", "birth_date", "employer_name"):
            if (d.get(key) or None) != (getattr(p, key) or None):
                out[key] = d.get(key) or ("" if key != "birth_date" else None)
        if d["org"].pk != p.org_id:
            out["org"] = d["org"]
        if d.get("phone") and d["phone"] != p.phone:
            out["phone"] = d["phone"]
        return out


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("驳回时请填写理由。")})

