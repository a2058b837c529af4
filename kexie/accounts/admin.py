"""The admin (superusers): users with their role grants, roles. Every role grant, edit and revocation made here
is audited with the admin user; the scope caches follow (``kexie.accounts.signals`` as well)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from kexie.accounts.models import ApiToken, Role, RoleAssignment, User
from kexie.accounts.services import assignment_snapshot, rebuild_scope
from kexie.core.audit import log_action, snapshot

if TYPE_CHECKING:  # the stubs' admin classes and form are generic in the model; Django's are not subscriptable
    _AssignmentInline = admin.TabularInline[RoleAssignment, User]
    _PasswordChangeForm = AdminPasswordChangeForm[User]
    _UserAdmin = UserAdmin[User]
    _RoleAdmin = admin.ModelAdmin[Role]
    _ApiTokenAdmin = admin.ModelAdmin[ApiToken]
else:
    _AssignmentInline = admin.TabularInline
    _PasswordChangeForm = AdminPasswordChangeForm
    _UserAdmin = UserAdmin
    _RoleAdmin = _ApiTokenAdmin = admin.ModelAdmin


class AssignmentInline(_AssignmentInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["organisation"]


class StaffSetPasswordForm(_PasswordChangeForm):
    """A password set by an administrator is changed by its owner at the next login."""

    def save(self, commit: bool = True) -> Any:
        self.user.must_change_password = True
        return super().save(commit=commit)


@admin.register(User)
class KexieUserAdmin(_UserAdmin):
    inlines = [AssignmentInline]
    change_password_form = StaffSetPasswordForm
    fieldsets = (*(UserAdmin.fieldsets or ()),
                 (_("平台"), {"fields": ("display_name", "must_change_password", "password_changed_at")}))
    readonly_fields = ("password_changed_at",)
    list_display = ("username", "display_name", "email", "is_active", "must_change_password", "last_login")

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        if not change:
            obj.must_change_password = True  # created by staff: the owner sets their own password
        super().save_model(request, obj, form, change)

    def save_formset(self, request: Any, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not RoleAssignment:
            super().save_formset(request, form, formset, change)
            return
        for deleted in formset.deleted_forms:
            obj = deleted.instance
            if obj.pk:
                before = RoleAssignment.objects.select_related("user", "organisation", "role").get(pk=obj.pk)
                log_action(request.user, "accounts.role.revoked", before, scope_path=before.organisation.path,
                           before=assignment_snapshot(before))
        changed_before = {
            f.instance.pk: assignment_snapshot(
                RoleAssignment.objects.select_related("user", "organisation", "role").get(pk=f.instance.pk))
            for f in formset.initial_forms
            if f.instance.pk and f not in formset.deleted_forms and f.has_changed()
        }
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            log_action(request.user, "accounts.role.granted", obj, scope_path=obj.organisation.path,
                       after=assignment_snapshot(obj))
        for obj, _fields in formset.changed_objects:
            log_action(request.user, "accounts.role.changed", obj, scope_path=obj.organisation.path,
                       before=changed_before.get(obj.pk), after=assignment_snapshot(obj))

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        rebuild_scope(form.instance)


@admin.register(Role)
class RoleAdmin(_RoleAdmin):
    list_display = ("code", "name", "description")
    AUDIT_FIELDS = ("code", "name", "actions", "description")

    def save_model(self, request: Any, obj: Role, form: Any, change: bool) -> None:
        before = snapshot(Role.objects.get(pk=obj.pk), self.AUDIT_FIELDS) if change and obj.pk else None
        super().save_model(request, obj, form, change)  # the role's holders get new caches (signals)
        after = snapshot(obj, self.AUDIT_FIELDS)
        if before != after:
            log_action(request.user, "accounts.role.changed" if change else "accounts.role.created", obj,
                       scope_path="", before=before, after=after)

    def delete_model(self, request: Any, obj: Role) -> None:
        log_action(request.user, "accounts.role.deleted", obj, scope_path="",
                   before=snapshot(obj, self.AUDIT_FIELDS))
        super().delete_model(request, obj)


@admin.register(ApiToken)
class ApiTokenAdmin(_ApiTokenAdmin):
    list_display = ("prefix", "user", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    search_fields = ("user__username", "prefix", "name")

    def has_add_permission(self, request: Any) -> bool:
        return False  # keys are created by their owner (the tokens page, `kexie token create`)
