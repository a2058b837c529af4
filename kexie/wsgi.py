"""WSGI entry point. Refuses to load without keys of the site's own (KEXIE_SECRET_KEY, KEXIE_PII_KEY): the
demo keys are published with the source. ``kexie demo`` serves its own application and never imports this."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kexie.settings")
application = get_wsgi_application()

from kexie.core.crypto import require_server_keys  # noqa: E402 - needs the apps loaded (translated message)

require_server_keys()
