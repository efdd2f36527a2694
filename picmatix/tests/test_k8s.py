"""deploy/k8s: the kustomize base and overlays render, validate against their schemas, and keep the
invariants that scaling depends on. No cluster: `kubectl kustomize` renders offline."""

from __future__ import annotations

import base64
import copy
import functools
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlparse

import jsonschema
import kubernetes_validate
import pytest
import yaml
from django.conf import settings

from conftest import shared_path
from orders.selectors import RENDER_DEMAND_SQL

if TYPE_CHECKING:
    from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ["gpu", "cpu"]
KUSTOMIZATIONS = ["base", *(f"overlays/{name}" for name in OVERLAYS)]
# The Kubernetes release whose schemas the core objects must satisfy (kubectl's own minor version).
KUBERNETES_VERSION = "1.32.0"
NAMESPACE = "picmatix"
RENDER = "picmatix-worker-render"
DEFAULT = "picmatix-worker-default"
SECRET = "picmatix-secrets"
# After its passes a finished job still upscales and stores its files (the 4x upscale on a CPU is the
# slowest part, bench/README.md); a handed-back job needs one UPDATE. The pod's grace covers both.
AFTER_PASSES_SECONDS = 45
# What production needs set beyond the defaults (docs/operations.md, "The shape of it"), and what the
# settings refuse to start without under PICMATIX_HTTPS with the integrations the base switches on.
REQUIRED_IN_PRODUCTION = {
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "PICMATIX_SITE_URL",
    "PICMATIX_HTTPS",
    "PICMATIX_TRUSTED_PROXIES",
    "PICMATIX_LOG_FORMAT",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "PICMATIX_STORAGE",
    "AWS_STORAGE_BUCKET_NAME",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "RECAPTCHA_PUBLIC_KEY",
    "RECAPTCHA_PRIVATE_KEY",
}
# Values of the right shape for the Secret's keys, to start the settings as a filled-in Secret would.
SECRET_STAND_INS = {
    "SECRET_KEY": "k" * 50,
    "STRIPE_SECRET_KEY": "sk_live_" + "a" * 24,
    "STRIPE_PUBLISHABLE_KEY": "pk_live_" + "a" * 24,
    "STRIPE_WEBHOOK_SECRET": "whsec_stand_in",
    "PICMATIX_METRICS_TOKEN": "m" * 32,
    "SENTRY_DSN": "",
}
# The fields of each scaler we use, from KEDA's scaler documentation: the CRD types a trigger's
# metadata as any map of strings, so a misspelt field would otherwise pass and be ignored.
TRIGGER_FIELDS = {
    "postgresql": {
        "query",
        "targetQueryValue",
        "activationTargetQueryValue",
        "connectionFromEnv",
        "host",
        "port",
        "userName",
        "dbName",
        "sslmode",
        "passwordFromEnv",
    },
    "redis": {
        "address",
        "addressFromEnv",
        "host",
        "port",
        "listName",
        "listLength",
        "activationListLength",
        "databaseIndex",
        "enableTLS",
        "unsafeSsl",
        "usernameFromEnv",
        "passwordFromEnv",
    },
}
CRDS = {
    "ScaledObject": "keda.sh_scaledobjects.yaml",
    "TriggerAuthentication": "keda.sh_triggerauthentications.yaml",
}

Manifest = dict[str, Any]


def needed(message: str) -> NoReturn:
    """A missing tool or file: skip here, fail in CI (the project's convention, conftest.py)."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@functools.cache
def _render(path: str) -> tuple[Manifest, ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        needed("kubectl is not installed (it renders the kustomizations offline: `kubectl kustomize`)")
    result = subprocess.run([kubectl, "kustomize", str(K8S / path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def render(path: str) -> list[Manifest]:
    """The objects `kubectl kustomize deploy/k8s/<path>` renders (a copy: tests may change them)."""
    return copy.deepcopy(list(_render(path)))


def find(objects: list[Manifest], kind: str, name: str) -> Manifest:
    """The object of that kind and name; a generated ConfigMap's name carries a hash suffix."""
    found = [
        o
        for o in objects
        if o["kind"] == kind and (o["metadata"]["name"] == name or o["metadata"]["name"].startswith(f"{name}-"))
    ]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def containers(obj: Manifest) -> list[Manifest]:
    spec = obj["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def config(objects: list[Manifest]) -> dict[str, str]:
    return find(objects, "ConfigMap", "picmatix-config")["data"]


def picmatix_workloads(objects: list[Manifest]) -> Iterator[Manifest]:
    """The shop's own pods (not the cpu overlay's PostgreSQL and Redis)."""
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        if obj["kind"] in {"Deployment", "StatefulSet", "Job"} and labels.get("app.kubernetes.io/name") == "picmatix":
            yield obj


def secret_keys_example() -> dict[str, str]:
    """deploy/k8s/secrets.env.example: the keys of production's Secret (values blank or examples)."""
    pairs = {}
    for line in (K8S / "secrets.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def documented_variables() -> set[str]:
    """Every variable .env.example documents (`# NAME=value`, sometimes two on a line)."""
    return set(re.findall(r"\b([A-Z][A-Z0-9_]{2,})=", (ROOT / ".env.example").read_text()))


def render_query_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_query", K8S / "render_query.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def strict(schema: Any) -> Any:
    """A CRD's schema with unknown fields refused: the API server prunes them silently, so a misspelt
    field (`pollingIntervall`) would be dropped and its default used without a word."""
    if isinstance(schema, dict):
        schema = {key: strict(value) for key, value in schema.items()}
        open_ended = "additionalProperties" in schema or schema.get("x-kubernetes-preserve-unknown-fields")
        if "properties" in schema and not open_ended:
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


@functools.cache
def crd_validator(kind: str) -> Any:
    crd = yaml.safe_load(shared_path("k8s", "keda", CRDS[kind]).read_text())
    [version] = [v for v in crd["spec"]["versions"] if v.get("storage")]
    schema = strict(version["schema"]["openAPIV3Schema"])
    return jsonschema.validators.validator_for(schema)(schema)


def keda_errors(obj: Manifest) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in crd_validator(obj["kind"]).iter_errors(obj)]


# --- Rendering and schemas ---------------------------------------------------------------------


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_every_kustomization_renders_into_the_picmatix_namespace(path: str) -> None:
    objects = render(path)
    assert {o["kind"] for o in objects} >= {"Deployment", "Service", "Job", "ScaledObject", "PodDisruptionBudget"}
    outside = [
        o["metadata"]["name"]
        for o in objects
        if o["kind"] != "Namespace" and o["metadata"].get("namespace") != NAMESPACE
    ]
    assert outside == []


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_every_core_object_validates_against_the_kubernetes_schema(path: str) -> None:
    for obj in render(path):
        if obj["apiVersion"].startswith("keda.sh/"):
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{obj['kind']} {obj['metadata']['name']}: {error.message} at {list(error.path)}")


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_every_keda_object_validates_against_keda_s_crds(path: str) -> None:
    keda = [o for o in render(path) if o["apiVersion"].startswith("keda.sh/")]
    assert {o["kind"] for o in keda} == set(CRDS)
    for obj in keda:
        assert keda_errors(obj) == [], f"{obj['kind']} {obj['metadata']['name']}"


def test_the_crd_check_refuses_a_misspelt_field() -> None:
    scaled = find(render("overlays/gpu"), "ScaledObject", RENDER)
    scaled["spec"]["pollingIntervall"] = scaled["spec"].pop("pollingInterval")
    assert keda_errors(scaled) == ["spec: Additional properties are not allowed ('pollingIntervall' was unexpected)"]


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_every_trigger_names_only_its_scaler_s_fields(path: str) -> None:
    for scaled in (o for o in render(path) if o["kind"] == "ScaledObject"):
        for trigger in scaled["spec"]["triggers"]:
            unknown = set(trigger["metadata"]) - TRIGGER_FIELDS[trigger["type"]]
            assert unknown == set(), f"{scaled['metadata']['name']}: {trigger['type']} has no {unknown}"


# --- Invariants ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_beat_runs_exactly_once_and_is_recreated_not_rolled(path: str) -> None:
    objects = render(path)
    beats = [o for o in picmatix_workloads(objects) if "beat" in containers(o)[0]["command"]]
    assert [b["metadata"]["name"] for b in beats] == ["picmatix-beat"]
    assert beats[0]["spec"]["replicas"] == 1
    assert beats[0]["spec"]["strategy"] == {"type": "Recreate"}
    assert not [
        o for o in objects if o["kind"] == "ScaledObject" and o["spec"]["scaleTargetRef"]["name"] == "picmatix-beat"
    ]


def shutdown_grace_and_pod_grace(objects: list[Manifest]) -> tuple[int, int]:
    """The render worker's PICMATIX_RENDER_SHUTDOWN_GRACE_SECONDS (its own env, else the ConfigMap,
    else the settings' default) and its pod's terminationGracePeriodSeconds."""
    worker = find(objects, "Deployment", RENDER)
    [container] = containers(worker)
    env = {**config(objects), **{e["name"]: e["value"] for e in container.get("env", [])}}
    grace = int(env.get("PICMATIX_RENDER_SHUTDOWN_GRACE_SECONDS") or settings.RENDER_SHUTDOWN_GRACE_SECONDS)
    return grace, worker["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_a_render_worker_pod_outlives_its_shutdown_grace(path: str) -> None:
    grace, pod_grace = shutdown_grace_and_pod_grace(render(path))
    assert pod_grace >= grace + AFTER_PASSES_SECONDS


def test_the_grace_check_follows_the_configmap() -> None:
    objects = render("overlays/gpu")
    config(objects)["PICMATIX_RENDER_SHUTDOWN_GRACE_SECONDS"] = "100"
    grace, pod_grace = shutdown_grace_and_pod_grace(objects)
    assert grace + AFTER_PASSES_SECONDS > pod_grace


def gpus_requested(objects: list[Manifest]) -> dict[str, Any]:
    requested = {}
    for obj in objects:
        if obj["kind"] in {"Deployment", "StatefulSet", "Job"}:
            for container in containers(obj):
                resources = container.get("resources", {})
                for part in ("requests", "limits"):
                    if "nvidia.com/gpu" in resources.get(part, {}):
                        requested[f"{obj['metadata']['name']}/{part}"] = resources[part]["nvidia.com/gpu"]
    return requested


@pytest.mark.parametrize("path", ["base", "overlays/cpu"])
def test_no_pod_asks_for_a_gpu_outside_the_gpu_overlay(path: str) -> None:
    assert gpus_requested(render(path)) == {}


def test_the_gpu_overlay_gives_each_render_worker_one_spot_gpu_and_nothing_else_a_gpu() -> None:
    objects = render("overlays/gpu")
    assert gpus_requested(objects) == {f"{RENDER}/requests": 1, f"{RENDER}/limits": 1}
    pod = find(objects, "Deployment", RENDER)["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"karpenter.sh/capacity-type": "spot"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]


@pytest.mark.parametrize(
    ("path", "recipe", "device"), [("overlays/gpu", "seed", "cuda"), ("overlays/cpu", "cpu", "cpu")]
)
def test_each_overlay_paints_its_recipe_on_its_device(path: str, recipe: str, device: str) -> None:
    objects = render(path)
    assert config(objects)["PICMATIX_DEFAULT_RECIPE"] == recipe
    [container] = containers(find(objects, "Deployment", RENDER))
    assert {"name": "PICMATIX_RENDER_DEVICE", "value": device} in container["env"]


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_render_workers_scale_from_zero_on_the_jobs_the_code_counts(path: str) -> None:
    objects = render(path)
    scaled = find(objects, "ScaledObject", RENDER)
    assert scaled["spec"]["scaleTargetRef"]["name"] == RENDER
    assert scaled["spec"]["minReplicaCount"] == 0
    assert scaled["spec"]["maxReplicaCount"] >= 1
    [trigger] = scaled["spec"]["triggers"]
    assert trigger["type"] == "postgresql"
    assert trigger["metadata"]["query"] == RENDER_DEMAND_SQL
    auth = find(objects, "TriggerAuthentication", trigger["authenticationRef"]["name"])
    assert auth["spec"]["secretTargetRef"] == [{"parameter": "connection", "name": SECRET, "key": "DATABASE_URL"}]


def test_the_committed_query_patch_is_what_the_generator_writes_from_the_code() -> None:
    module = render_query_module()
    assert module.code_query() == RENDER_DEMAND_SQL
    assert module.PATCH.read_text() == module.patch_text(RENDER_DEMAND_SQL)


def test_the_query_check_fails_when_the_code_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    module = render_query_module()
    monkeypatch.setattr(module, "code_query", lambda: RENDER_DEMAND_SQL + " -- changed")
    assert module.main(["--check"]) == 1


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_the_default_worker_scales_on_the_default_queue_and_never_to_zero(path: str) -> None:
    objects = render(path)
    scaled = find(objects, "ScaledObject", DEFAULT)
    assert scaled["spec"]["scaleTargetRef"]["name"] == DEFAULT
    assert scaled["spec"]["minReplicaCount"] >= 1
    [trigger] = scaled["spec"]["triggers"]
    broker = urlparse(config(objects)["CELERY_BROKER_URL"])
    assert trigger["type"] == "redis"
    assert trigger["metadata"]["listName"] == settings.CELERY_TASK_DEFAULT_QUEUE
    assert trigger["metadata"]["address"] == f"{broker.hostname}:{broker.port or 6379}"
    assert trigger["metadata"]["databaseIndex"] == (broker.path.strip("/") or "0")
    assert trigger["metadata"]["enableTLS"] == ("true" if broker.scheme == "rediss" else "false")
    [worker] = containers(find(objects, "Deployment", DEFAULT))
    command = worker["command"]
    assert command[command.index("-Q") + 1] == settings.CELERY_TASK_DEFAULT_QUEUE


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_scaled_deployments_leave_their_replicas_to_keda(path: str) -> None:
    # A replica count in the manifest would reset KEDA's choice at every apply.
    objects = render(path)
    for name in (RENDER, DEFAULT):
        assert "replicas" not in find(objects, "Deployment", name)["spec"], name


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_every_picmatix_container_reads_the_configmap_and_the_secret(path: str) -> None:
    objects = render(path)
    configmap = find(objects, "ConfigMap", "picmatix-config")["metadata"]["name"]
    for obj in picmatix_workloads(objects):
        for container in containers(obj):
            assert container["envFrom"] == [
                {"configMapRef": {"name": configmap}},
                {"secretRef": {"name": SECRET}},
            ], obj["metadata"]["name"]


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_the_web_pods_are_probed_on_healthz_and_readyz_and_kept_through_drains(path: str) -> None:
    objects = render(path)
    web = find(objects, "Deployment", "picmatix-web")
    [container] = containers(web)
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    budget = find(objects, "PodDisruptionBudget", "picmatix-web")
    labels = web["spec"]["template"]["metadata"]["labels"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert budget["spec"]["minAvailable"] >= 1
    assert web["spec"]["replicas"] > budget["spec"]["minAvailable"]


@pytest.mark.django_db
def test_the_health_paths_probed_are_the_ones_the_shop_answers(client: Client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in {200, 503}


def compose_commands() -> dict[str, list[str]]:
    services = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]
    return {name: service["command"] for name, service in services.items() if "command" in service}


@pytest.mark.parametrize("path", KUSTOMIZATIONS)
def test_the_pods_run_the_commands_the_compose_stack_runs(path: str) -> None:
    compose = compose_commands()
    objects = render(path)
    pairs = {
        "picmatix-web": "web",
        DEFAULT: "worker-default",
        RENDER: "worker",
        "picmatix-beat": "beat",
    }
    for deployment, service in pairs.items():
        [container] = containers(find(objects, "Deployment", deployment))
        assert container["command"] == compose[service], deployment
    [migrate] = containers(find(objects, "Job", "picmatix-migrate"))
    assert migrate["command"] == compose["migrate"]


# --- Settings ------------------------------------------------------------------------------------


def test_the_configmap_and_the_secret_hold_only_documented_variables() -> None:
    documented = documented_variables()
    for path in KUSTOMIZATIONS:
        objects = render(path)
        assert set(config(objects)) - documented == set(), path
        for secret in (o for o in objects if o["kind"] == "Secret"):
            assert set(secret.get("stringData", secret.get("data", {}))) - documented == set(), path
    assert set(secret_keys_example()) - documented == set()


def test_production_s_configmap_and_secret_hold_every_variable_production_requires() -> None:
    held = set(config(render("overlays/gpu"))) | set(secret_keys_example())
    assert REQUIRED_IN_PRODUCTION - held == set()


def test_production_settings_start_from_the_configmap_and_a_filled_in_secret(
    load: Callable[..., dict[str, Any]],
) -> None:
    secrets = {key: SECRET_STAND_INS.get(key, value or "stand-in") for key, value in secret_keys_example().items()}
    loaded = load(**config(render("overlays/gpu")), **secrets)
    assert loaded["HTTPS"] is True
    assert loaded["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert loaded["CELERY_BROKER_URL"].startswith("redis://")
    assert loaded["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert loaded["STORAGE_BACKEND"] == "s3"
    assert loaded["EMAIL_MODE"] == "smtp"
    assert loaded["PAYMENTS_PROVIDER"] == "stripe"
    assert loaded["RECAPTCHA_MODE"] == "on"


def test_the_trial_cluster_s_settings_start_from_its_own_configmap_and_secret(
    load: Callable[..., dict[str, Any]],
) -> None:
    objects = render("overlays/cpu")
    secret = {k: base64.b64decode(v).decode() for k, v in find(objects, "Secret", SECRET)["data"].items()}
    loaded = load(**config(objects), **secret)
    assert loaded["HTTPS"] is False
    assert loaded["STORAGE_BACKEND"] == "local"
    assert loaded["PAYMENTS_PROVIDER"] == "demo"
    # Full names, which KEDA's operator resolves from its own namespace, of this overlay's Services.
    assert loaded["DATABASES"]["default"]["HOST"] == f"picmatix-db.{NAMESPACE}.svc.cluster.local"
    assert urlparse(loaded["CELERY_BROKER_URL"]).hostname == f"picmatix-redis.{NAMESPACE}.svc.cluster.local"
    assert {"picmatix-db", "picmatix-redis"} <= {o["metadata"]["name"] for o in objects if o["kind"] == "Service"}
