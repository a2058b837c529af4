from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from kexie.orgs.models import Organisation, OrgKind, Region


@admin.register(Organisation)
class OrganisationAdmin(TreeAdmin):
    form = movenodeform_factory(Organisation)
    list_display = ["name", "kind", "level", "status"]
    list_filter = ["kind", "level", "status"]
    search_fields = ["name", "code"]


admin.site.register(OrgKind)
admin.site.register(Region, search_fields=["code", "name"])
