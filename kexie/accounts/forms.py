"""Forms of the users-and-roles page: the pickers offer only the organisations where the administrator holds
``manage`` and the roles whose actions they hold; the services check again inside the transaction."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kexie.accounts.models import Role
from kexie.accounts.services import grantable_roles
from kexie.core.text import bracketed, join_list
from kexie.orgs.widgets import OrgPickerField


def role_label(role: Role) -> str:
    return bracketed(role.name, join_list(role.action_labels()))


class ManagedOrgField(OrgPickerField):
    """An organisation in the administrator's ``manage`` subtree, picked by typing a few characters of its name
    or code (the organisation picker, decision 0034: a province holds thousands)."""

    def __init__(self, actor: Any, **kwargs: Any) -> None:
        from kexie.orgs.models import Organisation

        kwargs.setdefault("label", _("组织"))
        super().__init__(queryset=Organisation.objects.for_user(actor, "accounts.manage").alive(),
                         action="accounts.manage", **kwargs)
        self.error_messages["required"] = _("请选择组织。")
        self.error_messages["unknown"] = _("只能选择您管理范围内的组织。找不到“%(text)s”：请输入组织名称或编码的几个字，再从列表中选择。")


class _RoleForm(forms.Form):
    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = ManagedOrgField(actor)
        self.fields["role"] = forms.ChoiceField(
            label=_("角色"), choices=[("", _("— 请选择角色 —"))] + [(r.code, role_label(r)) for r in grantable_roles(actor)],
            error_messages={"required": _("请选择角色。"), "invalid_choice": _("只能授予您自己拥有其全部权限的角色。")})


class StaffAccountForm(_RoleForm):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               help_text=_("登录用，只能包含字母、数字和 @ . + - _ 字符。"),
                               error_messages={"required": _("请填写用户名。"),
                                               "max_length": _("用户名不能超过 150 个字符。")})
    display_name = forms.CharField(label=_("姓名"), max_length=60,
                                   error_messages={"required": _("请填写姓名。"),
                                                   "max_length": _("姓名不能超过 60 个字。")})
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False,
                            help_text=_("可不填；填写后本人可通过“忘记密码”自行重设密码。"),
                            error_messages={"max_length": _("电子邮箱格式不正确。")})

    field_order = ["username", "display_name", "email", "organisation", "role"]

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.order_fields(self.field_order)


class GrantForm(_RoleForm):
    pass


class TokenForm(forms.Form):
    """A new API token: what it is for, and for how many days it works (the service checks the range)."""

    name = forms.CharField(label=_("用途"), max_length=60, required=False)
    days = forms.IntegerField(label=_("有效天数"), error_messages={
        "required": _("请填写有效天数。"), "invalid": _("有效天数应为整数。")})


class ActiveForm(forms.Form):
    """停用 (0) or 启用 (1) an account."""

    active = forms.TypedChoiceField(choices=[("0", "0"), ("1", "1")], coerce=lambda v: v == "1")


class UsersFilter(forms.Form):
    """The filter of the users-and-roles list: name or username, and an organisation of the administrator's
    subtree, picked by search (an unknown or out-of-scope one is a form error and the list shows nothing)."""

    q = forms.CharField(label=_("姓名或用户名"), required=False,
                        widget=forms.TextInput(attrs={"type": "search", "maxlength": 60}))

    def __init__(self, data: Any, actor: Any) -> None:
        super().__init__(data)
        self.fields["org"] = ManagedOrgField(actor, label=_("组织（含下级）"), required=False)

    def values(self) -> tuple[str, Any, bool]:
        """The search words (NUL removed, at most 60 characters), the organisation (None: all) and whether the
        organisation typed could not be resolved."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        q = str(data.get("q") or "").replace("\x00", "").strip()[:60]
        return q, data.get("org"), "org" in self.errors
