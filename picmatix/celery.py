import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "picmatix.settings")

app = Celery("picmatix")
# All Celery settings live in Django settings under the CELERY_ prefix (picmatix/settings.py).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
