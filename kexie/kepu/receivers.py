"""Receivers of ``kexie.kepu.signals``, imported by ``KepuConfig.ready``: each area that follows publication adds
its import here."""
