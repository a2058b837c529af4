"""The organisation picker's suggestions (orgs:picker): in the caller's scope for the field's action, or the
public associations for anonymous forms (tests/test_walkthrough.py)."""

TABLE = {
    "orgs:picker": ("list", None),  # without a typed text: an empty list; city A never sees a city-B name
}


def records(province):
    return {}
