"""Who sees 科普审核 in the main menu: experts of a 科普 expert library and editors (``kepu.publish``)."""

from typing import Any

from kexie.calls.models import Expert, LibraryPurpose
from kexie.core.scope import scope_paths


def reviewer(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if scope_paths(user, "kepu.publish") != []:
        return True
    return Expert.objects.filter(person__user=user, person__deleted_at__isnull=True,
                                 library__purpose=LibraryPurpose.KEPU, library__deleted_at__isnull=True).exists()
