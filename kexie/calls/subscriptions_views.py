"""订阅申报通知 (/calls/subscribe/): a signed-in person chooses which newly opened calls they are told of — on a
phone first: a switch, the disciplines as checkboxes (their own registry disciplines first), a region."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kexie.calls import subscriptions as services
from kexie.calls.common import person_of
from kexie.core.http import error_messages
from kexie.people.models import Discipline


class SubscriptionForm(forms.Form):
    active = forms.BooleanField(label=gettext_lazy("接收新申报批次通知"), required=False)
    disciplines = forms.MultipleChoiceField(
        label=gettext_lazy("关注学科（不选为全部学科）"), required=False, widget=forms.CheckboxSelectMultiple)
    region = forms.ChoiceField(label=gettext_lazy("关注地区"), required=False)

    def __init__(self, *args: Any, own: list[Discipline], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first = list(Discipline.objects.filter(parent__isnull=True).order_by("code"))
        seen = {d.code for d in own}
        choices = [(d.code, str(d)) for d in own] + [(d.code, str(d)) for d in first if d.code not in seen]
        self.fields["disciplines"].choices = choices  # type: ignore[attr-defined]  # a MultipleChoiceField
        self.own_codes = seen
        self.fields["region"].choices = [("", _("不限地区")), *[  # type: ignore[attr-defined]
            (str(o.pk), o.name) for o in services.region_choices()]]

    def clean_disciplines(self) -> list[Discipline]:
        codes = self.cleaned_data.get("disciplines") or []
        if len(codes) > 40:
            raise ValidationError(_("关注学科最多选择 40 个。"))
        return list(Discipline.objects.filter(code__in=codes))

    def clean_region(self) -> Any:
        value = self.cleaned_data.get("region")
        if not value:
            return None
        return services.region_choices().filter(pk=int(value)).first()


@login_required
def subscribe(request):
    person = person_of(request.user)
    own = list(person.disciplines.order_by("code")) if person is not None else []
    sub = services.subscription_of(request.user)
    if sub is not None:
        initial = {"active": sub.active, "disciplines": list(sub.disciplines.values_list("code", flat=True)),
                   "region": str(sub.region_id or "")}
    else:
        initial = {"active": True, "disciplines": [d.code for d in own], "region": ""}
    form = SubscriptionForm(request.POST or None, initial=initial, own=own)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            services.save_subscription(request.user, active=form.cleaned_data["active"],
                                       disciplines=form.cleaned_data["disciplines"],
                                       region=form.cleaned_data["region"])
        except ValidationError as exc:
            errors = error_messages(exc)
        else:
            messages.success(request, _("已保存订阅设置。") if form.cleaned_data["active"]
                             else _("已退订：新的申报批次开放时将不再通知您。"))
            return redirect("calls:subscribe")
    return render(request, "calls/subscribe.html", {
        "form": form, "sub": sub, "person": person, "errors": errors, "own": form.own_codes})
