from django.core.management.base import BaseCommand, CommandError
from django_otp import devices_for_user

from portal import audit, services
from portal.models import User


class Command(BaseCommand):
    help = (
        "Remove a user's two-factor devices and backup codes (a lost phone) and end their "
        "sessions; at the next login they set up two-factor authentication again."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user has the e-mail address {email}.")
        devices = list(devices_for_user(user, confirmed=None))
        for device in devices:
            device.delete()
        ended = services.sessions_end(user=user)
        audit.record(
            audit.Action.SESSIONS_ENDED,
            obj=user,
            username=user.email,
            detail=f"two_factor_reset:{len(devices)}",
        )
        self.stdout.write(
            f"Removed {len(devices)} device(s) of {user.email} and ended {ended} session(s)."
        )
