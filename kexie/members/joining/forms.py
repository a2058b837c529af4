"""Forms of 网上入会: every input of its pages is read through one of these."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kexie.members.models import Category
from kexie.members.models_joining import (
    LETTER_MAX_BYTES,
    OFFLINE_METHODS,
    ApplicationStatus,
    JoinSettings,
    UnitKind,
)
from kexie.orgs.models import Region
from kexie.people.models import Discipline


def _choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def first_level_disciplines() -> list[tuple[str, str]]:
    return [(d.code, f"{d.code} {d.name}") for d in Discipline.objects.filter(parent__isnull=True).order_by("code")]


class DirectoryForm(forms.Form):
    q = forms.CharField(label=_("学会名称"), max_length=40, required=False)
    discipline = forms.ChoiceField(label=_("学科"), required=False)
    region = forms.CharField(label=_("地区代码"), max_length=12, required=False)
    employer = forms.CharField(label=_("工作单位（单位会员）"), max_length=60, required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["discipline"], [("", _("全部学科")), *first_level_disciplines()])
        self.fields["region"] = forms.ChoiceField(label=_("地区"), required=False,
                                                  choices=[("", _("全部地区")), *(regions or [])])

    def values(self) -> dict[str, str]:
        """The valid fields' values; an invalid field counts as empty (a bad link still lists societies)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: str(data.get(k) or "") for k in ("q", "discipline", "region", "employer")}


class ApplyForm(forms.Form):
    category = forms.ChoiceField(label=_("会员类别"))
    statement = forms.CharField(label=_("入会申请陈述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                                help_text=_("简述您的专业领域、主要成绩和入会意愿。"))

    def __init__(self, *args: Any, settings: JoinSettings, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["category"], settings.offered())


class RefereeForm(forms.Form):
    name = forms.CharField(label=_("推荐人姓名"), max_length=40)
    employer = forms.CharField(label=_("工作单位"), max_length=120)
    phone = forms.CharField(label=_("联系电话"), max_length=20)


def referee_formset(settings: JoinSettings, data: Any = None, initial: list[dict[str, str]] | None = None) -> Any:
    n = settings.referees_required
    cls = forms.formset_factory(RefereeForm, extra=0, min_num=n, max_num=max(n, 1), validate_min=True,
                                validate_max=True, absolute_max=5)
    return cls(data, initial=initial, prefix="ref")


class DecideForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("批准入会")), ("return", _("退回修改")),
                                        ("reject", _("不予批准")), ("withdraw", _("撤回申请"))])
    reason = forms.CharField(label=_("理由（申请人会看到）"), max_length=500, required=False)


class QueueFilter(forms.Form):
    kind = forms.ChoiceField(label=_("申请类别"), required=False,
                             choices=[("", _("个人入会")), ("group", _("单位入会"))])
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部")), *ApplicationStatus.choices])
    q = forms.CharField(label=_("申请人或学会"), max_length=40, required=False)


def region_choices() -> Any:
    """Province, city and county regions (GB/T 2260, six digits): where a unit is registered."""
    return Region.objects.filter(level__in=("province", "city", "county")).order_by("code")


class GroupApplyForm(forms.Form):
    """单位入会申请: who the unit is, who to call, why it joins, and an optional letter (公函)."""

    unit_name = forms.CharField(label=_("单位名称"), max_length=120, help_text=_("与营业执照或法人证书上的名称一致。"))
    unit_uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30,
                                help_text=_("18位，见营业执照或事业单位法人证书。"))
    unit_kind = forms.ChoiceField(label=_("单位类型"), choices=[("", _("请选择")), *UnitKind.choices])
    region = forms.ModelChoiceField(label=_("所在地区"), queryset=Region.objects.none(), empty_label=_("请选择"),
                                    error_messages={"invalid_choice": _("请选择列表中的地区。")})
    contact_name = forms.CharField(label=_("联系人"), max_length=40)
    contact_phone = forms.CharField(label=_("联系人电话"), max_length=20,
                                    help_text=_("只供学会联系核实，列表中显示为部分隐藏的号码。"))
    statement = forms.CharField(label=_("入会申请陈述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
                                help_text=_("简述单位的主营业务或学科方向、科技人员规模和入会意愿。"))
    letter = forms.FileField(label=_("单位公函（可选）"), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
                             help_text=_("加盖公章的入会申请函，PDF 或图片，不超过 %(mb)s MB。") % {
                                 "mb": LETTER_MAX_BYTES // (1024 * 1024)})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = region_choices()
        for name in ("unit_name", "unit_uscc", "unit_kind", "contact_name", "contact_phone", "statement"):
            self.fields[name].error_messages["required"] = _("请填写%(f)s。") % {"f": self.fields[name].label}
        self.fields["unit_kind"].error_messages["required"] = _("请选择单位类型。")
        region.error_messages["required"] = _("请选择单位所在地区。")



CATEGORY_FIELDS = [(c, f"dues_{c}") for c in Category.values]


class SettingsForm(forms.Form):
    is_open = forms.BooleanField(label=_("开放网上入会"), required=False)
    categories = forms.MultipleChoiceField(label=_("可申请的会员类别"), choices=Category.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    referees_required = forms.IntegerField(label=_("需要的推荐人数"), min_value=0, max_value=5, initial=0)
    decision_days = forms.IntegerField(label=_("审批时限（天）"), min_value=1, max_value=90, initial=15)
    number_prefix = forms.RegexField(label=_("会员号前缀"), regex=r"^[A-Za-z0-9-]*$", max_length=20, required=False,
                                     help_text=_("留空时用组织编码；会员号为“前缀-年度-序号”。"))
    intro = forms.CharField(label=_("入会须知"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    disciplines = forms.MultipleChoiceField(label=_("学科领域（一级学科）"), required=False)
    accepts_groups = forms.BooleanField(label=_("接受单位会员网上入会"), required=False,
                                        help_text=_("开放网上入会时，企业、高校、科研院所、医院等单位也可以在线申请成为单位会员。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["disciplines"], first_level_disciplines())
        labels = dict(Category.choices)
        for c, name in CATEGORY_FIELDS:
            self.fields[name] = forms.IntegerField(label=_("%(c)s年度会费（元）") % {"c": labels[c]}, min_value=0,
                                                   max_value=100000, required=False)

    @classmethod
    def initial_from(cls, s: JoinSettings | None) -> dict[str, Any]:
        if s is None:
            return {"is_open": True, "categories": ["member", "student"], "decision_days": 15, "referees_required": 0}
        out: dict[str, Any] = {"is_open": s.is_open, "categories": s.categories, "decision_days": s.decision_days,
                               "referees_required": s.referees_required, "number_prefix": s.number_prefix,
                               "intro": s.intro, "disciplines": [d.code for d in s.disciplines.all()],
                               "accepts_groups": s.accepts_groups}
        out.update({name: s.dues.get(c) for c, name in CATEGORY_FIELDS})
        return out

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {**{k: d[k] for k in ("is_open", "categories", "referees_required", "decision_days", "number_prefix",
                                     "intro", "accepts_groups")},
                "dues": {c: d.get(name) or 0 for c, name in CATEGORY_FIELDS},
                "disciplines": list(Discipline.objects.filter(code__in=d["disciplines"], parent__isnull=True))}


class DuesForm(forms.Form):
    """记录会费: a payment made to the secretariat (cash, transfer, other), recorded by staff."""

    period = forms.IntegerField(label=_("缴费年度"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("金额（元）"), min_value=Decimal(0), max_digits=10, decimal_places=2)
    method = forms.ChoiceField(label=_("缴费方式"), choices=[(m.value, m.label) for m in OFFLINE_METHODS])
    paid_on = forms.DateField(label=_("缴费日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    receipt_number = forms.CharField(label=_("收据号"), max_length=40, help_text=_("收据或转账凭证的编号"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period"].initial = today.year
        self.fields["paid_on"].initial = today
        self.fields["paid_on"].widget.attrs["max"] = today.isoformat()


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("证书验证码"), max_length=40)
