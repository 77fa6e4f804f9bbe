"""Logging in: a second factor for everyone who can see unpublished data, a reused code refused,
throttled password guessing, and sessions that end when idle and after 12 hours."""

import datetime
import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.sessions import LOGIN_TIME_KEY, RENEWED_KEY
from tests.factories import UserFactory
from tests.otp import current_code, login_verified, totp_device
from tests.roles import build_world

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-password-1325"
TWO_FACTOR = "/en/accounts/two-factor/"
PROTECTED = ["/en/report/", "/en/coordination/", "/en/admin/", "/en/admin/exchange/"]


@pytest.fixture
def world():
    return build_world()


def _user_with_role(world, role):
    if role == "staff":
        return UserFactory(username="staff", is_staff=True)
    if role == "superuser":
        return UserFactory(username="root", is_staff=True, is_superuser=True)
    return getattr(world, role)


def password_login(client, user, *, url="/en/accounts/login/", next_path="/en/report/", **extra):
    user.set_password(PASSWORD)
    user.save()
    return client.post(
        url, {"username": user.username, "password": PASSWORD, "next": next_path}, **extra
    )


@pytest.mark.parametrize("role", ["editor", "focal", "coordinator", "board", "staff", "superuser"])
def test_every_account_that_sees_unpublished_data_must_type_a_code(world, role):
    user = _user_with_role(world, role)
    client = Client()
    client.force_login(user)
    reports = f"/en/reports/{world.plan.slug}/{world.round.year}/"
    for path in [*PROTECTED, reports]:
        response = client.get(path)
        assert response.status_code == 302, (role, path)
        assert response["Location"].startswith(TWO_FACTOR + "?next="), (role, path)
    # JSON callers get a refusal instead of a redirect.
    api = client.post("/en/accounts/keepalive/", HTTP_ACCEPT="application/json")
    assert api.status_code == 403
    xhr = client.get("/en/coordination/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert xhr.status_code == 403
    # The public portal stays open while the code is still to be typed.
    assert client.get("/en/").status_code == 200


def test_an_account_without_any_role_needs_no_code(world):
    client = Client()
    client.force_login(UserFactory(username="reader"))
    response = client.get("/en/coordination/")
    assert not response.get("Location", "").startswith(TWO_FACTOR)


def test_after_the_password_the_code_opens_the_workspace(world):
    device = totp_device(world.editor)
    client = Client()
    response = password_login(client, world.editor)
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response["Location"] == TWO_FACTOR + "?next=%2Fen%2Freport%2F"

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b'autocomplete="one-time-code"' in page.content

    wrong = client.post(TWO_FACTOR, {"otp_token": "000000", "next": "/en/report/"})
    assert wrong.status_code == 200
    assert b"not valid" in wrong.content
    assert client.get("/en/report/").status_code == 302

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    right = client.post(TWO_FACTOR, {"otp_token": current_code(device), "next": "/en/report/"})
    assert right.status_code == 302
    assert right["Location"] == "/en/report/"
    assert client.get("/en/report/").status_code == 200


def test_a_code_is_accepted_only_once(world):
    device = totp_device(world.coordinator)
    code = current_code(device)
    first = Client()
    password_login(first, world.coordinator, next_path="/en/coordination/")
    assert first.post(TWO_FACTOR, {"otp_token": code}).status_code == 302
    assert first.get("/en/coordination/").status_code == 200

    # Someone who saw the password and that code cannot use the code again.
    second = Client()
    password_login(second, world.coordinator, next_path="/en/coordination/")
    reused = second.post(TWO_FACTOR, {"otp_token": code})
    assert reused.status_code == 200
    assert b"work only once" in reused.content
    assert second.get("/en/coordination/")["Location"].startswith(TWO_FACTOR)


def test_a_new_account_enrols_with_a_qr_code_and_a_confirming_code(world):
    client = Client()
    client.force_login(world.focal)
    response = client.get(TWO_FACTOR + "?next=/en/report/")
    assert response["Location"] == "/en/accounts/two-factor/setup/?next=%2Fen%2Freport%2F"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "<svg" in html and "<path" in html
    # Halfway through logging in there is no session to keep alive yet.
    assert 'name="session-expiry"' not in html
    device = TOTPDevice.objects.get(user=world.focal, confirmed=False)
    # The same secret on a second visit: a scanned code stays valid.
    assert client.get("/en/accounts/two-factor/setup/").context["secret"] == page.context["secret"]

    response = client.post(
        "/en/accounts/two-factor/setup/", {"otp_token": current_code(device), "next": "/en/report/"}
    )
    assert response["Location"] == "/en/report/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/en/report/").status_code == 200
    # Enrolled: the setup page no longer hands out a new secret to whoever has the password.
    assert client.get("/en/accounts/two-factor/setup/")["Location"].startswith(TWO_FACTOR)


def test_the_code_page_refuses_foreign_next_urls(world):
    device = totp_device(world.editor)
    client = Client()
    client.force_login(world.editor)
    response = client.post(
        TWO_FACTOR, {"otp_token": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/en/"


# --- throttling -------------------------------------------------------------------------------


def test_five_failures_lock_the_username_from_that_address_for_the_cool_off(world, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    user = world.editor
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    for _attempt in range(5):
        response = client.post(
            "/en/accounts/login/", {"username": user.username, "password": "wrong-guess"}
        )
    # The fifth failure locks: now even the right password gets the friendly 429 page.
    response = password_login(client, user)
    assert response.status_code == 429
    assert b"Too many failed login attempts" in response.content
    assert response["Retry-After"] == "900"
    # The workspace's own login page is locked too.
    assert password_login(client, user, url="/en/report/login/").status_code == 429

    # Not the same username from another address, nor another username from this one.
    assert password_login(Client(REMOTE_ADDR="10.1.2.3"), user).status_code == 302
    assert password_login(Client(), world.focal).status_code == 302

    # After the cool-off the lock is gone by itself.
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert password_login(Client(), user).status_code == 302


def test_password_validators_refuse_weak_passwords():
    for weak in ("short1", "password12345", "123456789012"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("correct horse battery staple 1325")


# --- session lifetime -------------------------------------------------------------------------


def _session(client):
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_sessions_end_after_thirty_idle_minutes(world, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = Client()
    login_verified(client, world.editor)
    # Ten minutes later a request starts the thirty minutes again.
    session = client.session
    session[RENEWED_KEY] = time.time() - 600
    session.save()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=20))
    assert client.get("/en/report/").status_code == 200
    remaining = _session(client).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)

    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get("/en/report/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_sessions_end_twelve_hours_after_login_however_active(world, settings):
    assert settings.SESSION_MAX_SECONDS == 12 * 60 * 60
    client = Client()
    login_verified(client, world.editor)
    session = client.session
    session[LOGIN_TIME_KEY] = time.time() - 12 * 60 * 60 + 60
    session.save()
    assert client.get("/en/report/").status_code == 200

    session = client.session
    session[LOGIN_TIME_KEY] = time.time() - 12 * 60 * 60 - 1
    session.save()
    response = client.get("/en/report/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert "_auth_user_id" not in client.session


def test_keepalive_extends_the_session(world):
    client = Client(enforce_csrf_checks=True)
    login_verified(client, world.editor)
    page = client.get("/en/report/")
    token = page.context["csrf_token"]
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))

    response = client.post("/en/accounts/keepalive/", HTTP_X_CSRFTOKEN=str(token))
    assert response.status_code == 200
    assert response.json()["authenticated"] is True
    assert 29 * 60 < response.json()["expires_in"] <= 30 * 60
    assert _session(client).expire_date - timezone.now() > datetime.timedelta(minutes=29)

    # POST only, with the CSRF token.
    assert client.get("/en/accounts/keepalive/").status_code == 405
    assert client.post("/en/accounts/keepalive/").status_code == 403


def test_keepalive_says_when_the_session_is_gone():
    response = Client().post("/en/accounts/keepalive/")
    assert response.status_code == 401
    assert response.json() == {"authenticated": False, "expires_in": 0}


def test_keepalive_answers_the_time_left_before_the_twelve_hours(world):
    client = Client()
    login_verified(client, world.editor)
    session = client.session
    session[LOGIN_TIME_KEY] = time.time() - 12 * 60 * 60 + 300
    session.save()
    expires_in = client.post("/en/accounts/keepalive/").json()["expires_in"]
    assert 290 <= expires_in <= 300


def test_signed_in_pages_carry_the_session_warning_and_public_ones_for_visitors_do_not(world):
    client = Client()
    login_verified(client, world.editor)
    for path in ("/en/report/", "/en/"):
        html = client.get(path).content.decode()
        assert 'name="session-expiry"' in html, path
        assert "js/session.js" in html, path
    assert 'name="session-expiry"' not in Client().get("/en/").content.decode()


# --- demo accounts ----------------------------------------------------------------------------


def test_demo_accounts_share_a_published_authenticator_secret(demo, settings, capsys):
    from accounts.management.commands.create_demo_users import DEMO_TOTP_KEY

    settings.DEBUG = True
    call_command("create_demo_users")
    out = capsys.readouterr().out
    assert "JZAVAMJTGI2S2ZDFNVXS25DPORYC2MRQ" in out
    devices = TOTPDevice.objects.filter(user__username="admin", confirmed=True)
    assert [device.key for device in devices] == [DEMO_TOTP_KEY]


def test_behind_a_trusted_proxy_throttling_uses_the_forwarded_client_address(settings):
    from django.test import RequestFactory

    from accounts.security import client_ip

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    factory = RequestFactory()
    proxied = factory.get(
        "/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7, 10.0.0.9"
    )
    # The right-most address that is not one of our proxies; the left part can be forged.
    assert client_ip(proxied) == "192.0.2.7"
    direct = factory.get("/", REMOTE_ADDR="192.0.2.8", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(direct) == "192.0.2.8"
