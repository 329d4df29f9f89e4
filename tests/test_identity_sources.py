"""Connection definitions in the forms real DAG repositories write them and the tool used to miss: the Airflow CLI
in shell scripts, entrypoints and Dockerfiles (`airflow connections add`, Airflow 1's `connections -a`), and
`Connection(...)` objects built by Python and stored with `session.add`. Fixtures are written here, in the shapes
seen (a startup script re-creating a dozen HTTP connections, a DAG whose first task stores a Snowflake connection
read from a secrets backend)."""

from __future__ import annotations

import json

import pytest

from airtf_lint.discover import classify
from airtf_lint.facts import FileKind
from airtf_lint.model import build_model
from airtf_lint.parsers.shell_connections import MAX_COMMANDS, parse_shell_connections
from airtf_lint.pipeline import RunOptions, collect_facts
from airtf_lint.report import FORMATS
from tests.conftest import run_in_process, write

PASSWORD = "Vq7!mZ2pLx9#tR4k"  # not a real secret
URI_PASSWORD = "Hs3kW9qPz2LmX7vB"  # not a real secret
SECRET_EXTRA = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFIXTURE00"  # not a real secret

STARTUP = f"""#!/bin/bash
set -e
airflow db migrate

# re-created at every start
airflow connections delete aws_loader || true
airflow connections add 'aws_loader' --conn-type aws \\
    --conn-extra '{{"role_arn": "arn:aws:iam::111122223333:role/loader", "region_name": "eu-west-1"}}'
airflow connections add open_data_api \\
    --conn-host  https://opendata.example.org/resource \\
    --conn-type http
airflow connections add chat --conn-type http --conn-host $CHAT_HOST --conn-password "/$CHAT_TOKEN"
airflow connections add warehouse --conn-uri 'postgres://etl:{URI_PASSWORD}@db.internal:5432/dwh'
airflow connections add reporting --conn-type postgres --conn-login report --conn-password '{PASSWORD}'
airflow connections add "$RUNTIME_ID" --conn-type aws
docker exec web airflow connections add gcp_runner --conn-json '{{"conn_type": "google_cloud_platform",
  "extra": {{"impersonation_chain": "runner@demo-project.iam.gserviceaccount.com"}}}}'
# airflow connections add commented_out --conn-type http
airflow connections -a --conn_id legacy_s3 --conn_type aws --conn_extra '{{"aws_secret_access_key": "{SECRET_EXTRA}"}}'
"""

DOCKERFILE = """FROM apache/airflow:2.9.3
RUN airflow connections add baked_in --conn-type aws --conn-extra '{"region_name": "us-east-1"}' && echo done
"""

RUNTIME_DAG = """import json
from airflow import DAG, settings
from airflow.models.connection import Connection
from airflow.operators.python import PythonOperator
from airflow.providers.snowflake.operators.snowflake import SnowflakeOperator

WAREHOUSE_CONN = "snowflake_admin"


def store_connection(**context):
    secret = context["ti"].xcom_pull(task_ids="read_secret")
    connection: Connection = Connection(
        conn_id=WAREHOUSE_CONN,
        conn_type="snowflake",
        host=secret["host"],
        login=secret["user"],
        password=secret["password"],
        extra=json.dumps({"extra__snowflake__role": "LOADER", "extra__snowflake__account": secret["account"],
                          "extra__snowflake__private_key_content": secret["key"]}),
    )
    session = settings.Session()
    session.add(connection)
    session.commit()


def built_but_never_stored():
    probe = Connection(conn_id="probe_only", conn_type="http")
    return probe.get_uri()


def stored_inline(session):
    session.merge(Connection(conn_id="inline_http", conn_type="http", host="https://example.org"))


with DAG("warehouse_setup", schedule=None):
    PythonOperator(task_id="store", python_callable=store_connection)
    SnowflakeOperator(task_id="check", sql="select 1", snowflake_conn_id=WAREHOUSE_CONN)
"""


def _model(root):
    facts, errors = collect_facts(RunOptions(paths=["."], cwd=root))
    return build_model(facts, [], root), errors + [e for f in facts for e in f.errors]


def _connections(root):
    model, errors = _model(root)
    assert errors == []
    return {c["conn_id"]: c for c in model["airflow"]["connections"]}, model


@pytest.fixture()
def scripted(tmp_path):
    write(tmp_path, {"scripts/run.sh": STARTUP, "Dockerfile": DOCKERFILE,
                     "docker/entrypoint": "#!/bin/sh\nairflow connections add ep_conn --conn-type http\nexec \"$@\"\n",
                     "scripts/other.sh": "#!/bin/sh\necho nothing about connections here\n"})
    return tmp_path


def test_shell_scripts_creating_connections_are_classified_and_others_are_not(scripted):
    assert classify(scripted / "scripts" / "run.sh") is FileKind.CONNECTIONS
    assert classify(scripted / "Dockerfile") is FileKind.CONNECTIONS
    assert classify(scripted / "docker" / "entrypoint") is FileKind.CONNECTIONS
    assert classify(scripted / "scripts" / "other.sh") is None


def test_cli_add_with_type_and_extra_keeps_the_identity_extras(scripted):
    found, _ = _connections(scripted)
    aws = found["aws_loader"]
    assert (aws["source"], aws["path"], aws["line"]) == ("cli_script", "scripts/run.sh", 7)
    assert aws["definition"]["conn_type"] == "aws"
    assert aws["definition"]["extra"]["role_arn"] == "arn:aws:iam::111122223333:role/loader"


def test_cli_forms_host_uri_json_airflow1_docker_exec_and_dockerfile(scripted):
    found, _ = _connections(scripted)
    assert found["open_data_api"]["definition"]["host"] == "https://opendata.example.org/resource"
    assert found["warehouse"]["definition"]["format"] == "uri"
    assert found["warehouse"]["definition"]["password_present"] is True
    assert found["gcp_runner"]["definition"]["extra"]["impersonation_chain"].startswith("runner@")
    assert found["legacy_s3"]["definition"]["secret_extras"] == ["aws_secret_access_key"]
    assert found["baked_in"]["path"] == "Dockerfile" and found["baked_in"]["definition"]["conn_type"] == "aws"
    assert found["ep_conn"]["source"] == "cli_script"


def test_shell_expansions_are_not_guessed(scripted):
    found, _ = _connections(scripted)
    chat = found["chat"]["definition"]
    assert chat["conn_type"] == "http" and chat["host"] is None and chat["password_present"] is True
    assert not any("RUNTIME_ID" in conn_id or "$" in conn_id for conn_id in found)
    assert "commented_out" not in found


def test_no_secret_of_a_script_enters_the_model(scripted):
    _, model = _connections(scripted)
    text = json.dumps(model["airflow"])
    for secret in (PASSWORD, URI_PASSWORD, SECRET_EXTRA):
        assert secret not in text


@pytest.mark.parametrize("output_format", FORMATS)
def test_a_password_in_a_script_is_found_and_masked_in_every_output(scripted, output_format):
    result = run_in_process([".", "--format", output_format, "--no-progress"], scripted)
    output = result.stdout + result.stderr
    for secret in (PASSWORD, URI_PASSWORD, SECRET_EXTRA):
        assert secret not in output
    assert "run.sh" in output  # the URI password is reported, masked, at its script


def test_the_uri_password_of_a_script_is_a_secret_finding(scripted):
    result = run_in_process([".", "--format", "json", "--no-progress"], scripted)
    findings = json.loads(result.stdout)["findings"]
    assert any(f["rule_id"].startswith("ATF-SECRET") and "run.sh" in json.dumps(f) for f in findings)


def test_a_scripted_connection_is_defined_for_the_task_that_uses_it(tmp_path):
    write(tmp_path, {
        "scripts/run.sh": STARTUP,
        "dags/d.py": ("from airflow import DAG\nfrom airflow.providers.amazon.aws.operators.s3 import "
                      "S3ListOperator\nwith DAG(dag_id='d', schedule=None):\n"
                      "    S3ListOperator(task_id='ls', bucket='b', aws_conn_id='aws_loader')\n")})
    model, _ = _model(tmp_path)
    [task] = model["airflow"]["tasks"]
    usage = next(i for i in task["identities"] if i["conn_id"] == "aws_loader")
    assert usage["connection_defined"] is True
    assert "role/loader" in json.dumps(usage)


def test_hostile_scripts_are_bounded_and_never_fail(tmp_path):
    many = "".join(f"airflow connections add c{i} --conn-type http\n" for i in range(MAX_COMMANDS + 50))
    found, skipped = parse_shell_connections(many)
    assert len(found) == MAX_COMMANDS and skipped == 50
    found, skipped = parse_shell_connections("airflow connections add x --conn-extra '{\n" + "a\n" * 5000)
    assert found == [] and skipped == 1
    found, _ = parse_shell_connections("airflow connections add\nairflow connections add --conn-type\n")
    assert found == []


def test_a_connection_built_in_python_and_stored_is_defined(tmp_path):
    write(tmp_path, {"dags/setup.py": RUNTIME_DAG})
    found, model = _connections(tmp_path)
    snow = found["snowflake_admin"]
    assert (snow["source"], snow["path"], snow["line"]) == ("python", "dags/setup.py", 12)
    definition = snow["definition"]
    assert definition["conn_type"] == "snowflake" and definition["extra"] == {"role": "LOADER"}
    assert definition["login_present"] and definition["password_present"]
    assert definition["secret_extras"] == ["private_key_content"]
    assert found["inline_http"]["definition"]["host"] == "https://example.org"
    assert "probe_only" not in found
    check = next(t for t in model["airflow"]["tasks"] if t["task_id"] == "check")
    usage = next(i for i in check["identities"] if i["conn_id"] == "snowflake_admin")
    assert usage["connection_defined"] is True


def test_python_connections_need_a_known_id_and_type_and_tests_are_not_read(tmp_path):
    write(tmp_path, {
        "dags/dyn.py": ("from airflow import DAG, settings\nfrom airflow.models import Connection\n"
                        "def f(conn_id, s):\n    c = Connection(conn_id=conn_id, conn_type='http')\n    s.add(c)\n"
                        "def g(s, kind):\n    c = Connection(conn_id='typed_at_run_time', conn_type=kind)\n"
                        "    s.add(c)\n"
                        "with DAG('x'):\n    pass\n"),
        "tests/conftest.py": ("from airflow.models import Connection\n"
                              "def setup(session):\n"
                              "    session.add(Connection(conn_id='test_only', conn_type='http'))\n"),
    })
    found, _ = _connections(tmp_path)
    assert found == {}


def test_an_environment_connection_serves_its_id_in_any_case(tmp_path):
    # AIRFLOW_CONN_OPEN_API is what Airflow reads for conn_id "OPEN_API" as for "open_api".
    write(tmp_path, {
        "docker-compose.yml": ("services:\n  airflow:\n    environment:\n"
                               "      AIRFLOW_CONN_OPEN_API: 'https://api.example.org/https'\n"),
        "dags/d.py": ("from airflow import DAG\nfrom airflow.providers.http.operators.http import HttpOperator\n"
                      "with DAG(dag_id='d', schedule=None):\n"
                      "    HttpOperator(task_id='get', endpoint='/x', http_conn_id='OPEN_API')\n")})
    model, _ = _model(tmp_path)
    [task] = model["airflow"]["tasks"]
    usage = next(i for i in task["identities"] if i["conn_id"] == "OPEN_API")
    assert usage["connection_defined"] is True
    [connection] = model["airflow"]["connections"]
    assert connection["used_by"] == ["d.get"]


def test_a_python_connection_holding_a_session_token_is_not_a_long_lived_key(tmp_path):
    write(tmp_path, {"dags/s.py": (
        "import json\nfrom airflow import DAG, settings\nfrom airflow.models import Connection\n"
        "def setup(ti):\n    c = ti.xcom_pull(task_ids='creds')\n"
        "    conn = Connection(conn_id='aws_temp', conn_type='aws', login=c['AccessKeyId'],\n"
        "                      password=c['SecretAccessKey'], extra=json.dumps({'aws_session_token': c['Token']}))\n"
        "    s = settings.Session()\n    s.add(conn)\n"
        "with DAG('x'):\n    pass\n")})
    found, _ = _connections(tmp_path)
    definition = found["aws_temp"]["definition"]
    assert definition["secret_extras"] == ["aws_session_token"] and definition["static_credentials"] is None
