"""科创云集市 (SPEC §3.5): the public marketplace, achievements (services.py), enquiries (enquiries.py) and the
service statistics (dashboard.py); forms, views and URL patterns of their pages."""
