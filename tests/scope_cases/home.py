"""我的 and profile change requests (tests/test_home.py): the person's own pages concern the caller only; a change
request is reachable by staff holding people.change over the person's current organisation."""

from __future__ import annotations

TABLE = {
    "me-edit": ("own", None),  # the caller's own record only
    "me-change-withdraw": ("change", "profile_change"),  # POST only; the requester's own request
    "profile-changes": ("list", None),  # requests of people whose own organisation is in people.change scope
    "profile-change": ("detail", "profile_change"),
}


def records(province):
    from kexie.core.scope import prefix_q
    from kexie.home.models import ProfileChange
    from kexie.people.models import Person

    b = province["city_b"]
    person = Person.objects.filter(prefix_q("org_path", [b.path]), deleted_at__isnull=True).order_by("-pk").first()
    change = ProfileChange.objects.create(person=person, changes={"name": "乙城改名申请人"},
                                          before={"name": person.name}, note="B市资料变更")
    return {"profile_change": change}
