"""Forms of the marketplace pages: achievements (``services.clean_achievement`` says what is wrong, in Chinese),
the public enquiry form, handling an enquiry and the achievement actions along ``Achievement.WORKFLOW``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.innovation import limits
from kexie.innovation.data.industries import choices_with_blank
from kexie.innovation.formfields import IdField, Text, any_of, search_field
from kexie.innovation.models import AchievementStatus, EnquiryStatus, Maturity, TransferMode

INDUSTRY_CHOICES = choices_with_blank  # a callable: the names follow the interface language
ENQUIRY_FIELDS = ("name", "organisation", "contact", "text")


class AchievementForm(forms.Form):
    """Plain fields; ``services.clean_achievement`` says what is wrong, in Chinese."""

    title = forms.CharField(label=_("成果名称"), max_length=limits.TITLE, required=False)
    description = forms.CharField(label=_("成果简介"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    holders = forms.CharField(label=_("成果持有人"), max_length=2000, required=False,
                              help_text=_("姓名，用顿号、逗号或换行分隔"))
    holder_org = forms.CharField(label=_("持有单位"), max_length=limits.TITLE, required=False)
    maturity = forms.ChoiceField(label=_("成熟度"), choices=[("", "—"), *Maturity.choices], required=False)
    transfer_mode = forms.ChoiceField(label=_("转化方式"), choices=[("", "—"), *TransferMode.choices],
                                      required=False)
    patents = forms.CharField(label=_("专利"), max_length=4000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("专利号，如 ZL202110123456.7，每行一个"))
    industry = forms.ChoiceField(label=_("应用行业"), choices=INDUSTRY_CHOICES, required=False)
    price = forms.CharField(label=_("参考价格（万元）"), max_length=20, required=False)


class AchievementOwnerForm(forms.Form):
    owner = IdField(_("登记单位"))


class AchievementActForm(forms.Form):
    reason = Text(_("下架理由"), max_length=limits.SHORT_REASON)


class EnquiryForm(forms.Form):
    """对接意向 from the public pages: ``enquiries.lodge_enquiry`` checks the values (in Chinese)."""

    name = Text(_("联系人"), max_length=limits.NAME)
    organisation = Text(_("单位"), max_length=limits.TITLE)
    contact = Text(_("联系方式"), max_length=limits.TITLE)
    text = Text(_("意向说明"), max_length=limits.REASON)


class HandleForm(forms.Form):
    note = Text(_("处理说明"), max_length=limits.REASON)


class AchievementFilter(forms.Form):
    """The filter of the staff achievements list (read with ``lenient``)."""

    q = search_field(_("关键词"), 100)
    status = any_of(_("状态"), AchievementStatus.choices)


class EnquiryFilter(forms.Form):
    status = any_of(_("状态"), EnquiryStatus.choices)


class ServiceYearForm(forms.Form):
    """The year picker of the service statistics (the view reads the year with ``dashboard.parse_year``)."""

    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, years: list[int], year: int) -> None:
        super().__init__(data, initial={"year": year})
        self.fields["year"].choices = [(y, y) for y in years]  # type: ignore[attr-defined]
