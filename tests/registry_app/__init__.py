"""A throwaway module for tests/test_registry.py: it declares a menu entry, a daily job, an API route, a
notice kind and an import kind (imports.py, filling models.Thing) in its apps.py and touches no central file;
the test installs it with override_settings."""
