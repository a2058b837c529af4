"""Locale format overrides (FORMAT_MODULE_PATH): what Django's own locale files get wrong for this site."""
