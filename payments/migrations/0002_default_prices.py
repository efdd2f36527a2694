from decimal import Decimal

from django.db import migrations

# Starting points that staff change in the admin (Payments > Prices): (suggested, minimum).
DEFAULT_PRICES = {
    "USD": ("15.00", "3.00"),
    "EUR": ("14.00", "3.00"),
    "GBP": ("12.00", "3.00"),
    "JPY": ("2000", "500"),
    "MXN": ("250.00", "60.00"),
    "CAD": ("20.00", "4.00"),
    "AUD": ("22.00", "5.00"),
    "KRW": ("20000", "4000"),
}


def seed(apps, schema_editor):
    Price = apps.get_model("payments", "Price")
    # The database being migrated (migrate --database), not always the default one.
    prices = Price.objects.using(schema_editor.connection.alias)
    for currency, (suggested, minimum) in DEFAULT_PRICES.items():
        prices.get_or_create(
            currency=currency, defaults={"suggested": Decimal(suggested), "minimum": Decimal(minimum)}
        )


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
