"""Import pages beyond the first ones listed in tests/test_scope.py: the retry of an interrupted batch
is a change of a city-B batch (the record comes from test_scope.py's ``batch``)."""

TABLE = {
    "imports:retry": ("change", "batch"),
}


def records(province):
    return {}
