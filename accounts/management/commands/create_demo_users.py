from base64 import b32encode

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, User
from indicators.models import Organisation, PlanOrganisation

DEMO_PASSWORD = "nap1325-demo"
# Every demo account also has this authenticator secret (hex; base32 JZAV AMJT GI2S 2ZDF NVXS
# 25DP ORYC 2MRQ), so a demonstration can pass the second factor: add it to an authenticator
# app, or run `manage.py demo_totp` for the current code. With DEBUG on only.
DEMO_TOTP_KEY = "4e4150313332352d64656d6f2d746f74702d3230"

COORDINATOR_APPS = ("indicators", "reporting", "accounts")


class Command(BaseCommand):
    help = (
        "Create demo accounts: an administrator, a coordinator of each plan's coordinating "
        "ministry, and one focal point per ministry. For demonstrations only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Create them even with DEBUG off (never in use)."
        )

    @transaction.atomic
    def handle(self, *args, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo accounts have a published password; refusing with DEBUG off (use --force)."
            )
        coordinators = self._group(
            "Coordinators",
            Permission.objects.filter(content_type__app_label__in=COORDINATOR_APPS),
        )
        reporters = self._group(
            "Reporters",
            Permission.objects.filter(
                content_type__app_label__in=("indicators", "reporting"),
                codename__startswith="view_",
            )
            | Permission.objects.filter(
                content_type__app_label="reporting",
                codename__in=[
                    f"{action}_{model}"
                    for action in ("add", "change")
                    for model in ("progressentry", "progressvalue", "reference", "example")
                ],
            ),
        )

        rows = [("admin", "-", "administrator")]
        self._user("admin", superuser=True)

        coordinating = PlanOrganisation.objects.filter(
            role=PlanOrganisation.Role.COORDINATOR
        ).select_related("organisation")
        for participation in coordinating:
            username = f"coordinator-{participation.organisation.slug}"
            user = self._user(username, group=coordinators)
            self._membership(user, participation.organisation, Membership.Role.COORDINATOR)
            rows.append((username, participation.organisation, "coordinator"))

        for organisation in Organisation.objects.filter(kind=Organisation.Kind.MINISTRY):
            username = f"focal-{organisation.slug}"
            user = self._user(username, group=reporters)
            self._membership(user, organisation, Membership.Role.FOCAL_POINT)
            rows.append((username, organisation, "focal point"))

        if settings.DEBUG:
            for username, _organisation, _role in rows:
                self._demo_device(User.objects.get(username=username))
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, organisation, role in rows:
            self.stdout.write(f"  {username:<24} {role:<14} {organisation}")
        if settings.DEBUG:
            device = TOTPDevice(key=DEMO_TOTP_KEY)
            self.stdout.write(
                "Second factor for all: add the secret "
                f"{b32encode(device.bin_key).decode()} to an authenticator app, "
                "or run `manage.py demo_totp` for the current code."
            )
        else:
            self.stdout.write("Each account sets up its authenticator app at its first login.")

    def _group(self, name, permissions):
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        return group

    def _user(self, username, *, superuser=False, group=None):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, email=f"{username}@nap1325.localhost")
            user.set_password(DEMO_PASSWORD)
        user.is_staff = True
        user.is_superuser = superuser
        user.is_active = True
        user.save()
        if group is not None:
            user.groups.add(group)
        return user

    def _demo_device(self, user):
        TOTPDevice.objects.filter(user=user).exclude(key=DEMO_TOTP_KEY).delete()
        TOTPDevice.objects.get_or_create(
            user=user, key=DEMO_TOTP_KEY, defaults={"name": "demo", "confirmed": True}
        )

    def _membership(self, user, organisation, role):
        Membership.objects.update_or_create(
            user=user, organisation=organisation, defaults={"role": role}
        )
