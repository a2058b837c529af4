"""点厨: an introduction of a city-B enterprise to a city-B expert (tests/test_innovation_intro.py has the rest)."""

from __future__ import annotations

TABLE = {
    "innovation:intro-list": ("list", None),  # in scope, the caller's enterprise's, and the caller's as expert
    "innovation:intro-create": ("own", None),  # for the caller's own verified enterprise
    "innovation:intro": ("detail", "intro"),
    "innovation:intro-act": ("change", "intro"),
}


def records(province):
    from kexie.core.scope import prefix_q
    from kexie.innovation.models import Enterprise, Introduction
    from kexie.people.models import Person

    b = province["city_b"]
    ent = Enterprise.objects.create(name="B市点厨企业", uscc="SCOPEINTROB0000001", industry="34", host=b,
                                    org_path=b.path, contact_name="赵经理", contact_phone="13800000001",
                                    status="verified")
    expert = Person.objects.filter(prefix_q("org_path", [b.path])).order_by("-pk").first()
    intro = Introduction.objects.create(enterprise=ent, expert=expert, message="B市引荐", org_path=b.path,
                                        expert_path=expert.org_path)
    return {"intro": intro}
