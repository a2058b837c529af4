"""Forms of applying, nominating and the formal check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.calls.formfields import NextForm, _comment, choice_filter, search_filter
from kexie.calls.models import ApplicationStatus
from kexie.orgs.models import Organisation


class NominateForm(NextForm):
    verdict = forms.ChoiceField(label=_("推荐意见"), required=False,
                                choices=[("", ""), ("nominate", _("推荐")), ("decline", _("不予推荐"))])
    comment = _comment()


class FormalForm(NextForm):
    verdict = forms.ChoiceField(label=_("审查结论"), choices=[("pass", _("通过")), ("return", _("退回修改")),
                                                          ("fail", _("不通过"))],
                                error_messages={"required": _("审查结论无效。"), "invalid_choice": _("审查结论无效。")})
    reasons = forms.MultipleChoiceField(label=_("理由"), required=False)
    comment = _comment()

    def __init__(self, *args: Any, reasons: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reasons"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(r, r) for r in reasons]


class IdListField(forms.Field):
    """Ticked rows of a list (``name="ids"`` checkboxes): record ids; a malformed value is an error, not a 500."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": _("请至少选择一份申报。"), "invalid": _("所选申报无效。")}

    def to_python(self, value: Any) -> list[int]:
        from kexie.core.http import to_id

        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        ids = [to_id(v) for v in values]
        if any(i is None for i in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return [i for i in ids if i is not None]


class BatchFormalForm(forms.Form):
    """The formal check of many applications at once on a call's list: pass, or return with one reason."""

    ids = IdListField(label=_("所选申报"))
    verdict = forms.ChoiceField(label=_("审查结论"), choices=[("pass", _("通过")), ("return", _("退回修改"))],
                                error_messages={"required": _("审查结论无效。"), "invalid_choice": _("审查结论无效。")})
    reasons = forms.MultipleChoiceField(label=_("退回理由"), required=False)
    comment = _comment(_("退回意见"))
    query = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: Any, reasons: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reasons"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(r, r) for r in reasons]

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("verdict") == "return" and not (d.get("reasons") or (d.get("comment") or "").strip()):
            raise forms.ValidationError(_("退回修改须说明理由：勾选理由或填写意见。"))
        return d


class CloseForm(forms.Form):
    """Closing an abandoned application: the reason is required and kept in its history."""

    reason = forms.CharField(label=_("关闭理由"), max_length=1000,
                             error_messages={"required": _("关闭申报须说明理由。")},
                             widget=forms.Textarea(attrs={"rows": 2}))


class DeclareForm(forms.Form):
    reason = forms.CharField(label=_("回避理由"), required=False, max_length=1000)


class ApplyForm(forms.Form):
    nominator = forms.ModelChoiceField(label=_("推荐单位"), required=False, queryset=Organisation.objects.none())
    title = forms.CharField(label=_("申报名称"), required=False, max_length=200)

    def __init__(self, *args: Any, nominators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["nominator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = nominators


class FillForm(forms.Form):
    """The fixed part of the application page; the call's own fields go through the form engine."""

    title = forms.CharField(label=_("申报名称"), required=False, max_length=200)
    nominator = forms.ModelChoiceField(label=_("推荐单位"), required=False, queryset=Organisation.objects.none(),
                                       error_messages={"invalid_choice": _("请选择推荐单位。")})
    action = forms.ChoiceField(required=False, choices=[("save", _("保存草稿")), ("submit", _("提交"))])

    def __init__(self, *args: Any, nominators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["nominator"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = nominators


class PersonRowForm(forms.Form):
    """One row of an application's people list (申请回避的专家, 合作者, 亲属)."""

    name = forms.CharField(label=_("姓名"), required=False, max_length=40,
                           widget=forms.TextInput(attrs={"aria-label": _("姓名")}))
    employer = forms.CharField(label=_("工作单位"), required=False, max_length=120,
                               widget=forms.TextInput(attrs={"aria-label": _("工作单位")}))
    person = forms.IntegerField(label=_("人员编号（可选）"), required=False, min_value=1, max_value=2**63 - 1,
                                widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                              "aria-label": _("人员编号（可选）")}))
    reason = forms.CharField(label=_("理由"), required=False, max_length=500,
                             widget=forms.TextInput(attrs={"aria-label": _("理由")}))


class BasePeopleFormSet(forms.BaseFormSet):
    def entries(self, *, reason: bool) -> list[dict[str, Any]]:
        """The filled rows as the service's list entries (rows without a name are left out)."""
        out: list[dict[str, Any]] = []
        for form in self.forms:
            d = form.cleaned_data if form.is_valid() else {}
            name = (d.get("name") or "").strip()
            if not name:
                continue
            entry: dict[str, Any] = {"name": name, "employer": (d.get("employer") or "").strip(),
                                     "person_id": d.get("person")}
            if reason:
                entry["reason"] = (d.get("reason") or "").strip()
            out.append(entry)
        return out


def people_formset(rows: int) -> type[forms.BaseFormSet]:
    return forms.formset_factory(PersonRowForm, formset=BasePeopleFormSet, extra=rows, max_num=rows,
                                 validate_max=True)


def people_initial(items: Any) -> list[dict[str, Any]]:
    return [{"name": i.get("name", ""), "employer": i.get("employer", ""), "person": i.get("person_id"),
             "reason": i.get("reason", "")} for i in (items or []) if isinstance(i, dict)]


class ApplicationListFilter(forms.Form):
    """The filters of a call's applications (the page and its export)."""

    status = choice_filter(_("状态"), ApplicationStatus.choices)
    q = search_filter(_("申报名称或申报人"))
