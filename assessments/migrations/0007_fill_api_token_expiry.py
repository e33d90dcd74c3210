"""Tokens made before tokens expired get the default lifetime from the day of the upgrade, so
no BI tool stops at once; HR sees the date on the API tokens page and can revoke earlier."""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def fill_expiry(apps, schema_editor):
    ApiToken = apps.get_model("assessments", "ApiToken")
    days = getattr(settings, "PILLARS_API_TOKEN_DAYS", 90) or 90
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=days)
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0006_api_token_expiry_revocation")]

    operations = [migrations.RunPython(fill_expiry, migrations.RunPython.noop)]
