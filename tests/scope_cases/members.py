"""个人会员 one at a time (decision 0044): the add-member page. The membership list, its detail and the actions on
it (变更类别、记录会费 through ``members:act``) stay in tests/test_scope.py's TABLE."""

from __future__ import annotations

TABLE = {
    # the registry search of the add page: city A finds no city-B person by name (people.view scope); the
    # form's society picker offers only societies in the caller's members.change scope
    "members:add": ("list", None),
}


def records(province):
    return {}
