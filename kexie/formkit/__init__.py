"""One form engine (表单引擎) shared by reports, calls and the modules to come (surveys, event registration,
volunteer sign-up, suggestions): the schema language (``schema``), POST → values on the fill pages (``fill``),
pure edits of a schema for the visual builder (``builder``) and the builder's Django forms (``forms``).

A low-level package: it imports no domain app (an import-linter contract in pyproject.toml says so). What a
domain adds — the registry figures reports pre-fill from, the URLs of a page — is passed in by the caller.
"""
