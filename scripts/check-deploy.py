#!/usr/bin/env python3
"""Static checks of deploy/ for `make lint`, with no Docker engine and no cluster (run it through
scripts/check-deploy.sh, which installs the pinned validators into .venv):

- every YAML file under deploy/ parses;
- the Kubernetes manifests validate, strictly (no unknown field), against the JSON schemas of
  Kubernetes KUBERNETES_VERSION bundled in kubernetes-validate; a kind without a schema is an error;
  kustomization.yaml lists every manifest but the Secret template and the migration Job;
- the Cloud Run service's containers validate as Kubernetes containers (Knative's container is a
  subset of it), so a misspelt probe field is caught there too;
- docker-compose.yml validates against the compose-spec schema (vendored in check-jsonschema), and
  its wiring holds: the API waits for the migration, sends OTLP to the collector, every mounted
  config file exists, the collector's pipelines use only what it defines, Prometheus scrapes the API;
- across files: the image's numeric non-root USER is the uid the manifests run as; the port
  PRICELINE_LISTEN names is the one exposed, probed and routed to; every probe path is an endpoint of
  the served spec; every platform's grace period exceeds PRICELINE_SHUTDOWN_DELAY_SECONDS plus
  PRICELINE_SHUTDOWN_SECONDS (plus the preStop sleep); every PRICELINE_* variable the files set is one the code reads.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml
import kubernetes_validate
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
# The oldest Kubernetes minor still maintained upstream when this was written: manifests valid here
# are valid on every newer cluster.
KUBERNETES_VERSION = "1.33"
# Manifests in deploy/kubernetes/ that kustomization.yaml leaves out on purpose.
NOT_IN_KUSTOMIZATION = {"secret.example.yaml", "migration-job.yaml"}

errors: list[str] = []


def fail(where: Path | str, message: str) -> None:
    where = where.relative_to(ROOT) if isinstance(where, Path) else where
    errors.append(f"{where}: {message}")


def load_all(path: Path) -> list:
    try:
        return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]
    except yaml.YAMLError as error:
        fail(path, f"not valid YAML: {error}")
        return []


def validate_kubernetes(path: Path, resource: dict, what: str) -> None:
    try:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    except ValidationError as error:
        location = ".".join(str(part) for part in error.path)
        fail(path, f"{what}: {location}: {error.message}")
    except SchemaNotFoundError:
        fail(path, f"{what}: no Kubernetes {KUBERNETES_VERSION} schema for "
                   f"{resource.get('apiVersion')} {resource.get('kind')}")


def dockerfile() -> dict:
    """The final stage's instructions (continuation lines joined), by keyword."""
    path = DEPLOY / "Dockerfile"
    text = re.sub(r"\\\n", " ", path.read_text())
    stage: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage = {}
        stage.setdefault(keyword, []).append(rest.strip())
    return stage


def env_pairs(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split())


def port_of(listen: str) -> int:
    return int(listen.rsplit(":", 1)[1])


def probes_of(container: dict) -> list[tuple[str, dict]]:
    return [(kind, container[kind]) for kind in ("startupProbe", "livenessProbe", "readinessProbe")
            if kind in container]


def container_env(container: dict) -> dict[str, str]:
    return {item["name"]: item.get("value") for item in container.get("env", [])}


def main() -> int:
    spec_paths = set(json.loads((ROOT / "openapi/openapi.json").read_text())["paths"])

    def check_probe_path(path: Path, what: str, probe_path: str) -> None:
        if probe_path not in spec_paths:
            fail(path, f"{what} probes {probe_path}, which the API does not serve")

    # Every YAML file parses.
    documents = {path: load_all(path) for path in sorted(DEPLOY.rglob("*.y*ml"))}

    # The image.
    image = dockerfile()
    user = image.get("USER", ["?"])[-1].split(":")[0]
    if not user.isdigit() or int(user) == 0:
        fail(DEPLOY / "Dockerfile", f"USER {user!r} must be a numeric uid other than 0 "
                                    "(runAsNonRoot can verify only a number)")
        uid = None
    else:
        uid = int(user)
    image_env: dict[str, str] = {}
    for text in image.get("ENV", []):
        image_env.update(env_pairs(text))
    port = port_of(image_env.get("PRICELINE_LISTEN", ":0"))
    exposed = {int(p.split("/")[0]) for text in image.get("EXPOSE", []) for p in text.split()}
    if port not in exposed:
        fail(DEPLOY / "Dockerfile", f"PRICELINE_LISTEN's port {port} is not EXPOSEd ({exposed})")
    healthcheck = " ".join(image.get("HEALTHCHECK", []))
    if '"priceline", "healthcheck"' not in healthcheck:
        fail(DEPLOY / "Dockerfile", "HEALTHCHECK does not run `priceline healthcheck`")
    if not image.get("STOPSIGNAL"):
        fail(DEPLOY / "Dockerfile", "no STOPSIGNAL")

    # Kubernetes.
    k8s = DEPLOY / "kubernetes"
    kustomization = k8s / "kustomization.yaml"
    listed = set((documents.get(kustomization) or [{}])[0].get("resources", []))
    for name in listed:
        if not (k8s / name).is_file():
            fail(kustomization, f"lists {name}, which does not exist")
    for path in sorted(k8s.glob("*.yaml")):
        if path == kustomization:
            continue
        if path.name not in listed and path.name not in NOT_IN_KUSTOMIZATION:
            fail(kustomization, f"does not list {path.name}")
        for resource in documents[path]:
            validate_kubernetes(path, resource, f"{resource.get('kind')} "
                                                f"{resource.get('metadata', {}).get('name')}")

    config = next(doc for doc in documents[k8s / "configmap.yaml"] if doc["kind"] == "ConfigMap")
    shutdown = int(config["data"]["PRICELINE_SHUTDOWN_SECONDS"])
    delay = int(config["data"].get("PRICELINE_SHUTDOWN_DELAY_SECONDS", 0))
    if port_of(config["data"]["PRICELINE_LISTEN"]) != port:
        fail(k8s / "configmap.yaml", f"PRICELINE_LISTEN's port is not the image's {port}")
    deployment_path = k8s / "deployment.yaml"
    for path in (deployment_path, k8s / "migration-job.yaml"):
        for resource in documents[path]:
            pod = resource["spec"]["template"]["spec"]
            if uid is not None and pod.get("securityContext", {}).get("runAsUser") != uid:
                fail(path, f"pods must run as the image's uid {uid}")
    deployment = documents[deployment_path][0]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    if container["ports"][0]["containerPort"] != port:
        fail(deployment_path, f"containerPort is not PRICELINE_LISTEN's port {port}")
    kinds = dict(probes_of(container))
    if set(kinds) != {"startupProbe", "livenessProbe", "readinessProbe"}:
        fail(deployment_path, "needs a startup, a liveness and a readiness probe")
    if kinds.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
        fail(deployment_path, "liveness must probe /healthz (a database outage must not restart pods)")
    if kinds.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
        fail(deployment_path, "readiness must probe /readyz")
    for kind, probe in kinds.items():
        check_probe_path(deployment_path, kind, probe["httpGet"]["path"])
    pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds")
    if not pre_stop:
        fail(deployment_path, "needs a preStop sleep, so endpoints stop routing before SIGTERM")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    if grace <= (pre_stop or 0) + delay + shutdown:
        fail(deployment_path, f"terminationGracePeriodSeconds {grace} must exceed the preStop sleep "
                              f"({pre_stop}) plus PRICELINE_SHUTDOWN_DELAY_SECONDS ({delay}) plus "
                              f"PRICELINE_SHUTDOWN_SECONDS ({shutdown})")
    if not container.get("securityContext", {}).get("readOnlyRootFilesystem"):
        fail(deployment_path, "the root file system should be read-only")

    # Cloud Run (Knative serving).
    cloud_run = DEPLOY / "cloud-run/service.yaml"
    for service in documents[cloud_run]:
        if (service.get("apiVersion"), service.get("kind")) != ("serving.knative.dev/v1", "Service"):
            fail(cloud_run, "must be a serving.knative.dev/v1 Service")
            continue
        for container in service["spec"]["template"]["spec"]["containers"]:
            pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "cloud-run"},
                   "spec": {"containers": [container]}}
            validate_kubernetes(cloud_run, pod, f"container {container.get('name')}")
            env = container_env(container)
            if port_of(env.get("PRICELINE_LISTEN", ":0")) != container["ports"][0]["containerPort"]:
                fail(cloud_run, "PRICELINE_LISTEN's port is not the containerPort")
            if not probes_of(container):
                fail(cloud_run, "needs a startup and a liveness probe")
            for kind, probe in probes_of(container):
                check_probe_path(cloud_run, kind, probe["httpGet"]["path"])
            # Cloud Run kills the instance 10 s after SIGTERM.
            stopping = int(env.get("PRICELINE_SHUTDOWN_DELAY_SECONDS") or 0) + \
                int(env.get("PRICELINE_SHUTDOWN_SECONDS") or 30)
            if stopping >= 10:
                fail(cloud_run, "PRICELINE_SHUTDOWN_DELAY_SECONDS + PRICELINE_SHUTDOWN_SECONDS must "
                                "be below Cloud Run's 10 s")

    # Azure Container Apps.
    azure = DEPLOY / "azure/container-app.yaml"
    for app in documents[azure]:
        if app.get("type") != "Microsoft.App/containerApps":
            fail(azure, "type must be Microsoft.App/containerApps")
            continue
        template = app["properties"]["template"]
        target = app["properties"]["configuration"]["ingress"]["targetPort"]
        for container in template["containers"]:
            env = container_env(container)
            if port_of(env.get("PRICELINE_LISTEN", ":0")) != target:
                fail(azure, "PRICELINE_LISTEN's port is not the ingress targetPort")
            for probe in container.get("probes", []):
                check_probe_path(azure, probe["type"], probe["httpGet"]["path"])
                if probe["httpGet"]["port"] != target:
                    fail(azure, f"the {probe['type']} probe is not on port {target}")
            if {p["type"] for p in container.get("probes", [])} != {"Startup", "Liveness", "Readiness"}:
                fail(azure, "needs Startup, Liveness and Readiness probes")
            stopping = int(env.get("PRICELINE_SHUTDOWN_DELAY_SECONDS") or 0) + \
                int(env.get("PRICELINE_SHUTDOWN_SECONDS") or 30)
            if template.get("terminationGracePeriodSeconds", 30) <= stopping:
                fail(azure, "terminationGracePeriodSeconds must exceed PRICELINE_SHUTDOWN_DELAY_SECONDS "
                            "plus PRICELINE_SHUTDOWN_SECONDS")
            secrets = {s["name"] for s in app["properties"]["configuration"].get("secrets", [])}
            for item in container.get("env", []):
                if "secretRef" in item and item["secretRef"] not in secrets:
                    fail(azure, f"{item['name']} refers to an undeclared secret {item['secretRef']}")

    check_compose(port)
    check_variables()

    for error in errors:
        print(error)
    if errors:
        print(f"deploy/: {len(errors)} problem(s)")
        return 1
    print(f"deploy/: {len(documents)} YAML files parse; Kubernetes manifests valid against "
          f"{KUBERNETES_VERSION} (strict); compose file valid against the compose spec; "
          "ports, uid, probes and grace periods agree")
    return 0


def check_compose(port: int) -> None:
    path = DEPLOY / "docker-compose.yml"
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
         str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        fail(path, "invalid against the compose spec:\n" + (result.stdout + result.stderr).strip())
        return
    compose = yaml.safe_load(path.read_text())
    services = compose["services"]
    for name in ("api", "migrate", "postgres", "otel-collector", "jaeger", "prometheus"):
        if name not in services:
            fail(path, f"no {name} service")
            return
    api, migrate = services["api"], services["migrate"]
    if migrate.get("command") != ["migrate", "up"]:
        fail(path, "the migrate service must run `priceline migrate up`")
    condition = api.get("depends_on", {}).get("migrate", {}).get("condition")
    if condition != "service_completed_successfully":
        fail(path, "the API must wait for the migration to complete successfully")
    env = api.get("environment", {})
    if env.get("OTEL_EXPORTER_OTLP_ENDPOINT") != "http://otel-collector:4318":
        fail(path, "the API must send OTLP to http://otel-collector:4318")
    if env.get("OTEL_SERVICE_NAME") != "priceline":
        fail(path, "OTEL_SERVICE_NAME must be priceline")
    api_port = port_of(env.get("PRICELINE_LISTEN", f":{port}"))
    if "healthcheck" not in api or "healthcheck" not in services["postgres"]:
        fail(path, "the API and PostgreSQL need healthchecks")
    grace = api.get("stop_grace_period", "10s")
    stopping = int(env.get("PRICELINE_SHUTDOWN_DELAY_SECONDS", 0)) + \
        int(env.get("PRICELINE_SHUTDOWN_SECONDS", 30))
    if int(grace.rstrip("s")) <= stopping:
        fail(path, "the API's stop_grace_period must exceed PRICELINE_SHUTDOWN_DELAY_SECONDS plus "
                   "PRICELINE_SHUTDOWN_SECONDS")
    mounted: dict[str, Path] = {}
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                file = (path.parent / source).resolve()
                mounted[name] = file
                if not file.is_file():
                    fail(path, f"{name} mounts {source}, which does not exist")
    collector = load_all(mounted["otel-collector"])[0] if "otel-collector" in mounted else {}
    for pipeline, spec in collector.get("service", {}).get("pipelines", {}).items():
        for part in ("receivers", "processors", "exporters"):
            for component in spec.get(part, []):
                if component not in (collector.get(part) or {}):
                    fail(mounted["otel-collector"], f"pipeline {pipeline} uses undefined {component}")
    grpc_http = collector.get("receivers", {}).get("otlp", {}).get("protocols", {})
    if [grpc_http.get(p, {}).get("endpoint", "").rsplit(":", 1)[-1] for p in ("grpc", "http")] \
            != ["4317", "4318"]:
        fail(mounted.get("otel-collector", path), "the OTLP receiver must listen on 4317 and 4318")
    for name, exporter in (collector.get("exporters") or {}).items():
        host = re.sub(r"^\w+://", "", str((exporter or {}).get("endpoint", ""))).split(":")[0]
        if host and host not in services:
            fail(mounted["otel-collector"], f"exporter {name} sends to {host}, not a compose service")
    prometheus = load_all(mounted["prometheus"])[0] if "prometheus" in mounted else {}
    targets = {target for job in prometheus.get("scrape_configs", [])
               for static in job.get("static_configs", []) for target in static.get("targets", [])}
    if f"api:{api_port}" not in targets:
        fail(mounted.get("prometheus", path), f"Prometheus must scrape api:{api_port}")


def check_variables() -> None:
    """Every PRICELINE_* variable deploy/ sets is one the code reads: a misspelt name is silently
    ignored by the server, so it is caught here."""
    known = set()
    for source in list((ROOT / "api/src").rglob("*.rs")) + list((ROOT / "crates").rglob("*.rs")):
        known.update(re.findall(r'"(PRICELINE_[A-Z0-9_]+)"', source.read_text()))
    unknown: dict[str, list[str]] = {}
    for path in sorted(DEPLOY.rglob("*")):
        if not path.is_file() or path.suffix not in {".yml", ".yaml", ""}:
            continue
        for name in sorted(set(re.findall(r"\bPRICELINE_[A-Z0-9_]+\b", path.read_text()))):
            if name not in known:
                unknown.setdefault(name, []).append(str(path.relative_to(DEPLOY)))
    for name, files in sorted(unknown.items()):
        fail("deploy/", f"{name} is not a variable the server reads (set in {', '.join(files)})")


if __name__ == "__main__":
    sys.exit(main())
