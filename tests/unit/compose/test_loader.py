"""The loader end to end on small projects: interpolation before merging, type
casts, .env precedence, discovery, -f merging, extends, include, profiles,
names, paths and validation errors that name the file and key."""

import json

import pytest
from nerdpy_compose.errors import ConfigError


def test_interpolation_env_and_casts(project):
    p, warnings = project({"compose.yaml": """
        services:
          web:
            image: "busybox:${TAG:-1.36}"
            ports: ["${PORT}:80", {target: "${TARGET}", published: "${PORT}"}]
            read_only: "${RO}"
            cpus: "${CPUS}"
            environment:
              LITERAL: "$$HOME"
              EMPTY: "${NOPE}"
            healthcheck: {test: "true", retries: "${RETRIES}"}
    """}, env={"PORT": "8080", "TARGET": "81", "RO": "true", "CPUS": "0.5", "RETRIES": "4"})
    web = p.services["web"]
    assert web["image"] == "busybox:1.36"
    assert web["ports"] == [
        {"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"},
        {"mode": "ingress", "protocol": "tcp", "target": 81, "published": "8080"},
    ]
    assert web["read_only"] is True and web["cpus"] == 0.5 and web["healthcheck"]["retries"] == 4
    assert web["environment"] == {"LITERAL": "$HOME", "EMPTY": ""}
    assert warnings == ['The "NOPE" variable is not set. Defaulting to a blank string.']


def test_keys_are_not_interpolated(project):
    p, _ = project({"compose.yaml": "services:\n  web:\n    image: x\n    labels:\n      $KEY: v\n"}, env={"KEY": "k"})
    assert p.services["web"]["labels"] == {"$KEY": "v"}


def test_required_variable_names_file_and_key(project):
    with pytest.raises(ConfigError) as err:
        project({"compose.yaml": "services:\n  web:\n    image: ${IMG:?set IMG please}\n"})
    assert str(err.value).endswith("compose.yaml: services.web.image: required variable IMG is missing a value: set IMG please")
    assert err.value.exit_code == 15


def test_dotenv_precedence_and_compose_variables(project):
    p, _ = project({
        ".env": "TAG=from-dotenv\nCOMPOSE_PROJECT_NAME=fromenv\nOTHER=${TAG}-x\nCOMPOSE_PROFILES=debug\n",
        "compose.yaml": """
            services:
              web: {image: "busybox:${TAG}", environment: [OTHER, TAG]}
              dbg: {image: busybox, profiles: [debug]}
        """}, env={"TAG": "from-os"})
    assert p.name == "fromenv"
    assert p.services["web"]["image"] == "busybox:from-os"
    assert p.services["web"]["environment"] == {"OTHER": "from-os-x", "TAG": "from-os"}
    assert set(p.services) == {"web", "dbg"}


def test_env_file_option_replaces_dotenv(project):
    p, _ = project({".env": "TAG=dotenv\n", "other.env": "TAG=other\n",
                    "compose.yaml": "services:\n  web: {image: 'b:${TAG}'}\n"}, env_files=("other.env",))
    assert p.services["web"]["image"] == "b:other"


def test_compose_file_from_dotenv(project):
    p, _ = project({".env": "COMPOSE_FILE=a.yaml;b.yaml\nCOMPOSE_PATH_SEPARATOR=;\n",
                    "a.yaml": "services:\n  web: {image: a}\n", "b.yaml": "services:\n  web: {image: b}\n"})
    assert p.services["web"]["image"] == "b"
    assert [f.rsplit("/", 1)[1] for f in p.config_files] == ["a.yaml", "b.yaml"]


def test_discovery_upward_with_override(project):
    p, _ = project({"compose.yaml": "services:\n  web: {image: a, environment: {A: '1'}}\n",
                    "compose.override.yaml": "services:\n  web: {environment: {B: '2'}}\n",
                    "sub/deeper/.keep": ""}, cwd=None)
    p2, _ = project({}, cwd=project.dir / "sub" / "deeper")
    for proj in (p, p2):
        assert proj.services["web"]["environment"] == {"A": "1", "B": "2"}
        assert proj.working_dir == str(project.dir)


def test_discovery_prefers_compose_yaml_and_warns(project):
    p, warnings = project({"compose.yaml": "services:\n  a: {image: a}\n",
                           "docker-compose.yml": "services:\n  b: {image: b}\n"})
    assert list(p.services) == ["a"]
    assert any("multiple config files" in w for w in warnings)


def test_no_file_found(project):
    with pytest.raises(ConfigError, match="no configuration file provided") as err:
        project({}, cwd="/")
    assert err.value.exit_code == 14  # docker compose's file-not-found status, not the parse error's 15


def test_project_directory_is_where_the_file_is_found(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    p, _ = project({"app/compose.yaml": "services:\n  a: {image: a}\n"},
                   cwd=elsewhere, project_directory=str(project.dir / "app"))
    assert list(p.services) == ["a"] and p.working_dir == str(project.dir / "app")
    assert p.config_files == (str(project.dir / "app" / "compose.yaml"),)


def test_merge_rules_across_files(project):
    p, _ = project({
        "a.yaml": """
            services:
              web:
                image: a
                command: [echo, a]
                environment: [A=1, B=2]
                ports: ["8080:80", "9000:90"]
                volumes: ["./x:/data", "v:/v"]
                cap_add: [NET_ADMIN]
                healthcheck: {test: [CMD, a], interval: 1s}
                labels: {keep: "1"}
            volumes: {v: {}}
        """,
        "b.yaml": """
            services:
              web:
                command: [echo, b]
                environment: {B: "3", C: "4"}
                ports: ["8080:80", "8081:81"]
                volumes: ["./y:/data"]
                cap_add: [NET_ADMIN, SYS_TIME]
                healthcheck: {test: [CMD, b]}
                labels: !reset {}
        """}, files=("a.yaml", "b.yaml"))
    web = p.services["web"]
    assert web["command"] == ["echo", "b"]
    assert web["environment"] == {"A": "1", "B": "3", "C": "4"}
    assert [(x["target"], x["published"]) for x in web["ports"]] == [(90, "9000"), (80, "8080"), (81, "8081")]
    assert [(v["target"], v.get("source", "").rsplit("/", 1)[-1]) for v in web["volumes"]] == [("/v", "v"), ("/data", "y")]
    assert web["cap_add"] == ["NET_ADMIN", "SYS_TIME"]
    assert web["healthcheck"] == {"test": ["CMD", "b"], "interval": "1s"}
    assert "labels" not in web


def test_override_tag_replaces(project):
    p, _ = project({"a.yaml": "services:\n  web: {image: a, ports: ['80:80', '81:81']}\n",
                    "b.yaml": "services:\n  web:\n    ports: !override ['82:82']\n"}, files=("a.yaml", "b.yaml"))
    assert [x["target"] for x in p.services["web"]["ports"]] == [82]


def test_extends_same_file_other_file_and_cycle(project):
    p, _ = project({
        "common/base.yaml": """
            services:
              base:
                image: base
                env_file: [base.env]
                environment: {FROM: base}
        """,
        "common/base.env": "BASEVAR=1\n",
        "compose.yaml": """
            services:
              mid: {extends: {file: common/base.yaml, service: base}, environment: {MID: "1"}}
              web: {extends: mid, command: [run], environment: {FROM: web}}
        """})
    web = p.services["web"]
    assert web["image"] == "base" and web["command"] == ["run"]
    assert web["environment"] == {"BASEVAR": "1", "FROM": "web", "MID": "1"}
    with pytest.raises(ConfigError, match="circular reference"):
        project({"compose.yaml": "services:\n  a: {extends: b, image: x}\n  b: {extends: a, image: y}\n"})


def test_include_with_own_directory_and_conflict(project):
    p, _ = project({
        "lib/compose.yaml": "services:\n  db: {image: 'db:${DBTAG}', volumes: ['./data:/data']}\n",
        "lib/.env": "DBTAG=from-lib\n",
        "compose.yaml": "include: [lib/compose.yaml]\nservices:\n  web: {image: web, depends_on: [db]}\n"})
    assert p.services["db"]["image"] == "db:from-lib"
    assert p.services["db"]["volumes"][0]["source"] == str(project.dir / "lib" / "data")
    with pytest.raises(ConfigError, match="conflicts with an imported resource"):
        project({"compose.yaml": "include: [lib/compose.yaml]\nservices:\n  db: {image: other}\n"})


def test_profiles(project):
    files = {"compose.yaml": """
        services:
          web: {image: a}
          debug: {image: b, profiles: [debug]}
          tools: {image: c, profiles: [tools], depends_on: [debug]}
    """}
    p, _ = project(files)
    assert set(p.services) == {"web"} and set(p.disabled) == {"debug", "tools"}
    p, _ = project(files, profiles=("debug",))
    assert set(p.services) == {"web", "debug"}
    p, _ = project(files, selected=("debug",))
    assert set(p.services) == {"web", "debug"}
    with pytest.raises(ConfigError, match="depends on 'debug', which is disabled by its profiles"):
        project(files, profiles=("tools",))
    p, _ = project(files, profiles=("*",))
    assert set(p.services) == {"web", "debug", "tools"}


@pytest.mark.parametrize("name, env, top, expected", [
    ("", {}, "", "proj-dir"), ("", {}, "My_App!", "my_app"), ("", {"COMPOSE_PROJECT_NAME": "envname"}, "x", "envname"),
    ("flag", {"COMPOSE_PROJECT_NAME": "envname"}, "x", "flag"),
])
def test_project_name(project, name, env, top, expected, tmp_path):
    files = {"Proj-Dir/compose.yaml": (f"name: {top}\n" if top else "") + "services:\n  a: {image: a}\n"}
    p, _ = project(files, env=env, project_name=name, files=("Proj-Dir/compose.yaml",))
    assert p.name == expected


def test_invalid_explicit_project_name(project):
    with pytest.raises(ConfigError, match="invalid project name"):
        project({"compose.yaml": "services:\n  a: {image: a}\n"}, project_name="Bad Name")


def test_names_default_network_and_paths(project):
    p, _ = project({"compose.yaml": """
        name: app
        services:
          web: {image: a, volumes: ["./src:/src", "data:/data"], secrets: [token], build: ./ctx}
          host: {image: a, network_mode: host}
        networks: {back: {}, ext: {external: true}}
        volumes: {data: {}, named: {name: explicit}}
        secrets: {token: {file: ./token.txt}}
    """})
    m = p.model
    assert m["networks"] == {"back": {"name": "app_back"}, "ext": {"name": "ext", "external": True},
                             "default": {"name": "app_default"}}
    assert m["volumes"] == {"data": {"name": "app_data"}, "named": {"name": "explicit"}}
    assert m["secrets"]["token"] == {"name": "app_token", "file": str(project.dir / "token.txt")}
    assert m["services"]["web"]["networks"] == {"default": None}
    assert "networks" not in m["services"]["host"]
    assert m["services"]["web"]["build"] == {"context": str(project.dir / "ctx")}
    assert m["services"]["web"]["volumes"][0]["source"] == str(project.dir / "src")


def test_env_file_long_form(project):
    p, _ = project({"a.env": "A=1\nB=2\n", "raw.env": "R='$X'\n", "compose.yaml": """
        services:
          web:
            image: a
            env_file: [a.env, {path: missing.env, required: false}, {path: raw.env, format: raw}]
            environment: {B: "3"}
    """})
    assert p.services["web"]["environment"] == {"A": "1", "B": "3", "R": "'$X'"}
    with pytest.raises(ConfigError, match="env file .*missing.env not found"):
        project({"compose.yaml": "services:\n  web: {image: a, env_file: missing.env}\n"})


@pytest.mark.parametrize("text, where", [
    ("services:\n  web: {image: a, bogus: 1}\n", "services.web: additional property 'bogus' is not allowed"),
    ("services:\n  web: {image: a, ports: [80, [1]]}\n", "services.web.ports[1]: must be"),
    ("services:\n  web: {image: 3}\n", "services.web.image: must be a string, not integer"),
    ("services:\n  web: {image: a, depends_on: [nope]}\n", "services.web.depends_on: service 'web' depends on 'nope'"),
    ("services:\n  a: {image: a, depends_on: [b]}\n  b: {image: b, depends_on: [a]}\n", "dependency cycle detected"),
    ("services:\n  web: {image: a, ports: ['99999:80']}\n", "services.web.ports[0]: invalid port"),
    ("services:\n  web: {image: a, volumes: ['vol:/x']}\n", "refers to undefined volume vol"),
    ("services:\n  web: {image: a, read_only: '${RO}'}\n", "services.web.read_only: 'maybe' is not a boolean"),
    ("services:\n  web: {command: x}\n", "has neither an image nor a build context"),
    ("bogus: 1\nservices: {}\n", "additional property 'bogus' is not allowed"),
    ("services:\n  web: {image: a, depends_on: {db: {condition: nope}}}\n  db: {image: b}\n", "invalid condition 'nope'"),
])
def test_validation_errors(project, text, where):
    with pytest.raises(ConfigError) as err:
        project({"compose.yaml": text}, env={"RO": "maybe"})
    assert "compose.yaml" in str(err.value) or "cycle" in str(err.value)
    assert where in str(err.value)
    assert "\n" not in str(err.value)


def test_extensions_are_kept_and_ignored(project):
    p, _ = project({"compose.yaml": "x-top: {a: 1}\nservices:\n  web: {image: a, x-note: hi}\n"})
    assert p.model["x-top"] == {"a": 1}
    json.dumps(p.model)


def test_stdin_file(project, tmp_path):
    p, _ = project({}, files=("-",), stdin=lambda: "services:\n  web: {image: s}\n", project_name="s")
    assert p.services["web"]["image"] == "s" and p.working_dir == str(tmp_path)


def test_version_is_obsolete_with_warning(project):
    _, warnings = project({"compose.yaml": "version: '3.8'\nservices:\n  a: {image: a}\n"})
    assert any("`version` is obsolete" in w for w in warnings)


def test_port_ranges_and_ipv6(project):
    p, _ = project({"compose.yaml": "services:\n  web:\n    image: a\n    ports: ['8000-8001:80-81', '[::1]:53:53/udp', '127.0.0.1::9']\n"})
    got = [(x.get("host_ip", ""), x.get("published", ""), x["target"], x["protocol"]) for x in p.services["web"]["ports"]]
    assert got == [("", "8000", 80, "tcp"), ("", "8001", 81, "tcp"), ("::1", "53", 53, "udp"), ("127.0.0.1", "", 9, "tcp")]


def test_project_directory_and_disabled_env_file(project, tmp_path):
    files = {"conf/compose.yaml": "services:\n  web: {image: 'a:${TAG:-none}', volumes: ['./x:/x']}\n",
             "proj/.env": "TAG=from-proj\n"}
    p, _ = project(files, files=("conf/compose.yaml",), project_directory="proj")
    assert p.working_dir == str(tmp_path / "proj") and p.name == "proj"
    assert p.services["web"]["image"] == "a:from-proj"
    assert p.services["web"]["volumes"][0]["source"] == str(tmp_path / "proj" / "x")
    p, _ = project(files, files=("conf/compose.yaml",), project_directory="proj",
                   env={"COMPOSE_DISABLE_ENV_FILE": "1"})
    assert p.services["web"]["image"] == "a:none"


def test_unset_variable_warns_once(project):
    _, warnings = project({"compose.yaml": "services:\n  web: {image: 'a${X}', command: ['${X}', '$X']}\n"})
    assert warnings == ['The "X" variable is not set. Defaulting to a blank string.']


def test_no_interpolate_keeps_templates(project):
    p, _ = project({"compose.yaml": "services:\n  web: {image: 'a:${TAG}'}\n"}, interpolate=False)
    assert p.services["web"]["image"] == "a:${TAG}"


def test_legacy_boolean_warns(project):
    p, warnings = project({"compose.yaml": "services:\n  web: {image: a, tty: '${T}'}\n"}, env={"T": "yes"})
    assert p.services["web"]["tty"] is True
    assert warnings == ["services.web.tty: 'yes' for a boolean is not supported by YAML 1.2, use true or false"]


@pytest.mark.parametrize(("files", "expected"), [
    ({"compose.yaml": "services:\n  web: {image: busybox, container_name: '${COMPOSE_PROJECT_NAME}-web'}\n"},
     "dirname"),
    ({"compose.yaml": "name: My_${STAGE}\nservices:\n  web: {image: busybox, container_name: "
                      "'${COMPOSE_PROJECT_NAME}-web'}\n"}, "my_prod"),
])
def test_project_name_is_known_to_interpolation(project, tmp_path, files, expected):
    # compose-go sets COMPOSE_PROJECT_NAME before interpolating, whatever gave the name
    # (-p, the environment, `name:` or the directory); it said "variable is not set".
    directory = tmp_path / "DirName"
    p, warnings = project({f"DirName/{k}": v for k, v in files.items()}, env={"STAGE": "Prod"}, cwd=directory)
    assert p.name == expected
    assert p.services["web"]["container_name"] == f"{expected}-web"
    assert warnings == []
