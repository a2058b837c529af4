"""Signals of the item lifecycle, sent by the review and emergency services after commit, so delivery (push,
cached pages, feeds) and effect follow without the workflow importing them: ``item_published(item)`` and
``item_retracted(item)``."""

from django.dispatch import Signal

item_published = Signal()  # sender: Item class; kwargs: item
item_retracted = Signal()  # sender: Item class; kwargs: item
