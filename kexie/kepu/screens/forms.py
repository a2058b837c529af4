"""Forms of 科普大屏: the screen (managing organisation by the picker in the user's kepu.screens scope, its
playlist: region and topics as ticked boxes) and the list's filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.core.formfields import RecordsField
from kexie.kepu.models import Topic
from kexie.kepu.officers.forms import region_queryset
from kexie.orgs.models import Organisation
from kexie.orgs.widgets import OrgPickerField


class ScreenForm(forms.Form):
    org = OrgPickerField(label=_("管理单位"), action="kepu.screens")
    name = forms.CharField(label=_("名称"), max_length=80, help_text=_("例如：人民广场科普大屏"))
    location = forms.CharField(label=_("安放地点"), max_length=200)
    region = forms.ModelChoiceField(label=_("所在地区"), queryset=Organisation.objects.none(), required=False,
                                    empty_label=_("（全省）"),
                                    help_text=_("大屏播放面向这个地区的作品。"))
    topics = RecordsField(label=_("播放专题"), queryset=Topic.objects.none(), required=False,
                                            widget=forms.CheckboxSelectMultiple,
                                            help_text=_("不选则播放所有专题的最新作品。"))
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any = None, orgs: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if orgs is None:
            del self.fields["org"]
        else:
            org = self.fields["org"]
            assert isinstance(org, OrgPickerField)
            org.set_scope(orgs, "kepu.screens")
        region = self.fields["region"]
        assert isinstance(region, forms.ModelChoiceField)
        region.queryset = region_queryset()
        topics = self.fields["topics"]
        assert isinstance(topics, forms.ModelMultipleChoiceField)
        topics.queryset = Topic.objects.order_by("order", "code")


class ScreenFilter(forms.Form):
    q = forms.CharField(label=_("名称或地点"), max_length=80, required=False)
    offline = forms.BooleanField(label=_("只看离线"), required=False)

    def values(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"q": (data.get("q") or "").strip(), "offline": bool(data.get("offline"))}
