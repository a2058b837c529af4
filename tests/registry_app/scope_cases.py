"""The throwaway module's entries for the systematic scope test, in the format of tests/scope_cases/<module>.py.
Kept beside the module (not in tests/scope_cases/) so that the suite without it reports its URL names missing."""

TABLE: dict[str, tuple[str, str | None]] = {
    "registry_app:page": ("list", None),  # holds no records
    "registry-thing-list": ("own", None),
    "registry-thing-detail": ("own", None),
}


def records(province):
    return {}
