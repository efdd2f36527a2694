"""deploy/: the compose file, the images, the service units, the env files and the deploy script."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A linter from the virtualenv (dev extra) or the system, or a skip saying how to get it."""
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not found:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


def docker_compose() -> list[str]:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    pytest.skip("docker compose is not installed (the docker CLI with its compose plugin; no engine needed)")


@pytest.mark.parametrize(("profile", "render"), [("gpu", "worker"), ("cpu", "worker-cpu")])
def test_the_compose_file_is_valid(profile: str, render: str, tmp_path: Path) -> None:
    # `config` parses, interpolates and validates without a Docker engine.
    result = subprocess.run(
        [*docker_compose(), "-f", str(DEPLOY / "compose.yaml"), "--profile", profile, "config", "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "PICMATIX_ENV_FILE": str(tmp_path / "absent.env")},
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    services = config["services"]
    assert set(services) == {"db", "redis", "migrate", "web", render, "worker-default", "beat"}
    assert services["beat"]["command"][:4] == ["celery", "-A", "picmatix", "beat"]
    command = services[render]["command"]
    assert command[command.index("-Q") + 1] == "render"
    assert command[command.index("--concurrency") + 1] == "1"
    for name in ("web", render, "worker-default", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")


def compose_services() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def test_the_render_worker_comes_from_the_gpu_or_the_cpu_profile_and_all_else_from_neither() -> None:
    services = compose_services()
    profiles = {name: service.get("profiles", []) for name, service in services.items()}
    assert profiles.pop("worker") == ["gpu"]
    assert profiles.pop("worker-cpu") == ["cpu"]
    assert set(map(tuple, profiles.values())) == {()}


def test_gunicorn_is_published_on_the_hosts_loopback_for_the_proxy_in_front() -> None:
    (published,) = compose_services()["web"]["ports"]
    assert published.startswith("${PICMATIX_PUBLISH:-127.0.0.1}:")


def test_the_cpu_profile_runs_the_gpu_worker_s_command_on_the_cpu() -> None:
    services = compose_services()
    gpu, cpu = services["worker"], services["worker-cpu"]
    assert cpu["command"] == gpu["command"]
    assert cpu["image"] == gpu["image"]
    assert cpu["stop_grace_period"] == gpu["stop_grace_period"]
    assert cpu["environment"]["PICMATIX_RENDER_DEVICE"] == "cpu"
    assert "deploy" not in cpu  # no GPU reserved
    [device] = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"]
    # Everything else the app services share (the database, the broker, the folders).
    assert cpu["environment"].items() >= services["web"]["environment"].items()


@pytest.mark.parametrize("dockerfile", ["web.Dockerfile", "worker.Dockerfile"])
def test_the_dockerfiles_pass_hadolint(dockerfile: str) -> None:
    hadolint = tool("hadolint")
    result = subprocess.run(
        [hadolint, "--no-color", "--config", str(DEPLOY / "hadolint.yaml"), str(DEPLOY / dockerfile)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_worker_image_bakes_in_the_torch_of_the_worker_extra_and_the_models() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["worker"]
    dockerfile = (DEPLOY / "worker.Dockerfile").read_text()
    lock = (ROOT / "requirements" / "worker.txt").read_text()
    assert "--require-hashes -r requirements/worker.txt" in dockerfile
    for package in ("torch", "torchvision"):
        [pin] = [p for p in extra if p.startswith(f"{package}==")]
        assert re.search(rf"^{re.escape(pin)} ", lock, re.MULTILINE), f"requirements/worker.txt must pin {pin}"
    assert "PICMATIX_ALLOW_DOWNLOADS=1 python" in dockerfile  # waifu2x models fetched at build time
    assert "ENV PICMATIX_WAIFU2X_DIR=" in dockerfile
    assert "PICMATIX_ALLOW_DOWNLOADS=0" in dockerfile
    assert re.search(r"^FROM nvidia/cuda:", dockerfile, re.MULTILINE)


def test_the_deploy_script_passes_shellcheck() -> None:
    shellcheck = tool("shellcheck")
    result = subprocess.run([shellcheck, str(DEPLOY / "deploy.sh")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [],
            ["-p picmatix-staging --profile gpu build", "run --rm migrate", "up -d --remove-orphans"],
        ),
        (["--env", "production"], ["-p picmatix-production --profile gpu build"]),
        (
            ["--target", "systemd"],
            ["pip install", "manage.py migrate", "manage.py compilemessages", "manage.py collectstatic"],
        ),
    ],
)
def test_a_dry_run_prints_every_step_and_runs_none(args: list[Any], expected: list[Any], tmp_path: Path) -> None:
    text = (DEPLOY / "deploy.sh").read_text()
    assert "set -euo pipefail" in text
    env = {**os.environ, "PICMATIX_HOME": str(tmp_path), "PICMATIX_ENV_FILE": str(tmp_path / "none.env")}
    result = subprocess.run(
        ["bash", str(DEPLOY / "deploy.sh"), "--dry-run", *args], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    commands = [line for line in result.stdout.splitlines() if line.startswith("+ ")]
    for fragment in expected:
        assert any(fragment in command for command in commands), (fragment, result.stdout)
    assert list(tmp_path.iterdir()) == []  # nothing was installed or written


def test_the_deploy_script_refuses_an_environment_without_a_secret_key(tmp_path: Path) -> None:
    env_file = tmp_path / "picmatix.env"
    env_file.write_text("SECRET_KEY=\nDEBUG=false\n")
    env = {**os.environ, "PICMATIX_HOME": str(tmp_path), "PICMATIX_ENV_FILE": str(env_file)}
    result = subprocess.run(
        ["bash", str(DEPLOY / "deploy.sh"), "--target", "systemd"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 1
    assert "SECRET_KEY is empty" in result.stderr


def test_the_render_worker_unit_runs_one_worker_per_gpu_and_stops_gracefully() -> None:
    unit = (DEPLOY / "systemd" / "picmatix-worker@.service").read_text()
    assert "Environment=CUDA_VISIBLE_DEVICES=%i" in unit
    assert "-Q render" in unit
    assert "--concurrency 1" in unit
    assert "--prefetch-multiplier 1" in unit
    assert "KillSignal=SIGTERM" in unit
    assert re.search(r"^TimeoutStopSec=\d+", unit, re.MULTILINE)


def test_the_service_units_pass_systemd_analyze(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    system = Path("/lib/systemd/system")
    if not (system / "sysinit.target").exists():
        pytest.skip("systemd's own units are not installed here")
    # A throwaway root with the paths the units name, so that only the units themselves are judged.
    (tmp_path / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree(system, tmp_path / "usr/lib/systemd/system", symlinks=True)
    venv = tmp_path / "opt/picmatix/.venv/bin"
    venv.mkdir(parents=True)
    for name in ("gunicorn", "celery"):
        (venv / name).write_text("#!/bin/sh\n")
        (venv / name).chmod(0o755)
    (tmp_path / "bin").mkdir()
    shutil.copy("/bin/kill", tmp_path / "bin/kill")
    (tmp_path / "etc/picmatix").mkdir(parents=True)
    (tmp_path / "etc/picmatix/picmatix.env").write_text("")
    units = tmp_path / "etc/systemd/system"
    shutil.copytree(DEPLOY / "systemd", units)
    names = [
        "picmatix-web.service",
        "picmatix-beat.service",
        "picmatix-worker-default.service",
        "picmatix-worker@0.service",
    ]
    result = subprocess.run([analyze, "verify", f"--root={tmp_path}", *names], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert not result.stderr.strip(), result.stderr


def settings_read_by_the_code() -> set[str]:
    names = set()
    for path in [*ROOT.glob("picmatix/*.py"), *ROOT.glob("rendering/**/*.py"), DEPLOY / "gunicorn.conf.py"]:
        names |= set(re.findall(r"""["']([A-Z][A-Z0-9_]{2,})["']""", path.read_text()))
    # Read by libraries from the environment: boto3's credentials.
    return names | {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}


@pytest.mark.parametrize("name", ["staging.env.example", "production.env.example"])
def test_the_env_files_hold_no_secrets_and_no_unknown_settings(name: str) -> None:
    known = settings_read_by_the_code()
    secrets_ = {"SECRET_KEY", "EMAIL_HOST_PASSWORD", "AWS_SECRET_ACCESS_KEY", "STRIPE_SECRET_KEY"}
    secrets_ |= {"STRIPE_WEBHOOK_SECRET", "RECAPTCHA_PRIVATE_KEY", "SENTRY_DSN"}
    seen = set()
    for line in (DEPLOY / "env" / name).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        seen.add(key)
        assert key in known, f"{name}: {key} is read by nothing (a typo?)"
        if key in secrets_:
            assert value == "", f"{name}: {key} must be left blank in the example"
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "PICMATIX_STORAGE", "SENTRY_DSN"} <= seen


def test_real_env_files_are_kept_out_of_git_and_images() -> None:
    assert "deploy/env/*.env" in (ROOT / ".dockerignore").read_text()
    result = subprocess.run(["git", "check-ignore", "-q", "deploy/env/production.env"], cwd=ROOT, capture_output=True)
    assert result.returncode == 0, "deploy/env/production.env must be git-ignored"


def env_example(name: str) -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "env" / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def test_staging_renders_exactly_as_production_does() -> None:
    # A release that breaks the production recipe, its passes or the HD upscale must fail in staging.
    staging, production = env_example("staging.env.example"), env_example("production.env.example")
    rendering = {k for k in staging.keys() | production.keys() if k.startswith("PICMATIX_RENDER") or "RECIPE" in k}
    assert "PICMATIX_DEFAULT_RECIPE" in rendering
    for key in sorted(rendering):
        assert staging.get(key) == production.get(key), key
