from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.management.commands.create_demo_users import DEMO_TOTP_KEY
from accounts.otp import secret_for_display


class Command(BaseCommand):
    help = "Print the current second-factor code of the demo accounts (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo second factor exists with DEBUG on only.")
        from django_otp.oath import TOTP

        device = TOTPDevice(key=DEMO_TOTP_KEY)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
        self.stdout.write(f"{totp.token():06d}")
        self.stderr.write(
            f"(demo secret {secret_for_display(device)}; each code works once, a new one comes "
            f"every {device.step} seconds)"
        )
