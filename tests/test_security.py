import pytest
from django.test import Client


@pytest.mark.django_db
def test_lockout_after_repeated_failures(province):
    client = Client()
    first = client.post("/accounts/login/", {"username": "demo-city-a", "password": "wrong-password"})
    assert "用户名或密码不正确" in first.content.decode()
    for _ in range(4):
        client.post("/accounts/login/", {"username": "demo-city-a", "password": "wrong-password"})
    resp = client.post("/accounts/login/", {"username": "demo-city-a", "password": "kexie-demo"})
    assert resp.status_code in (200, 403, 429)
    assert "暂时锁定" in resp.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_works_and_headers_are_strict(province):
    client = Client()
    resp = client.post("/accounts/login/", {"username": "demo-city-b", "password": "kexie-demo"})
    assert resp.status_code == 302
    page = client.get("/orgs/")
    csp = page["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_csrf_is_enforced(province):
    from kexie.accounts.models import User

    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username="demo-city-a"))
    org = province["city_a"]
    assert client.post(f"/orgs/{org.pk}/delete/").status_code == 403


def test_password_policy():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("12345678")
    validate_password("Kx-2026-strong-passphrase")
