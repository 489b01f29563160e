"""The Dockerfile, .dockerignore and compose.yaml say what the README promises.

No container engine is needed: the files are read as Docker and Compose read them, the image's
health check command is run against a real `tanto run`, and the compose database URL is opened
with the engine Tanto would build from it.
"""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.config import Settings
from handlers.slack.standin.server import SlackStandIn
from storage.db import make_engine
from tests.bot_process import BotProcess
from tests.conftest import BOT_TOKEN, SIGNING_SECRET

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "compose.yaml"


# The Dockerfile, read as Docker reads it


@dataclass(frozen=True)
class Instruction:
    keyword: str
    argument: str


def instructions() -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped, ARG defaults applied."""
    found: list[Instruction] = []
    pending = ""
    for line in DOCKERFILE.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, even inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, argument = (pending + stripped).partition(" ")
        found.append(Instruction(keyword.upper(), argument.strip()))
        pending = ""
    defaults = dict(item.argument.split("=", 1) for item in found if item.keyword == "ARG" and "=" in item.argument)
    return [
        Instruction(item.keyword, re.sub(r"\$\{(\w+)\}", lambda m: defaults.get(m[1], m[0]), item.argument))
        for item in found
    ]


def final_stage() -> list[Instruction]:
    """What the running image is made of: the instructions after the last FROM."""
    found = instructions()
    last_from = max(index for index, item in enumerate(found) if item.keyword == "FROM")
    return found[last_from:]


def env_of(stage: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in stage:
        if item.keyword == "ENV":
            env.update(pair.split("=", 1) for pair in item.argument.split())
    return env


def exec_form(item: Instruction) -> list[str]:
    """The JSON array of CMD or HEALTHCHECK ... CMD: exec form, so no shell is needed or started."""
    return json.loads(item.argument[item.argument.index("[") :])


def test_the_image_starts_from_slim_python_3_12() -> None:
    stages = [item.argument.split()[0] for item in instructions() if item.keyword == "FROM"]
    assert stages, "no FROM"
    for image in stages:
        assert re.fullmatch(r"python:3\.12-slim(-\w+)?", image), image


def test_the_bot_runs_as_an_unprivileged_user_who_owns_the_data_folder() -> None:
    stage = final_stage()
    users = [index for index, item in enumerate(stage) if item.keyword == "USER"]
    command = max(index for index, item in enumerate(stage) if item.keyword == "CMD")
    assert users and users[-1] < command, "USER must be set before the command runs"
    user = stage[users[-1]].argument.split(":")[0]
    assert user not in ("root", "0")
    runs = " ".join(item.argument for item in stage if item.keyword == "RUN")
    assert re.search(rf"useradd\b.*\b{user}\b", runs), f"{user} is never created"
    # The default database is a SQLite file in the data volume: the user must be able to write it.
    database = make_url(env_of(stage)["DATABASE_URL"]).database
    assert database is not None
    folder = str(Path(database).parent)
    assert f"chown {user}:{user} {folder}" in runs
    assert any(item.keyword == "VOLUME" and folder in item.argument for item in stage)


def test_the_image_installs_the_project_as_the_readme_does() -> None:
    """The README installs with pip into a virtual environment from the project folder; the image
    does the same without the editable mode and the test extras, and runs `tanto run`."""
    readme = (ROOT / "README.md").read_text()
    assert 'python3.12 -m venv .venv && .venv/bin/pip install -e ".[test]"' in readme
    found = instructions()
    runs = [item.argument for item in found if item.keyword == "RUN"]
    [prefix] = [venv[1] for run in runs if (venv := re.fullmatch(r"python -m venv (\S+)", run))]
    install = re.compile(rf"{re.escape(prefix)}/bin/pip install (--no-deps --force-reinstall )?\.")
    assert any(install.fullmatch(run) for run in runs)
    assert env_of(final_stage())["PATH"].startswith(f"{prefix}/bin:")
    assert exec_form(next(item for item in final_stage() if item.keyword == "CMD")) == ["tanto", "run"]
    # Every package pyproject.toml ships, and what its build reads, is copied into the build.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    copied = {source for item in found if item.keyword == "COPY" for source in copy_sources(item)}
    assert {*packages, "pyproject.toml", project["project"]["readme"]} <= copied


def copy_sources(item: Instruction) -> list[str]:
    words = [word for word in item.argument.split() if not word.startswith("--")]
    return [] if item.argument.startswith("--from") else words[:-1]


def test_the_exposed_port_is_the_one_tanto_listens_on() -> None:
    stage = final_stage()
    default = Settings.from_env({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET}).port
    [exposed] = [item.argument for item in stage if item.keyword == "EXPOSE"]
    assert int(exposed.split("/")[0]) == default == int(env_of(stage)["PORT"])
    compose = yaml.safe_load(COMPOSE.read_text())
    [published] = compose["services"]["tanto"]["ports"]
    assert int(published.rsplit(":", 1)[1]) == default


def test_the_health_check_passes_on_a_serving_bot_and_fails_on_a_stopped_one(tmp_path: Path) -> None:
    [check] = [item for item in final_stage() if item.keyword == "HEALTHCHECK"]
    command = exec_form(check)
    assert "/healthz" in " ".join(command)
    assert command[0] == "python"  # the image's Python (its venv is first on PATH); here, the tests'
    command[0] = sys.executable
    with SlackStandIn(team_id="T0001", token=BOT_TOKEN) as standin:
        bot = BotProcess(
            database_url=f"sqlite:///{tmp_path / 'tanto.db'}", api_url=standin.api_url,
            signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, log_path=tmp_path / "bot.log",
        )  # fmt: skip
        with bot:
            port = bot.url.rsplit(":", 1)[1]
            healthy = subprocess.run(command, env={"PORT": port}, capture_output=True, timeout=30)
            assert healthy.returncode == 0, healthy.stderr
        stopped = subprocess.run(command, env={"PORT": port}, capture_output=True, timeout=30)
    assert stopped.returncode != 0  # nothing answers: Docker counts a failure


# The build context


def ignore_patterns() -> list[str]:
    lines = (line.strip() for line in DOCKERIGNORE.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def ignored(path: str) -> bool:
    """Docker's rule: the last pattern matching the path, or a folder above it, decides."""
    parts = path.split("/")
    verdict = False
    for pattern in ignore_patterns():
        keep = pattern.startswith("!")
        body = pattern.removeprefix("!").rstrip("/")
        if any(fnmatch.fnmatchcase("/".join(parts[:depth]), body) for depth in range(1, len(parts) + 1)):
            verdict = not keep
    return verdict


@pytest.mark.parametrize(
    "path", [".env", ".venv/bin/python", ".git/config", "tanto.db", "tests/conftest.py", "bot/__pycache__/cli.pyc"]
)
def test_secrets_and_local_state_stay_out_of_the_build(path: str) -> None:
    assert ignored(path)


def test_everything_the_dockerfile_copies_is_in_the_build_context() -> None:
    sources = [source for item in instructions() if item.keyword == "COPY" for source in copy_sources(item)]
    assert sources
    for source in sources:
        found = ROOT / source
        assert found.exists(), source
        files = [found] if found.is_file() else [f for f in found.rglob("*.py") if "__pycache__" not in f.parts]
        assert files, source
        for file in files:
            assert not ignored(file.relative_to(ROOT).as_posix()), file


# compose.yaml


def compose_services() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_postgres_is_health_checked_and_the_bot_waits_for_it() -> None:
    services = compose_services()
    check = services["postgres"]["healthcheck"]["test"]
    assert "pg_isready" in " ".join(check)
    for name in ("migrate", "tanto"):
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}, name


def test_the_schema_is_migrated_once_before_the_bot_starts() -> None:
    services = compose_services()
    assert services["migrate"]["command"] == ["tanto", "migrate"]
    assert services["migrate"]["restart"] == "no"
    assert services["tanto"]["command"] == ["tanto", "run"]
    assert services["tanto"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    # The same image, settings and database for both.
    for key in ("build", "image", "env_file", "environment"):
        assert services["migrate"][key] == services["tanto"][key], key


def test_the_database_url_is_the_compose_postgres_through_psycopg() -> None:
    services = compose_services()
    postgres = services["postgres"]["environment"]
    url = make_url(services["tanto"]["environment"]["DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.username, url.database) == (
        "postgres", 5432, postgres["POSTGRES_USER"], postgres["POSTGRES_DB"],
    )  # fmt: skip
    assert url.password == "${POSTGRES_PASSWORD}"  # filled in by Compose from .env
    assert "?" in postgres["POSTGRES_PASSWORD"]  # `${POSTGRES_PASSWORD:?…}`: refused when unset
    engine = make_engine(url.render_as_string(hide_password=False))  # what `tanto run` builds; no connection
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
