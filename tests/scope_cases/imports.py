"""Import pages beyond the first ones listed in tests/test_scope.py: the retry of an interrupted batch
is a change of a city-B batch (the record comes from test_scope.py's ``batch``)."""

TABLE = {
    "imports:retry": ("change", "batch"),
}


def records(province):
    return {}


# The city-B batch of tests/test_scope.py names an error file that was never written: the owner gets the batch's
# own "no error file" answer, not the scope's.
OWN_PAGES = {"imports:errors": (404, "该批次没有错误文件。")}
