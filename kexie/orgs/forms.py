from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.core.http import to_id
from kexie.orgs.models import Organisation


class OrganisationForm(forms.ModelForm):
    website = forms.URLField(label=_("网站"), required=False, assume_scheme="https", max_length=200)

    class Meta:
        model = Organisation
        fields = [
            "name", "short_name", "code", "kind", "level", "region", "uscc", "status", "grade", "sector",
            "founded_on", "supervisor", "party_org_type", "party_org_name", "party_members",
            "contact_name", "contact_phone", "email", "address", "website", "note",
        ]
        widgets = {"founded_on": forms.DateInput(attrs={"type": "date"}), "note": forms.Textarea(attrs={"rows": 3})}

    def clean_uscc(self) -> str:
        return (self.cleaned_data.get("uscc") or "").replace(" ", "").upper()

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        qs = Organisation.objects.filter(code=code)
        if self.instance.pk:
            qs = qs.exclude(pk=self.instance.pk)
        if qs.exists():
            raise forms.ValidationError(_("组织编码已被使用。"))
        return code


class MoveForm(forms.Form):
    """The move page's input: the search for a new parent (GET) and the chosen parent (GET to confirm, POST)."""

    q = forms.CharField(required=False, strip=True)
    target = forms.CharField(required=False, strip=True)

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:60]

    def clean_target(self) -> int | None:
        """An id, or None when none was chosen; text that is no id is refused like a missing record (404)."""
        value = self.cleaned_data["target"]
        if not value:
            return None
        number = to_id(value)
        if number is None:
            raise forms.ValidationError(_("请选择新的上级组织。"))
        return number
