"""Two-factor login (TOTP, django-otp): who needs it, and the devices that provide it.

Everyone who can see unpublished data needs a second factor: staff, superusers and every
member of an organisation, whatever the role. `SecondFactorMiddleware` keeps such users out
of every page but the public ones until they have typed a code in this session.
"""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

# The name of the device a user enrols; one authenticator app per account.
DEVICE_NAME = "authenticator"


def needs_second_factor(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_staff or user.is_superuser or user.memberships.exists()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device shown during enrolment: the same secret on every visit until the
    user confirms it with a code, so reloading the page does not invalidate a scanned QR code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_for_display(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an authenticator app."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// URL as an inline SVG QR code (no style attributes: fine under the CSP)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2
    )
    svg = image.to_string(encoding="unicode")
    # Generated from our own URL: no user-controlled markup can end up in it.
    return mark_safe(svg)
