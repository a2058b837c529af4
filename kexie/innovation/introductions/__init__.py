"""点厨 (专家引荐, SPEC §3.5): the flow and the contact rules (services.py); forms, views and URL patterns."""
