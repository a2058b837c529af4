"""综合能力评价: city B's own indicator system, its run, a score, a county (tests/test_evaluation.py)."""

from kexie.core.scope import prefix_q
from kexie.core.services import SYSTEM
from kexie.evaluation import services
from kexie.orgs.models import Organisation

TABLE = {
    "evaluation:list": ("list", None),
    "evaluation:system": ("detail", "eval_system"),
    "evaluation:run-create": ("change", "eval_system"),
    "evaluation:run-start": ("own", None),  # POST only; it runs only a system the caller may run (tests/test_evaluation.py)
    "evaluation:expert": ("change", "eval_system"),
    "evaluation:run": ("detail", "eval_run"),
    "evaluation:run-export": ("detail", "eval_run"),
    "evaluation:score": ("detail", "eval_score"),
    "evaluation:follow-ups": ("change", "eval_org"),
}


def records(province):
    b = province["city_b"]
    data = services.load_preset("society_annual")
    data.update(code="city-b-societies", name="B市学会评价", target={"kinds": ["kx"], "levels": ["county"]})
    system = services.create_system(SYSTEM, data, owner=b)
    run = services.run_evaluation(SYSTEM, system, 2031)
    score = run.scores.first()
    county = Organisation.objects.filter(prefix_q("path", [b.path]), level="county").first()
    return {"eval_system": system, "eval_run": run, "eval_score": score, "eval_org": county}
