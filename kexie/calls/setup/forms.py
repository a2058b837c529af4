"""The call form: the scalar parts of a call. Its structured parts have their own widgets: eligibility, stages
and rubric as formsets (``setup.formsets``), the application form in the form builder (``kexie.formkit``); JSON
only as a file to import or export. ``setup.services.check_call`` says what is wrong in Chinese."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.calls.formfields import choice_filter, search_filter
from kexie.calls.models import ApplicantKind, CallStatus, CallType, ExpertLibrary, Stage
from kexie.calls.setup.formsets import setup_from_upload
from kexie.orgs.models import Organisation
from kexie.orgs.widgets import OrgPickerField

# Left empty, these take the model's defaults.
INT_DEFAULTS = {"notice_days": 7, "appeal_lodge_days": 15, "appeal_decide_days": 60, "project_months": 12,
                "midterm_month": 6}


class CallForm(forms.Form):
    owner = OrgPickerField(label=_("主办单位"), action="calls.change",
                           error_messages={"required": _("请选择主办单位。"),
                                           "unknown": _("找不到“%(text)s”。请选择主办单位。")})
    code = forms.SlugField(label=_("批次代码"), max_length=60)
    name = forms.CharField(label=_("名称"), max_length=120)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    type = forms.ChoiceField(label=_("类型"), choices=CallType.choices)
    applicant_kind = forms.ChoiceField(label=_("申报主体"), choices=ApplicantKind.choices)
    description = forms.CharField(label=_("说明"), required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 3}))
    reviews_per_application = forms.IntegerField(label=_("每份申报评审专家数"), min_value=1, max_value=50, initial=3)
    blind = forms.BooleanField(label=_("匿名评审"), required=False)
    funds = forms.BooleanField(label=_("提供资助"), required=False)
    funding_per_item = forms.DecimalField(label=_("单项资助金额（万元）"), required=False, min_value=0, max_digits=10,
                                          decimal_places=2)
    funding_total = forms.DecimalField(label=_("资助总额（万元）"), required=False, min_value=0, max_digits=12,
                                       decimal_places=2)
    places = forms.IntegerField(label=_("计划入选数"), required=False, min_value=0)
    expert_library = forms.ModelChoiceField(label=_("评审专家库"), required=False, queryset=ExpertLibrary.objects.none(),
                                            empty_label=_("（暂不指定）"))
    notice_days = forms.IntegerField(
        required=False, label=_("公示天数"), min_value=1, max_value=60, initial=7)
    appeal_lodge_days = forms.IntegerField(
        required=False, label=_("复审申请期限（天）"), min_value=1, max_value=90, initial=15)
    appeal_decide_days = forms.IntegerField(
        required=False, label=_("复审决定期限（天）"), min_value=1, max_value=180, initial=60)
    tracks_projects = forms.BooleanField(label=_("立项后跟踪中期检查与结题"), required=False)
    project_months = forms.IntegerField(
        required=False, label=_("研究周期（月）"), min_value=1, max_value=120, initial=12)
    midterm_month = forms.IntegerField(
        required=False, label=_("中期检查（第几个月，0 为不检查）"), min_value=0, max_value=119, initial=6)
    setup_file = forms.FileField(label=_("导入 JSON 文件"), required=False,
                                 help_text=_("由“导出 JSON”得到的批次设置文件：其中的申报条件、阶段、评分细则和申报表"
                                             "将替换本页填写的内容。"))

    def __init__(self, *args: Any, libraries: Any = None, owners: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if libraries is not None:
            field = self.fields["expert_library"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = libraries
        if owners is None:  # editing: the owner and the code are the call's permanent identity
            del self.fields["owner"]
            del self.fields["code"]
        else:
            owner = self.fields["owner"]
            assert isinstance(owner, OrgPickerField)
            owner.set_scope(owners)

    def clean_setup_file(self) -> dict[str, Any]:
        upload = self.cleaned_data.get("setup_file")
        return setup_from_upload(upload) if upload else {}

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        keys = ("name", "year", "type", "applicant_kind", "description", "reviews_per_application", "blind", "funds",
                "funding_per_item", "funding_total", "places", "expert_library", "notice_days", "appeal_lodge_days",
                "appeal_decide_days", "tracks_projects", "project_months", "midterm_month")
        values = {k: d.get(k) for k in keys}
        for key, default in INT_DEFAULTS.items():
            if values.get(key) is None:
                values[key] = default
        return values

    @staticmethod
    def initial_for(call: Any) -> dict[str, Any]:
        initial = {k: getattr(call, k) for k in ("code", "name", "year", "type", "applicant_kind", "description",
                                                 "reviews_per_application", "blind", "funds", "funding_per_item",
                                                 "funding_total", "places", "expert_library", "notice_days",
                                                 "appeal_lodge_days", "appeal_decide_days", "tracks_projects",
                                                 "project_months", "midterm_month")}
        return initial


class AdvanceForm(forms.Form):
    to = forms.ChoiceField(label=_("下一阶段"), required=False, choices=[("", ""), *Stage.choices])


class QuotaForm(forms.Form):
    """推荐名额: one field per listed organisation (``q-<id>``; empty leaves it unchanged), and one more
    organisation of the call owner's subtree found by search (``add`` with ``add_places``)."""

    add_places = forms.IntegerField(label=_("名额"), required=False, min_value=0, max_value=100000,
                                    error_messages={"invalid": _("推荐名额应为非负整数。"),
                                                    "min_value": _("推荐名额应为非负整数。")})

    def __init__(self, *args: Any, orgs: Any, initial_places: dict[int, int] | None = None,
                 choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orgs = {o.pk: o for o in orgs}
        for pk, org in self.orgs.items():
            self.fields[f"q-{pk}"] = forms.IntegerField(
                label=org.name, required=False, min_value=0, max_value=100000,
                initial=(initial_places or {}).get(pk), widget=forms.NumberInput(attrs={"aria-label": org.name}),
                error_messages={"invalid": _("推荐名额应为非负整数。"), "min_value": _("推荐名额应为非负整数。")})
        self.fields["add"] = OrgPickerField(label=_("添加推荐单位"), required=False, action="calls.view",
                                            queryset=choices if choices is not None else Organisation.objects.none())
        self.order_fields(["add", "add_places"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("add") is not None and data.get("add_places") is None:
            self.add_error("add_places", _("请填写该推荐单位的名额。"))
        return data

    def places(self) -> dict[Any, int]:
        out = {self.orgs[int(k[2:])]: v for k, v in self.cleaned_data.items() if k.startswith("q-") and v is not None}
        if self.cleaned_data.get("add") is not None:
            out[self.cleaned_data["add"]] = self.cleaned_data["add_places"]
        return out


class CallListFilter(forms.Form):
    """The filters of the call list."""

    year = forms.IntegerField(label=_("年度"), required=False, min_value=1, max_value=9999)
    type = choice_filter(_("类型"), CallType.choices)
    status = choice_filter(_("状态"), CallStatus.choices)
    q = search_filter(_("名称"))
