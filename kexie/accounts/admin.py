from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from kexie.accounts.models import Role, RoleAssignment, User
from kexie.accounts.services import rebuild_scope


class AssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["organisation"]


@admin.register(User)
class KexieUserAdmin(UserAdmin):
    inlines = [AssignmentInline]
    fieldsets = (*(UserAdmin.fieldsets or ()), (_("平台"), {"fields": ("display_name",)}))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        rebuild_scope(form.instance)


admin.site.register(Role)
