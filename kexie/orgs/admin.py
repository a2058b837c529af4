"""Organisations in the admin are for looking up only: creating, editing, moving and deleting go through the
site's pages and ``orgs.services`` (scope check, audit row, every denormalised path rewritten on a move,
scope caches rebuilt). treebeard's TreeAdmin moves nodes with ``Organisation.objects.move`` directly, which
left every copied path stale, so it is not used."""

from django.contrib import admin

from kexie.orgs.models import Organisation, OrgKind, Region


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "level", "status", "path"]
    list_filter = ["kind", "level", "status"]
    search_fields = ["name", "code"]
    ordering = ["path"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.register(OrgKind)
admin.site.register(Region, search_fields=["code", "name"])
