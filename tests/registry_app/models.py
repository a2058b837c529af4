"""The throwaway module's one table, 试验件, which its import kind fills. The module has no migrations (it is
installed only inside tests/test_registry.py): the `registry_things` fixture creates the table in the test's
transaction."""

from django.db import models

from kexie.core.fields import PathField
from kexie.core.scope import ScopedQuerySet


class Thing(models.Model):
    code = models.CharField("编号", max_length=20, unique=True)
    name = models.CharField("名称", max_length=40)
    org_path = PathField(max_length=255)

    objects = ScopedQuerySet.as_manager()
    scope_path_field = "org_path"

    class Meta:
        verbose_name = verbose_name_plural = "试验件"

    def __str__(self) -> str:
        return self.name
