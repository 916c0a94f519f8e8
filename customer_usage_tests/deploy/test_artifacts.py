"""The deployment artefacts parse and run the commands the production test starts.

Base images cannot be pulled here, so the image is not built; what can be checked
offline is: the compose file and the Helm values are valid YAML of the right shape,
every service runs the right Dagster command on the shared instance, the Dockerfile
prepares the dbt manifest at build time, and dagster.yaml is Postgres storage with
every credential from the environment.
"""

from __future__ import annotations

import re

import yaml

from customer_usage.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def _load(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text())


def test_compose_runs_postgres_code_server_daemon_and_webserver():
    services = _load("docker-compose.yml")["services"]
    assert set(services) == {"postgres", "code", "daemon", "webserver"}
    assert services["postgres"]["image"].startswith("postgres:")
    code = services["code"]["command"]
    assert code[:3] == ["dagster", "code-server", "start"]
    assert code[code.index("-m") + 1] == "customer_usage.definitions"
    assert code[code.index("-p") + 1] == "4000"
    assert services["daemon"]["command"][:2] == ["dagster-daemon", "run"]
    assert services["webserver"]["command"][0] == "dagster-webserver"
    workspace = "/opt/dagster/dagster_home/workspace.yaml"
    assert services["daemon"]["command"][-1] == workspace and workspace in services["webserver"]["command"]
    for name in ("code", "daemon", "webserver"):
        env = services[name]["environment"]
        assert env["DAGSTER_POSTGRES_HOST"] == "postgres" and "DAGSTER_POSTGRES_PASSWORD" in env
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["code"]["environment"]["CUSTOMER_USAGE_TARGET"] == "prod"
    # secrets are interpolated from the environment, never written in the file
    text = (DEPLOY / "docker-compose.yml").read_text()
    assert re.findall(r"PASSWORD: (?!\$\{)\S+", text) == []


def test_workspace_points_at_the_code_server():
    (entry,) = _load("workspace.yaml")["load_from"]
    assert entry["grpc_server"] == {"host": "code", "port": 4000, "location_name": "customer_usage"}


def test_dagster_yaml_is_postgres_with_credentials_from_env():
    config = _load("dagster.yaml")
    db = config["storage"]["postgres"]["postgres_db"]
    for key in ("hostname", "port", "db_name", "username", "password"):
        assert set(db[key]) == {"env"} and db[key]["env"].startswith("DAGSTER_POSTGRES_"), key
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"


def test_dockerfile_prepares_the_manifest_and_serves_the_location():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"RUN .*python -m customer_usage\.dbt\.project", text, re.S)
    assert "CUSTOMER_USAGE_DBT_TARGET=prod" in text
    assert '"dagster", "code-server", "start"' in text and "customer_usage.definitions" in text
    assert "COPY deploy/dagster.yaml deploy/workspace.yaml" in text
    assert re.search(r"^USER (?!root)\w+", text, re.M)


def test_helm_values_run_the_image_as_a_user_deployment_on_external_postgres():
    values = _load("helm/values.yaml")
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    assert values["dagster-user-deployments"]["enabled"] is True
    assert deployment["image"]["repository"] and deployment["image"]["tag"]
    args = deployment["dagsterApiGrpcArgs"]
    assert args[args.index("--module-name") + 1] == "customer_usage.definitions"
    assert deployment["port"] == 4000
    assert {"name": "CUSTOMER_USAGE_TARGET", "value": "prod"} in deployment["env"]
    assert deployment["envSecrets"] == [{"name": "customer-usage-env"}]
    assert values["postgresql"]["enabled"] is False and values["postgresql"]["postgresqlHost"]
    assert values["global"]["postgresqlSecretName"]
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"


def test_local_make_targets_keep_the_sqlite_instance():
    local = yaml.safe_load((PROJECT_ROOT / ".dagster_home" / "dagster.yaml").read_text())
    assert "storage" not in local and "run_storage" not in local  # SQLite under DAGSTER_HOME
    assert "DAGSTER_HOME := $(CURDIR)/.dagster_home" in (PROJECT_ROOT / "Makefile").read_text()
