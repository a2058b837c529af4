"""What the calls sub-packages' services share: the invalid-application error, the actor as a user, today,
an application's history row and the registry person of a user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kexie.calls.models import (
    Application,
    ApplicationEvent,
)
from kexie.people.models import Person


class ApplicationInvalid(ValidationError):
    """Application data that failed validation; ``errors`` by field key."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        messages = [m for msgs in errors.values() for m in msgs]
        super().__init__(messages or [_("申报内容有误。")])
        self.errors = dict(errors)



def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _today() -> dt.date:
    return timezone.localdate()

def _event(actor: Any, app: Application, action: str, from_status: str, to_status: str, comment: str = "",
           data: Any = None) -> ApplicationEvent:
    return ApplicationEvent.objects.create(application=app, action=action, from_status=from_status,
                                           to_status=to_status, actor=_user(actor), comment=comment, data=data,
                                           org_path=app.org_path)


def person_of(user: Any) -> Person | None:
    if not getattr(user, "pk", None):
        return None
    person: Person | None = Person.objects.filter(user=user, deleted_at__isnull=True).first()
    return person
