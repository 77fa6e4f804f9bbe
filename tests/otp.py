"""Second-factor helpers for tests.

Every account that can see unpublished data must type a TOTP code after its password
(accounts/middleware.py). Tests that are about something else log in with `VerifiedClient`
(the `client` fixture is one, tests/conftest.py): its `force_login` also gives the user an
authenticator device and marks the session as verified, as typing a code would. Tests of the
second factor itself use a plain `django.test.Client` and `current_code()`.
"""

from __future__ import annotations

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

# A fixed key (hex, 20 bytes) so browser tests can compute codes.
TEST_KEY = "3132333435363738393031323334353637383930"


def totp_device(user, *, key: str = TEST_KEY) -> TOTPDevice:
    """The user's confirmed authenticator device, created with a known key when missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", key=key, confirmed=True)
    return device


def current_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code the authenticator app shows now (or `offset_steps` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def fresh_code(user) -> str:
    """A code for the user's device that has not been used yet: helpers that log the same user
    in twice within 30 seconds would otherwise hit the reused-code refusal."""
    device = totp_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return current_code(device)


def verify_session(client: Client, user) -> None:
    """Mark the client's session as having passed the second factor for `user`."""
    device = totp_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def login_verified(client: Client, user) -> None:
    """force_login plus the second factor."""
    Client.force_login(client, user)
    verify_session(client, user)


class VerifiedClient(Client):
    """A test client whose force_login also passes the second factor."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        verify_session(self, user)


def enter_code(client: Client, user):
    """The second step of a login through the form: type the authenticator's code."""
    response = client.post("/en/accounts/two-factor/", {"otp_token": fresh_code(user)})
    assert response.status_code == 302, response
    return response


def pass_second_factor(page, username: str) -> None:
    """In a browser test (Playwright), after the password: type the code on the code page, or,
    for an account without an authenticator yet, enrol the one the setup page offers."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    page.wait_for_selector("form.otp-form input[name=otp_token]")
    if "/two-factor/setup/" in page.url:
        code = current_code(TOTPDevice.objects.get(user=user, confirmed=False))
    else:
        code = fresh_code(user)
    page.fill("input[name=otp_token]", code)
    page.click("form.otp-form button[type=submit]")
