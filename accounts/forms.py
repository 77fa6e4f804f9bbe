from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app, checked against one TOTP device. A code is
    accepted once: django-otp remembers the last time step used (TOTPDevice.last_t)."""

    otp_token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
                "class": "otp-token",
            }
        ),
    )

    def __init__(self, device, *args, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_otp_token(self):
        token = self.cleaned_data["otp_token"].strip()
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(
                _("Too many wrong codes. Wait a moment, then try again with a new code."),
                code="throttled",
            )
        if not token.isdigit() or not self.device.verify_token(token):
            raise forms.ValidationError(
                _("This code is not valid. Codes change every 30 seconds and work only once."),
                code="invalid",
            )
        return token
