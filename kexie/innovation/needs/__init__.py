"""技术需求 (SPEC §3.5): enterprises (enterprises.py), needs through their workflow (services.py), dispatches to
societies with answers, rating and escalation (dispatches.py); forms, views and URL patterns of their pages."""
