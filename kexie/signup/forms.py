"""Forms of the individual accounts' pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kexie.core.http import to_id
from kexie.signup import services
from kexie.signup.backends import as_email, as_phone
from kexie.signup.models import Channel, Purpose


class ContactForm(forms.Form):
    """Step 1: the phone or e-mail address to verify, and the code once sent."""

    channel = forms.ChoiceField(label=_("注册方式"), choices=Channel.choices, initial=Channel.PHONE,
                                widget=forms.RadioSelect)
    target = forms.CharField(label=_("手机号或电子邮箱"), max_length=120,
                             widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}))
    code = forms.CharField(label=_("验证码"), max_length=6, required=False,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code",
                                                         "pattern": "[0-9]{6}"}))
    op = forms.ChoiceField(choices=[("send", "send"), ("verify", "verify")], initial="send",
                           widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        channel, target = data.get("channel"), data.get("target")
        if channel and target:
            try:
                data["target"] = services.normalize_target(channel, target)
            except ValidationError as exc:
                self.add_error("target", exc)
        if data.get("op") == "verify" and not (data.get("code") or "").strip():
            self.add_error("code", _("请输入收到的 6 位验证码。"))
        return data


class AccountForm(forms.Form):
    """Step 2: name, user name and password, and the privacy notice."""

    name = forms.CharField(label=_("姓名"), max_length=40)
    username = forms.CharField(label=_("用户名（登录时使用）"), max_length=40, min_length=3,
                               validators=[UnicodeUsernameValidator()],
                               help_text=_("字母、数字或 @ . + - _，登录时使用；也可用验证过的手机号或邮箱登录。"),
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password1 = forms.CharField(label=_("密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("再次输入密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    accept = forms.BooleanField(label=_("我已阅读并同意《服务协议与隐私政策》"), required=True,
                                error_messages={"required": _("须同意服务协议与隐私政策才能注册。")})

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"].strip()
        if as_phone(username) or as_email(username):  # one signs in by phone or e-mail too: no one else's
            raise ValidationError(_("用户名不能是手机号或电子邮箱；登录时也可直接输入您验证过的手机号或邮箱。"))
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError(_("该用户名已被使用，请换一个。"))
        return username

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif p1:
            probe = get_user_model()(username=data.get("username") or "", display_name=data.get("name") or "")
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class VerifyForm(forms.Form):
    """Real-name verification: name and ID number; the local association when the platform holds no record."""

    name = forms.CharField(label=_("姓名"), max_length=40)
    id_number = forms.CharField(label=_("身份证号码"), max_length=30,
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))
    org = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_org(self) -> Any:
        raw = self.cleaned_data.get("org")
        if not raw:
            return None
        pk = to_id(raw)
        org = services.associations().filter(pk=pk).first() if pk else None
        if org is None:
            raise ValidationError(_("请从列表中选择所在地的市级或县级科协。"))
        return org


class AssociationSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=40)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(choices=Purpose.choices)
    op = forms.ChoiceField(choices=[("grant", "grant"), ("withdraw", "withdraw")])


class DeletionForm(forms.Form):
    password = forms.CharField(label=_("当前密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    understood = forms.BooleanField(label=_("我已了解注销后账号不能恢复"), required=True,
                                    error_messages={"required": _("请确认您已了解注销的后果。")})


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不予确认的理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
