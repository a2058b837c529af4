import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.members.models import Category, Status


class ApproveForm(forms.Form):
    number = forms.CharField(label=_("会员号"), max_length=40)
    joined_on = forms.DateField(label=_("入会日期"), initial=dt.date.today, widget=forms.DateInput(attrs={"type": "date"}))
    dues_paid_through = forms.DateField(label=_("会费缴至"), required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))


class DuesForm(forms.Form):
    through = forms.DateField(label=_("会费缴至"), widget=forms.DateInput(attrs={"type": "date"}))


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label=_("新类别"), choices=Category.choices)
    on = forms.DateField(label=_("变更日期"), initial=dt.date.today, widget=forms.DateInput(attrs={"type": "date"}))


class EndForm(forms.Form):
    kind = forms.ChoiceField(label=_("终止方式"), choices=[(Status.WITHDRAWN, _("退会")), (Status.EXPELLED, _("除名"))])
    on = forms.DateField(label=_("终止日期"), initial=dt.date.today, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予批准的理由"), max_length=200)
