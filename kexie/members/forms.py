import datetime as dt

from django import forms

from kexie.members.models import Category, Status


class ApproveForm(forms.Form):
    number = forms.CharField(label="会员号", max_length=40)
    joined_on = forms.DateField(label="入会日期", initial=dt.date.today, widget=forms.DateInput(attrs={"type": "date"}))
    dues_paid_through = forms.DateField(label="会费缴至", required=False,
                                        widget=forms.DateInput(attrs={"type": "date"}))


class DuesForm(forms.Form):
    through = forms.DateField(label="会费缴至", widget=forms.DateInput(attrs={"type": "date"}))


class CategoryForm(forms.Form):
    category = forms.ChoiceField(label="新类别", choices=Category.choices)
    on = forms.DateField(label="变更日期", initial=dt.date.today, widget=forms.DateInput(attrs={"type": "date"}))


class EndForm(forms.Form):
    kind = forms.ChoiceField(label="终止方式", choices=[(Status.WITHDRAWN, "退会"), (Status.EXPELLED, "除名")])
    on = forms.DateField(label="终止日期", initial=dt.date.today, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="原因", max_length=200, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label="不予批准的理由", max_length=200)
