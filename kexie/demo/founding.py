"""网上组建企业科协 in the demo (decision 0037): ``demo-company`` (江淮精工齿轮有限公司) has applied to its city 科协 to
form the company's 科协 — a request waiting for demo-city-a's approval in 组织 → 科协组建."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kexie.accounts.models import User
from kexie.innovation.models import Enterprise
from kexie.orgs.founding import services as svc

COMPANY = "江淮精工齿轮有限公司"


def seed_founding(gen: Any, log: Any = print) -> dict[str, int]:
    user = User.objects.filter(username="demo-company").first()
    ent = Enterprise.objects.filter(name=COMPANY).first()
    if user is None or ent is None or not gen.cities:
        return {"requests": 0}
    city = gen.cities[0]
    svc.submit(user, svc.FormationInput(
        kind="enterprise_kx", parent=city, enterprise_name=ent.name, uscc=ent.uscc,
        proposed_name=svc.default_name(ent.name), scientists=46, chair_name="李振华", chair_phone="13905510188",
        secretary_name=ent.contact_name or "王建国", secretary_phone="13805516620",
        meeting_on=gen.today + dt.timedelta(days=21)))
    log(f"  科协组建申请 1 件（{ent.name} → {city.name}）")
    return {"requests": 1}
