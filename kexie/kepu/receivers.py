"""Receivers of ``kexie.kepu.signals``, imported by ``KepuConfig.ready``: each area that follows publication adds
its import here."""

from kexie.kepu.debunks import receivers as debunks_receivers  # noqa: F401
from kexie.kepu.public import receivers as public_receivers  # noqa: F401
