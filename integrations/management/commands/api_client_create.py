"""``python manage.py api_client_create NAME --channel CODE [--scope orders:read …]``: a new API
client and its first token, printed on the last line (shown once, stored hashed)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ordermgmt.errors import BusinessError

from ...scopes import DEFAULT_SCOPES, SCOPES
from ...services import api_client_create, api_token_issue


class Command(BaseCommand):
    help = "Create an API client for a sales channel and print its token (on the last line)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the client's name, e.g. 淘宝旗舰店")
        parser.add_argument("--channel", required=True, help="the channel code it stands for, e.g. taobao-shop-1")
        parser.add_argument("--scope", action="append", choices=sorted(SCOPES), dest="scopes",
                            help=f"repeat for several (default: {' '.join(DEFAULT_SCOPES)})")
        parser.add_argument("--owner", help="username told of webhook problems (a 主管)")
        parser.add_argument("--rate-limit", default="", help="e.g. 120/m (default: API_DEFAULT_RATE_LIMIT)")

    def handle(self, *args, name, channel, scopes, owner, rate_limit, **options):
        owner_user = None
        if owner:
            owner_user = get_user_model().objects.filter(username=owner).first()
            if owner_user is None:
                raise CommandError(f"no user {owner}")
        try:
            client = api_client_create(user=None, name=name, channel_code=channel, scopes=scopes or DEFAULT_SCOPES,
                                       owner=owner_user, rate_limit=rate_limit)
            _token, raw = api_token_issue(user=None, client=client)
        except BusinessError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"API client #{client.pk} {client.name} ({client.channel_code}), scopes: {' '.join(client.scopes)}")
        self.stdout.write("Token (shown once; send it as Authorization: Bearer <token>):")
        self.stdout.write(raw)
