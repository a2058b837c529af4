from django.contrib import admin

from kexie.people.models import Discipline

admin.site.register(Discipline, search_fields=["code", "name"], list_display=["code", "name", "sector"])
