"""Forms of the portal: the expert finder's search (lenient: a bad value is dropped, never an error page), the
news list's kind, and the staff article form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.portal.experts import Filters
from kexie.portal.models import ArticleKind

ACTIONS = ("publish", "withdraw", "delete", "restore")


def _valid(form: forms.Form) -> dict[str, Any]:
    """The fields that validated (the others empty): a malformed query string narrows nothing."""
    form.is_valid()
    return {name: form.cleaned_data.get(name) or "" for name in form.fields}


class ExpertSearchForm(forms.Form):
    q = forms.CharField(label=_("专业特长"), max_length=100, required=False, strip=True)
    discipline = forms.RegexField(label=_("学科"), regex=r"^\d{3}(\d{2}(\d{2})?)?$", required=False)
    region = forms.RegexField(label=_("地区"), regex=r"^\d{6}(\d{3}(\d{3})?)?$", required=False)

    def filters(self) -> Filters:
        data = _valid(self)
        return Filters(q=data["q"], discipline=data["discipline"], region=data["region"])


class NewsFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=[("", _("全部")), *ArticleKind.choices], required=False)

    def kind_value(self) -> str:
        return str(_valid(self)["kind"])


class ArticleFilter(forms.Form):
    """The staff list's filters."""

    q = forms.CharField(label=_("标题"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("类别"), choices=[("", _("全部")), *ArticleKind.choices], required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[
        ("", _("全部")), ("draft", _("草稿")), ("published", _("已发布")), ("withdrawn", _("已撤回")),
        ("deleted", _("已删除"))])

    def values(self) -> dict[str, Any]:
        return _valid(self)


class ArticleForm(forms.Form):
    org = forms.TypedChoiceField(label=_("发布单位"), coerce=int, choices=())
    kind = forms.ChoiceField(label=_("类别"), choices=ArticleKind.choices)
    title = forms.CharField(label=_("标题"), max_length=120)
    summary = forms.CharField(label=_("摘要"), max_length=300, required=False,
                              help_text=_("列表中显示，可不填。"))
    body = forms.CharField(label=_("正文"), max_length=20000, widget=forms.Textarea(attrs={"rows": 14}),
                           help_text=_("纯文本；空一行分段。"))

    def __init__(self, *args: Any, orgs: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if orgs is None:
            del self.fields["org"]
        else:
            field = self.fields["org"]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [(o.pk, o.name) for o in orgs]


class ActForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
