from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.imports import kinds
from kexie.imports.models import Mode
from kexie.imports.readers import max_file_bytes
from kexie.orgs.models import Organisation
from kexie.orgs.widgets import OrgPickerField

ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=kinds.choices)  # the kinds the apps declare
    organisation = OrgPickerField(label=_("导入到组织"), action="imports.change",
                                  help_text=_("输入名称或编码的几个字，从列表中选择。新记录默认归入该组织；文件中引用的组织须在其下级范围内。"))
    mode = forms.ChoiceField(label=_("已有记录"), choices=Mode.choices, initial=Mode.SKIP,
                             help_text=_("文件中的行与平台中已有记录匹配时如何处理。"))
    dry_run = forms.BooleanField(label=_("试导入（只检查，不写入）"), required=False, initial=True)
    file = forms.FileField(label=_("文件"), help_text=_(".xlsx、.xls 或 .csv（UTF-8 或 GB18030 编码）"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Organisation.objects.for_user(user, "imports.change").alive().order_by("path")
        self.fields["organisation"].set_scope(qs)
        first = qs.first()
        if first is not None:
            self.fields["organisation"].initial = first.pk
        limit = max_file_bytes()
        message = _("文件大小超过上限 %(max)s MB，请拆分后分批导入。") % {"max": limit // 1024**2}
        field = self.fields["file"]
        field.widget.attrs.update({"data-max-bytes": str(limit), "data-too-large": str(message),
                                   "accept": ",".join(ALLOWED_SUFFIXES)})
        field.help_text = _(".xlsx、.xls 或 .csv（UTF-8 或 GB18030 编码），不超过 %(max)s MB") % {"max": limit // 1024**2}

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("只支持 .xlsx、.xls 或 .csv 文件。"))
        if f.size == 0:
            raise forms.ValidationError(_("文件是空的。"))
        if f.size > max_file_bytes():
            raise forms.ValidationError(_("文件大小超过上限 %(max)s MB，请拆分后分批导入。")
                                        % {"max": max_file_bytes() // 1024**2})
        return f
