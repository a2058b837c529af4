"""数字科创: a city-B enterprise, its need and a dispatch to a city-B society (tests/test_innovation.py has the
rest)."""

from __future__ import annotations

TABLE = {
    "innovation:needs": ("list", None),  # needs in scope, the caller's enterprise's, and those dispatched to them
    "innovation:need-create": ("list", None),  # the owner must be in the creator's change scope
    "innovation:need": ("detail", "need"),
    "innovation:need-edit": ("change", "need"),
    "innovation:need-act": ("change", "need"),
    "innovation:need-feedback": ("change", "need"),
    "innovation:dispatch": ("change", "dispatch"),
    "innovation:dispatch-picker": ("change", "need"),  # a need's society suggestions: 404 out of scope
    "innovation:dispatch-requests": ("list", None),  # requests asked by or decided at the caller's associations
    "innovation:dispatch-request": ("change", "dispatch_request"),
    "innovation:enterprise-register": ("own", None),  # registers the caller's own enterprise
    "innovation:enterprise": ("change", "enterprise"),
    "need-list": ("api-list", "need"),  # API; tests/test_innovation.py checks the list holds only what one may see
    "need-detail": ("detail", "need"),
    "service-record-list": ("api-list", "service_record"),
    "service-record-detail": ("detail", "service_record"),
}


def records(province):
    from kexie.innovation.models import Dispatch, Enterprise, Need
    from kexie.orgs.models import Organisation

    b = province["city_b"]
    ent = Enterprise.objects.create(name="B市齿轮有限公司", uscc="91350100M000100Y43", industry="34", host=b,
                                    org_path=b.path, contact_name="王经理", contact_phone="13800000000")
    need = Need.objects.create(code="XQ-SCOPE-B", title="B市齿轮降噪", description="B市需求", industry="34",
                               kind="research", enterprise=ent, owner=b, org_path=b.path, status="published")
    society = Organisation.objects.filter(kind__code="society", path__startswith=b.path).first() or b
    import datetime as dt

    from django.utils import timezone

    d = Dispatch.objects.create(need=need, society=society, society_path=society.path, org_path=b.path,
                                respond_by=timezone.now() + dt.timedelta(days=5))
    from kexie.innovation.models import ServiceRecord

    record = ServiceRecord.objects.create(society=society, enterprise=ent, enterprise_name=ent.name, need=need,
                                          kind="research", served_on=timezone.localdate(), org_path=society.path,
                                          need_path=b.path)
    from kexie.innovation.models import DispatchRequest

    req = DispatchRequest.objects.create(need=need, org_path=b.path, decider_path=province["root"].path)
    req.societies.set([society])
    return {"need": need, "dispatch": d, "enterprise": ent, "service_record": record, "dispatch_request": req}
