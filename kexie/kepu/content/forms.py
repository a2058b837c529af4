"""Forms of 科普作品 authoring: the item form (organisation by the picker, tags as checkboxes and a region list —
never typed ids or JSON), the list's filters, the media upload and the library's adopter choice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kexie.core.formfields import RecordsField
from kexie.core.scope import prefix_q, scope_paths
from kexie.kepu.content import library
from kexie.kepu.models import Audience, Incident, IncidentStatus, ItemKind, ItemStatus, MediaKind, Topic
from kexie.orgs.models import Level, Organisation, Region
from kexie.orgs.widgets import OrgPickerField
from kexie.people.models import Discipline

REGION_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY)


def _valid(form: forms.Form) -> dict[str, Any]:
    """The fields that validated (the others empty): a malformed query string narrows nothing."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    return {name: data.get(name) for name in form.fields}


def change_orgs(user: Any) -> QuerySet[Organisation]:
    qs: QuerySet[Organisation] = Organisation.objects.for_user(user, "kepu.change").alive()
    return qs


def incidents_for(user: Any) -> QuerySet[Incident]:
    """Active incidents an author may attach an item to: in their scope or above their organisations."""
    qs = Incident.objects.filter(status=IncidentStatus.ACTIVE)
    paths = scope_paths(user, "kepu.change")
    if paths is None:
        return qs
    above = sorted({a for p in paths for a in library.ancestors_of(p)} | set(paths))
    return qs.filter(prefix_q("org_path", paths) | Q(org_path__in=above))


class ItemForm(forms.Form):
    org = OrgPickerField(label=_("发布单位"), action="kepu.change")
    kind = forms.ChoiceField(label=_("形式"), choices=ItemKind.choices, initial=ItemKind.ARTICLE)
    title = forms.CharField(label=_("标题"), max_length=120)
    summary = forms.CharField(label=_("摘要"), max_length=300, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("列表、订阅源和大屏中显示，300 字以内。"))
    body = forms.CharField(label=_("正文"), max_length=100_000, required=False,
                           widget=forms.Textarea(attrs={"rows": 18, "data-editor": "1"}),
                           help_text=_("可用上方工具栏加粗、设置小标题、列表、链接和插入本作品已上传的图片。"))
    source = forms.CharField(label=_("来源"), max_length=120, required=False)
    source_url = forms.URLField(label=_("来源链接"), max_length=500, required=False, assume_scheme="https")
    byline = forms.CharField(label=_("作者署名"), max_length=120, required=False)
    health = forms.BooleanField(label=_("医学健康类"), required=False,
                                help_text=_("医学健康类作品须经两位专家科学性审核。"))
    disciplines = RecordsField(label=_("学科"), required=False, queryset=Discipline.objects.none(),
                                                 widget=forms.CheckboxSelectMultiple)
    topics = RecordsField(label=_("专题"), required=False, queryset=Topic.objects.all(),
                                            widget=forms.CheckboxSelectMultiple)
    audiences = RecordsField(label=_("重点人群"), required=False, queryset=Audience.objects.all(),
                                               widget=forms.CheckboxSelectMultiple)
    regions = RecordsField(label=_("面向地区"), required=False, queryset=Region.objects.none(),
                                             widget=forms.SelectMultiple(attrs={"size": 8}),
                                             help_text=_("不选表示面向全省；按住 Ctrl（Mac 为 ⌘）可多选。"))
    incident = forms.ModelChoiceField(label=_("应急事件"), required=False, queryset=Incident.objects.none(),
                                      empty_label=_("不是应急科普"))
    note = forms.CharField(label=_("修改说明"), max_length=300, required=False,
                           help_text=_("说明本次改了什么，记入版本历史。"))

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["org"]
        if editing:
            del self.fields["org"]
        else:
            assert isinstance(org_field, OrgPickerField)
            org_field.set_scope(change_orgs(user), "kepu.change")
            del self.fields["note"]
        self._set("disciplines", Discipline.objects.filter(parent__isnull=True).order_by("code"))
        self._set("regions", Region.objects.filter(level__in=REGION_LEVELS).order_by("code"))
        self._set("incident", incidents_for(user).order_by("-started_at"))

    def _set(self, name: str, qs: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = qs

    def item_fields(self) -> dict[str, Any]:
        """The cleaned values the services take (without the organisation and the note)."""
        data = dict(self.cleaned_data)
        data.pop("org", None)
        data.pop("note", None)
        for name in ("disciplines", "topics", "audiences", "regions"):
            data[name] = list(data.get(name) or [])
        return data


class ItemFilter(forms.Form):
    """The staff list's filters (a bad value narrows nothing)."""

    q = forms.CharField(label=_("标题"), max_length=100, required=False)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部")), *ItemStatus.choices])
    kind = forms.ChoiceField(label=_("形式"), required=False, choices=[("", _("全部")), *ItemKind.choices])
    topic = forms.ModelChoiceField(label=_("专题"), required=False, queryset=Topic.objects.all(),
                                   empty_label=_("全部"), to_field_name="code")
    audience = forms.ModelChoiceField(label=_("重点人群"), required=False, queryset=Audience.objects.all(),
                                      empty_label=_("全部"), to_field_name="code")
    org = OrgPickerField(label=_("发布单位（含下级）"), required=False, action="kepu.view")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        assert isinstance(field, OrgPickerField)
        field.set_scope(Organisation.objects.for_user(user, "kepu.view").alive(), "kepu.view")

    def values(self) -> dict[str, Any]:
        return _valid(self)


class MediaForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=MediaKind.choices, initial=MediaKind.IMAGE)
    file = forms.FileField(label=_("文件"), max_length=200,
                           help_text=_("图片（jpg、png、gif、webp）≤10 MB；音频（mp3、m4a、aac、wav、ogg）≤50 MB；"
                                       "视频（mp4、webm、mov）≤500 MB；附件（pdf）≤20 MB。"))
    caption = forms.CharField(label=_("说明"), max_length=200, required=False)


class AdopterForm(forms.Form):
    """The library's 采用单位: which of the user's organisations adopts or republishes."""

    org = OrgPickerField(label=_("采用单位"), required=False, action="kepu.change")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        assert isinstance(field, OrgPickerField)
        field.set_scope(change_orgs(user), "kepu.change")


class LibraryActForm(forms.Form):
    action = forms.ChoiceField(choices=[("adopt", "adopt"), ("republish", "republish")])
    org = forms.CharField(max_length=120)
