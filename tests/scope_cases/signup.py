"""Individual accounts (kexie.signup): the registration pages are public, the verification, privacy and deletion
pages concern the caller only; claims of registry records are listed and decided in the scope of the record's
organisation (tests/test_signup.py)."""

TABLE = {
    "signup:start": ("public", None),
    "signup:account": ("public", None),  # only after a verified code in this session
    "signup:notice": ("public", None),
    "signup:verify": ("own", None),
    "signup:associations": ("own", None),  # names of city and county associations: public facts
    "signup:claim-cancel": ("own", None),
    "signup:privacy": ("own", None),
    "signup:delete": ("own", None),
    "signup:delete-cancel": ("own", None),
    "signup:claims": ("list", None),
    "signup:claim": ("detail", "signup_claim"),
    "signup:claim-decide": ("change", "signup_claim"),
}


def records(province):
    from kexie.accounts.models import User
    from kexie.core.scope import prefix_q
    from kexie.people.models import Person
    from kexie.signup.models import ClaimRequest

    b = province["city_b"]
    person = Person.objects.filter(prefix_q("org_path", [b.path]), user__isnull=True).order_by("-pk").first()
    claimant = User.objects.create_user("claimant-b", password=None, display_name="乙市认领人")
    claim = ClaimRequest.objects.create(user=claimant, person=person, org_path=person.org_path, name="乙市档案认领人")
    return {"signup_claim": claim}
