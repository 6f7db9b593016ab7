"""The deployment files, checked where Docker cannot run: one image built once and run by
every app service with no install at start, a multi-stage non-root Dockerfile with a health
check, the Procfile running the same processes, and a lock that covers every dependency."""

import re
import tomllib
from pathlib import Path

import yaml

from tests.conftest import PROJECT_ROOT

APP_SERVICES = {"migrate", "web", "worker", "beat"}


def _compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def _pins(path: Path) -> dict[str, set[str]]:
    pins: dict[str, set[str]] = {}
    for name, version in re.findall(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)", path.read_text(), re.MULTILINE):
        pins.setdefault(name.lower().replace("_", "-"), set()).add(version)
    return pins


def _name(requirement: str) -> str:
    return re.split(r"[<>=!\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_compose_builds_one_image_that_every_app_service_runs_without_installing_anything():
    services = _compose()["services"]
    assert APP_SERVICES <= set(services)
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["web"], "exactly one service builds the image"
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1 and next(iter(images)).startswith("ordermgmt:")
    for name in APP_SERVICES - {"web"}:
        assert services[name]["pull_policy"] == "never", f"{name} must use the image web built"
    for name in APP_SERVICES:
        command = _command(services[name])
        assert not re.search(r"\b(pip|uv|apt-get|apk)\b|install", command), f"{name} installs at start: {command}"
        assert "volumes" not in services[name] or all(not v.startswith(".") for v in services[name]["volumes"]), (
            f"{name} mounts the source tree instead of running the image's code"
        )


def test_compose_runs_migrations_once_then_gunicorn_worker_and_beat():
    services = _compose()["services"]
    assert _command(services["migrate"]) == "python manage.py migrate --noinput"
    assert _command(services["web"]).startswith("gunicorn ordermgmt.wsgi:application -c gunicorn.conf.py")
    assert _command(services["worker"]).startswith("celery -A ordermgmt worker")
    assert _command(services["beat"]).startswith("celery -A ordermgmt beat")
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["db"]["condition"] == depends["redis"]["condition"] == "service_healthy"
        assert services[name]["stop_grace_period"] == "60s"
    assert services["db"]["healthcheck"] and services["redis"]["healthcheck"]


def test_dockerfile_is_multi_stage_locked_non_root_with_static_files_translations_and_a_health_check():
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)$", text, re.MULTILINE)
    assert stages == ["build", "runtime"]
    build, runtime = text.split("AS runtime", 1)
    assert "pip install --require-hashes --no-deps -r /tmp/runtime.txt" in build
    assert "COPY requirements/runtime.txt" in build
    assert not re.search(r"pip install (?!--require-hashes)", text), "every pip install goes through the lock"
    assert "collectstatic" in build and "compilemessages" in build
    assert "COPY --from=build /opt/venv /opt/venv" in runtime and "build-essential" not in runtime
    assert re.search(r"^USER app$", runtime, re.MULTILINE) and "useradd" in runtime
    assert "HEALTHCHECK" in runtime and "/health/live/" in runtime
    assert 'CMD ["gunicorn", "ordermgmt.wsgi:application", "-c", "gunicorn.conf.py"]' in runtime
    ignored = (PROJECT_ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "db.sqlite3", "media/", "tests/"} <= set(ignored)


def test_procfile_runs_the_same_processes_as_compose():
    lines = dict(line.split(": ", 1) for line in (PROJECT_ROOT / "Procfile").read_text().splitlines()
                 if line and not line.startswith("#"))
    # exec: the process itself receives honcho's SIGTERM, not a shell around it.
    assert all(command.startswith("exec ") for command in lines.values())
    lines = {name: command.removeprefix("exec ") for name, command in lines.items()}
    services = _compose()["services"]
    assert set(lines) == {"web", "worker", "beat"}
    assert lines["web"] == _command(services["web"])
    assert lines["worker"].startswith("celery -A ordermgmt worker -l info --concurrency")
    assert lines["beat"] == _command(services["beat"])


def test_the_lock_pins_every_declared_dependency_with_hashes_and_runtime_matches_dev():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    runtime, dev = _pins(PROJECT_ROOT / "requirements/runtime.txt"), _pins(PROJECT_ROOT / "requirements/dev.txt")
    for requirement in project["dependencies"]:
        assert _name(requirement) in runtime, f"{requirement} is not in requirements/runtime.txt (make lock)"
    for requirement in project["optional-dependencies"]["test"]:
        assert _name(requirement) in dev, f"{requirement} is not in requirements/dev.txt (make lock)"
    for name, versions in runtime.items():
        assert dev.get(name) == versions, f"{name}: runtime {versions} but dev {dev.get(name)} (make lock)"
    for path in ("requirements/runtime.txt", "requirements/dev.txt", "requirements/uv.txt", "requirements/load.txt"):
        text = (PROJECT_ROOT / path).read_text()
        pinned = len(re.findall(r"^[A-Za-z0-9._-]+==", text, re.MULTILINE))
        assert pinned and text.count("--hash=sha256:") >= pinned, f"{path}: every pin carries its hashes"
