"""The gallery publishes the painting only (what customers agreed to): photo thumbnails go.

Each stored photo thumbnail is deleted before its column is dropped. A storage error stops the
migration (the deploy can be run again): dropping the column first would leave copies of customers'
photos in the bucket that nothing refers to any more, so nothing would ever delete them.
"""

from django.core.files.storage import default_storage
from django.db import migrations


def delete_photo_thumbnails(apps, schema_editor):
    GalleryEntry = apps.get_model("gallery", "GalleryEntry")
    # The database being migrated (migrate --database), not always the default one.
    entries = GalleryEntry.objects.using(schema_editor.connection.alias)
    for name in entries.exclude(before="").values_list("before", flat=True):
        default_storage.delete(name)


class Migration(migrations.Migration):
    dependencies = [("gallery", "0001_initial")]

    operations = [
        migrations.RunPython(delete_photo_thumbnails, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="galleryentry", name="before"),
        migrations.RemoveField(model_name="galleryentry", name="before_width"),
        migrations.RemoveField(model_name="galleryentry", name="before_height"),
    ]
