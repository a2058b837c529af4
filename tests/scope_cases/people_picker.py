"""The person picker's suggestions (people:picker, decision 0043): people of the caller's people.view scope only
(tests/test_dispatch_levels.py)."""

TABLE = {
    "people:picker": ("list", None),  # without a typed text: an empty list; city A never sees a city-B person
}


def records(province):
    return {}
