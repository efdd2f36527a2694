"""gunicorn settings for the web tier (deploy/web.Dockerfile, deploy/systemd/picmatix-web.service).

Each value can be overridden without editing this file: WEB_CONCURRENCY (worker processes),
PICMATIX_BIND, or any flag through GUNICORN_CMD_ARGS.
"""

import os

bind = os.environ.get("PICMATIX_BIND", "0.0.0.0:8000")
# Uploads of up to 20 MB are read and re-encoded in the request: a few sync workers per core.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("PICMATIX_WEB_THREADS", "2"))
timeout = 60
# On SIGTERM (a deploy, a scale-down) requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: Pillow's memory does not always return to the OS.
max_requests = 1000
max_requests_jitter = 100
# Access log to stdout beside the app's own lines; the app's JSON lines come through Django logging.
accesslog = "-"
errorlog = "-"
# Order tokens and HD link signatures are in request paths: both logs write them as [redacted].
logger_class = "picmatix.access_log.RedactingLogger"
# Heartbeat files in memory: container disks can be slow enough to time workers out.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Trust X-Forwarded-* only from the load balancer's addresses (comma-separated), never from "*".
forwarded_allow_ips = os.environ.get("PICMATIX_FORWARDED_ALLOW_IPS", "127.0.0.1")
