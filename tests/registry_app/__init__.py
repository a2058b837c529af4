"""A throwaway module for tests/test_registry.py: it declares a menu entry, a daily job and an API route in its
apps.py and touches no central file; the test installs it with override_settings."""
