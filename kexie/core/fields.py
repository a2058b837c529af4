"""Model fields shared by every module."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:  # the stubs' field is generic (set type, get type); Django's is not subscriptable
    _CharField = models.CharField[str, str]
else:
    _CharField = models.CharField


class PathField(_CharField):
    """A denormalised copy of an organisation's materialised path (``Organisation.path``): the owner's, the
    society's, the need's… ``orgs.services.move()`` finds every column of this type and rewrites it when a
    subtree moves, so a path column is declared by its type, never recognised by its name.

    It is a ``CharField`` to the database and to migrations (``deconstruct`` names ``CharField``): choosing
    this type changes no schema."""

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
