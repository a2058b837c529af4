"""揭榜挂帅 (SPEC §3.5): challenges and applications (services.py), milestones (milestones.py); forms, views and URL
patterns."""
