"""A saved or deleted ``Synonym`` row clears the paraphrase finder's cached synonym map at once."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from kexie.kepu.debunks.similar import forget_synonyms
from kexie.kepu.models import Synonym


@receiver([post_save, post_delete], sender=Synonym, dispatch_uid="kepu.debunks.synonyms_changed")
def synonyms_changed(sender: Any, **kwargs: Any) -> None:
    forget_synonyms()
