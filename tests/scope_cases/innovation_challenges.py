"""揭榜挂帅: a city-B draft challenge, an application and a milestone of an awarded city-B challenge
(tests/test_innovation_challenges.py has the rest)."""

from __future__ import annotations

import datetime as dt

TABLE = {
    "innovation:challenge-list": ("list", None),  # in scope, plus published challenges (public by design)
    "innovation:challenge-create": ("list", None),  # the owner must be in the creator's change scope
    "innovation:challenge": ("detail", "challenge"),  # a published challenge is public; the city-B one is a draft
    "innovation:challenge-edit": ("change", "challenge"),
    "innovation:challenge-act": ("change", "challenge"),
    "innovation:challenge-apply": ("change", "challenge"),  # drafts cannot be applied to
    "innovation:challenge-withdraw": ("change", "challenge_application"),  # the leader only
    "innovation:challenge-milestone": ("change", "milestone"),  # the winner and the challenge's staff only
}


def records(province):
    from kexie.core.scope import prefix_q
    from kexie.innovation.models import Challenge, ChallengeApplication, Milestone
    from kexie.people.models import Person

    b = province["city_b"]
    today = dt.date.today()
    draft = Challenge.objects.create(title="B市草稿榜单", description="B市攻关", bounty=100,
                                     apply_by=today + dt.timedelta(days=30), owner=b, org_path=b.path)
    awarded = Challenge.objects.create(title="B市已揭榜榜单", description="B市攻关", bounty=200,
                                       apply_by=today - dt.timedelta(days=30), owner=b, org_path=b.path,
                                       status="awarded")
    leader = Person.objects.filter(prefix_q("org_path", [b.path])).order_by("-pk")[1]
    app = ChallengeApplication.objects.create(challenge=awarded, leader=leader, unit="B市研究院", proposal="方案",
                                              status="selected", org_path=b.path)
    ms = Milestone.objects.create(challenge=awarded, title="B市中期", due=today + dt.timedelta(days=90), share=40,
                                  org_path=b.path)
    return {"challenge": draft, "challenge_application": app, "milestone": ms}


# Published challenges are public to every logged-in user and name the organisation that issued them.
PUBLIC_LISTS = {"innovation:challenge-list": "published challenges of every city, with their issuer"}
