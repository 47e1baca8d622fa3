from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from docker.types import DeviceRequest, Ulimit

from harness.compose import (
    SERVICE_KEYS,
    Selection,
    Translation,
    VolumeSpec,
    decision_table,
    parse_env_file,
    plan_compose,
    translate,
)
from harness.errors import ComposeError

COMPOSE_DIR = Path("/runs/r1/cells/c1")
HOST_ENV = {"HOME": "/home/me", "HF_HOME": "/cache/hf"}


def plan_for(service: dict[str, Any], **others: dict[str, Any]) -> Any:
    compose = {"services": {"app": {"image": "img:1", **service}, **others}}
    return translate(
        compose,
        where="cell c1",
        compose_dir=COMPOSE_DIR,
        name_prefix="bisect-r-c1",
        watched="app" if others else None,
        host_env=HOST_ENV,
    )


def kwargs_for(service: dict[str, Any]) -> dict[str, Any]:
    return dict(plan_for(service).service("app").kwargs)


CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("image", {}, {"image": "img:1"}),
    ("command string", {"command": "vllm serve /m --tp 2"}, {"command": ["vllm", "serve", "/m", "--tp", "2"]}),
    ("command list", {"command": ["bash", "-c", "a && b"]}, {"command": ["bash", "-c", "a && b"]}),
    ("entrypoint", {"entrypoint": ["/bin/bash", "-c"]}, {"entrypoint": ["/bin/bash", "-c"]}),
    (
        "environment mapping",
        {"environment": {"A": 1, "B": True, "HF_HOME": None, "UNSET": None}},
        {"environment": {"A": "1", "B": "true", "HF_HOME": "/cache/hf"}},
    ),
    (
        "environment list",
        {"environment": ["A=1", "B=x=y", "HF_HOME", "UNSET"]},
        {"environment": {"A": "1", "B": "x=y", "HF_HOME": "/cache/hf"}},
    ),
    ("cap_add", {"cap_add": ["SYS_PTRACE"]}, {"cap_add": ["SYS_PTRACE"]}),
    ("cap_drop", {"cap_drop": ["NET_RAW"]}, {"cap_drop": ["NET_RAW"]}),
    ("devices", {"devices": ["/dev/dri:/dev/dri", "/dev/kfd"]}, {"devices": ["/dev/dri:/dev/dri", "/dev/kfd"]}),
    (
        "devices long syntax and CDI names",
        {"devices": [{"source": "/dev/dri/renderD128", "permissions": "rw"}, "nvidia.com/gpu=all"]},
        {
            "devices": ["/dev/dri/renderD128:/dev/dri/renderD128:rw"],
            "device_requests": [DeviceRequest(driver="cdi", device_ids=["nvidia.com/gpu=all"])],
        },
    ),
    ("group_add", {"group_add": ["video", 44]}, {"group_add": ["video", "44"]}),
    ("ipc", {"ipc": "host"}, {"ipc_mode": "host"}),
    ("pid", {"pid": "host"}, {"pid_mode": "host"}),
    ("privileged", {"privileged": True}, {"privileged": True}),
    ("shm_size", {"shm_size": "32g"}, {"shm_size": "32g"}),
    ("shm_size bytes", {"shm_size": "512MB"}, {"shm_size": "512m"}),
    ("security_opt", {"security_opt": ["apparmor=unconfined"]}, {"security_opt": ["apparmor=unconfined"]}),
    (
        "ulimits",
        {"ulimits": {"memlock": -1, "nofile": {"soft": 1024, "hard": 2048}}},
        {"ulimits": [Ulimit(name="memlock", soft=-1, hard=-1), Ulimit(name="nofile", soft=1024, hard=2048)]},
    ),
    (
        "volumes short syntax, relative and home paths",
        {"volumes": ["/llm/models:/llm/models", "./cache:/cache:ro", "~/hf:/hf"]},
        {"volumes": ["/llm/models:/llm/models:rw", f"{COMPOSE_DIR}/cache:/cache:ro", "/home/me/hf:/hf:rw"]},
    ),
    (
        "volumes long syntax",
        {
            "volumes": [
                {"type": "bind", "source": "../models", "target": "/m", "read_only": True},
                {"type": "tmpfs", "target": "/scratch", "tmpfs": {"size": 1000}},
            ]
        },
        {"volumes": ["/runs/r1/cells/models:/m:ro"], "tmpfs": {"/scratch": "size=1000"}},
    ),
    (
        "ports",
        {"ports": ["8000:8000", "127.0.0.1:9000:9000/udp", "7000", 6000, {"target": 5000, "published": 5001}]},
        {
            "ports": {
                "8000/tcp": 8000,
                "9000/udp": ("127.0.0.1", 9000),
                "7000/tcp": None,
                "6000/tcp": None,
                "5000/tcp": 5001,
            }
        },
    ),
    ("network_mode", {"network_mode": "host"}, {"network_mode": "host"}),
    ("working_dir", {"working_dir": "/llm"}, {"working_dir": "/llm"}),
    ("user", {"user": "1000:1000"}, {"user": "1000:1000"}),
    (
        "healthcheck",
        {"healthcheck": {"test": "curl -f localhost:8000/health", "interval": "30s", "retries": 3}},
        {
            "healthcheck": {
                "test": ["CMD-SHELL", "curl -f localhost:8000/health"],
                "interval": 30_000_000_000,
                "retries": 3,
            }
        },
    ),
    ("healthcheck disabled", {"healthcheck": {"disable": True}}, {"healthcheck": {"test": ["NONE"]}}),
    (
        "GPU reservations",
        {
            "deploy": {
                "resources": {
                    "reservations": {"devices": [{"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}]}
                }
            }
        },
        {"device_requests": [DeviceRequest(driver="nvidia", count=-1, capabilities=[["gpu"]])]},
    ),
    (
        "GPU reservations by id",
        {"deploy": {"resources": {"reservations": {"devices": [{"device_ids": ["0", "1"], "capabilities": ["gpu"]}]}}}},
        {"device_requests": [DeviceRequest(driver="", count=0, device_ids=["0", "1"], capabilities=[["gpu"]])]},
    ),
    (
        "memory and cpu limits",
        {"deploy": {"resources": {"limits": {"memory": "8g", "cpus": 2}}}},
        {"mem_limit": "8g", "nano_cpus": 2_000_000_000},
    ),
    ("labels list", {"labels": ["a=1", "b"]}, {"labels": {"a": "1", "b": ""}}),
    ("extra_hosts", {"extra_hosts": ["db:10.0.0.2"]}, {"extra_hosts": {"db": "10.0.0.2"}}),
    ("tmpfs", {"tmpfs": ["/run:size=64m", "/tmp"]}, {"tmpfs": {"/run": "size=64m", "/tmp": ""}}),
    ("restart no", {"restart": "no"}, {}),
    ("x- extension keys are ignored", {"x-note": "anything"}, {}),
]


@pytest.mark.parametrize(("name", "service", "expected"), CASES, ids=[c[0] for c in CASES])
def test_compose_key_translates_to_sdk_kwargs(name: str, service: dict[str, Any], expected: dict[str, Any]) -> None:
    kwargs = kwargs_for(service)
    for key, value in expected.items():
        assert kwargs[key] == value
    assert set(kwargs) - set(expected) <= {"image"}


def test_every_key_the_issue_names_is_in_the_table() -> None:
    required = [
        *("image", "command", "entrypoint", "environment", "env_file", "cap_add", "cap_drop", "devices"),
        *("group_add", "ipc", "pid", "privileged", "shm_size", "security_opt", "ulimits", "volumes", "ports"),
        *("network_mode", "working_dir", "user", "healthcheck", "deploy"),
    ]
    assert set(required) <= set(SERVICE_KEYS)


def test_env_file_is_read_relative_to_the_compose_file_and_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "vllm.env").write_text("# comment\nexport A=from-file\nB='quoted value'\nC=1 # note\n")
    plan = translate(
        {"services": {"app": {"image": "i", "env_file": "vllm.env", "environment": {"A": "inline"}}}},
        where="cell c",
        compose_dir=tmp_path,
        name_prefix="p",
        watched=None,
        host_env={},
    )
    assert plan.service("app").kwargs["environment"] == {"A": "inline", "B": "quoted value", "C": "1"}


def test_parse_env_file_handles_quotes_comments_and_export() -> None:
    assert parse_env_file('X="a # b"\n\nexport Y=2\nnot a pair\n') == {"X": "a # b", "Y": "2"}


@pytest.mark.parametrize(
    ("service", "message"),
    [
        ({"container_name": "two words"}, r"services\.app\.container_name: expected a container name"),
        ({"scale": 2}, r"services\.app\.scale: 2: a cell runs one container per service"),
        (
            {"volumes": ["models:/m"]},
            r"volumes\[0\]: 'models' is a named volume that the top-level `volumes:` does not",
        ),
        ({"ports": ["8000-8010:8000-8010"]}, r"ports\[0\]: .*ranges are not supported"),
        ({"deploy": {"replicas": 2}}, r"deploy\.replicas: 2: a cell runs one container per service"),
        ({"secrets": ["hf_token"]}, r"secrets: secrets are not mounted; bind the file with `volumes`"),
        ({"post_start": [{"command": "x"}]}, r"post_start: lifecycle hooks are not run"),
        ({"imagee": "x"}, r"imagee: is not a compose service key"),
        ({"shm_size": "lots"}, r"shm_size: expected a size"),
        ({"privileged": "maybe"}, r"privileged: expected true or false"),
        ({"env_file": "absent.env"}, r"env_file: .*absent\.env cannot be read"),
        ({"depends_on": ["db"]}, r"depends_on: names unknown service 'db'"),
        ({"command": "echo 'unclosed"}, r"command: cannot split into words"),
        (
            {"deploy": {"resources": {"reservations": {"devices": [{"driver": "nvidia", "count": 1, "gpu": 0}]}}}},
            r"devices\[0\]\.gpu: is not supported in a device reservation; expected capabilities",
        ),
        (
            {"volumes": [{"type": "bind", "source": "/m", "target": "/m", "size": 1}]},
            r"volumes\[0\]\.size: is not supported in a bind mount",
        ),
        (
            {"healthcheck": {"test": "x", "every": "1s"}},
            r"healthcheck\.every: is not supported; expected interval, retries, start_interval, start_period, test",
        ),
    ],
)
def test_unsupported_or_invalid_keys_are_errors_naming_the_key(service: dict[str, Any], message: str) -> None:
    with pytest.raises(ComposeError, match=message) as caught:
        kwargs_for(service)
    assert str(caught.value).startswith("cell c1: services.app.")


@pytest.mark.parametrize(
    ("service", "message"),
    [
        ({"command": "x"}, r"services\.app\.image: every service needs an image$"),
        ({"build": "."}, r"services\.app\.image: every service needs an image \(the harness never builds"),
    ],
)
def test_service_without_image_is_an_error(service: dict[str, Any], message: str) -> None:
    with pytest.raises(ComposeError, match=message):
        translate(
            {"services": {"app": service}},
            where="c",
            compose_dir=COMPOSE_DIR,
            name_prefix="p",
            watched=None,
            host_env={},
        )


def test_top_level_version_and_name_are_ignored_and_configs_are_refused() -> None:
    base = {"version": "3.8", "name": "stack", "services": {"app": {"image": "i"}}}
    assert translate(base, where="c", compose_dir=COMPOSE_DIR, name_prefix="p", watched=None, host_env={})
    with pytest.raises(ComposeError, match=r"configs: configs are not mounted; bind the file with `volumes`"):
        translate(
            {**base, "configs": {"app_config": {"file": "./app.conf"}}},
            where="c",
            compose_dir=COMPOSE_DIR,
            name_prefix="p",
            watched=None,
            host_env={},
        )


def test_services_start_in_depends_on_order_and_service_refs_become_container_refs() -> None:
    plan = plan_for(
        {"depends_on": {"db": {"condition": "service_healthy"}}, "network_mode": "service:db"},
        db={"image": "db:1", "depends_on": ["cache"]},
        cache={"image": "cache:1"},
    )
    assert [s.name for s in plan.services] == ["cache", "db", "app"]
    app = plan.service("app")
    assert app.depends_on == {"db": "service_healthy"}
    assert app.kwargs["network_mode"] == "container:bisect-r-c1-db"
    assert not app.own_network
    assert plan.service("db").own_network
    assert app.container_name == "bisect-r-c1-app"


def test_depends_on_cycle_is_an_error() -> None:
    with pytest.raises(ComposeError, match=r"services\.app\.depends_on: forms a cycle: app -> db -> app"):
        plan_for({"depends_on": ["db"]}, db={"image": "db", "depends_on": ["app"]})


def test_several_services_need_a_watched_service() -> None:
    compose = {"services": {"a": {"image": "i"}, "b": {"image": "j"}}}
    with pytest.raises(ComposeError, match="set `service:` in the matrix"):
        translate(compose, where="c", compose_dir=COMPOSE_DIR, name_prefix="p", watched=None, host_env={})
    with pytest.raises(ComposeError, match="watched service 'c' is not defined; services are a, b"):
        translate(compose, where="c", compose_dir=COMPOSE_DIR, name_prefix="p", watched="c", host_env={})


def test_stop_grace_period_is_read() -> None:
    assert plan_for({"stop_grace_period": "30s"}).service("app").stop_timeout == 30


# Every service key of the Compose Specification's JSON schema (compose-spec/compose-spec
# schema/compose-spec.json, definitions.service.properties), plus `pre_start` from compose-go's copy.
SPEC_SERVICE_KEYS = re.findall(
    r"[a-z_]+",
    """
annotations attach blkio_config build cap_add cap_drop cgroup cgroup_parent command configs container_name
cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares cpus cpuset credential_spec
depends_on deploy develop device_cgroup_rules devices dns dns_opt dns_search domainname entrypoint env_file
environment expose extends external_links extra_hosts gpus group_add healthcheck hostname image init ipc isolation
label_file labels links logging mac_address mem_limit mem_reservation mem_swappiness memswap_limit models
network_mode networks oom_kill_disable oom_score_adj pid pids_limit platform ports post_start pre_start pre_stop
privileged profiles provider pull_policy pull_refresh_after read_only restart runtime scale secrets security_opt
shm_size stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits use_api_socket user
userns_mode uts volumes volumes_from working_dir
""",
)


def test_every_key_of_the_compose_specification_has_a_decision() -> None:
    assert set(SPEC_SERVICE_KEYS) <= set(SERVICE_KEYS)
    assert {d.kind for d in SERVICE_KEYS.values()} == {"translated", "ignored", "refused"}
    assert all(d.why for d in SERVICE_KEYS.values() if d.kind != "translated")


def test_the_readme_key_table_is_the_generated_one() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    assert decision_table() in readme


def translation(services: dict[str, Any], **keys: Any) -> Translation:
    document = {"services": services, **keys.pop("top", {})}
    selection = Selection(**keys)
    return plan_compose(document, compose_dir=COMPOSE_DIR, name_prefix="p", host_env=HOST_ENV, selection=selection)


def notes_of(result: Translation) -> list[str]:
    return [f"{n.dotted()}: {n.message}" for n in result.notes]


def test_keys_that_run_differently_from_compose_say_so_in_a_note() -> None:
    result = translation(
        {
            "app": {
                "image": "i",
                "build": {"context": "."},
                "container_name": "tgi-server",
                "restart": "unless-stopped",
                "pull_policy": "always",
                "expose": [80],
                "logging": {"driver": "json-file"},
                "deploy": {"restart_policy": {"condition": "on-failure"}, "placement": {"constraints": []}},
            }
        }
    )
    assert result.plan is not None, result.problems
    app = result.plan.service("app")
    assert app.aliases == ("tgi-server",)
    assert app.container_name == "p-app"
    assert "restart_policy" not in app.kwargs and "restart" not in app.kwargs
    notes = notes_of(result)
    assert "services.app.restart: 'unless-stopped' runs as \"no\": a relaunch would hide the verdict" in notes
    assert "services.app.build: ignored: the harness runs `image` and never builds" in notes
    assert any(n.startswith("services.app.container_name: the harness names the container") for n in notes)
    assert any(n.startswith("services.app.pull_policy: ignored") for n in notes)
    assert any(n.startswith("services.app.expose: ignored") for n in notes)
    assert any(n.startswith("services.app.deploy.placement: ignored") for n in notes)


def test_named_and_anonymous_volumes_become_mounts_of_the_matrix_volume() -> None:
    result = plan_compose(
        {
            "services": {
                "app": {
                    "image": "i",
                    "volumes": [
                        "hf-cache:/root/.cache/huggingface",
                        "models:/models:ro",
                        "/scratch",
                        {"type": "volume", "source": "hf-cache", "target": "/data", "volume": {"nocopy": True}},
                    ],
                }
            },
            "volumes": {"hf-cache": None, "models": {"external": True, "name": "shared-models"}, "unused": {}},
        },
        compose_dir=COMPOSE_DIR,
        name_prefix="p",
        host_env={},
        volume_prefix="bisect-m",
    )
    assert result.plan is not None, result.problems
    mounts = result.plan.service("app").kwargs["mounts"]
    assert [(m["Source"], m["Target"], m["ReadOnly"]) for m in mounts] == [
        ("bisect-m-hf-cache", "/root/.cache/huggingface", False),
        ("shared-models", "/models", True),
        (None, "/scratch", False),
        ("bisect-m-hf-cache", "/data", False),
    ]
    assert mounts[3]["VolumeOptions"]["NoCopy"] is True
    assert result.plan.volumes == (VolumeSpec("bisect-m-hf-cache"), VolumeSpec("shared-models", external=True))


def test_user_networks_become_the_cell_network_with_their_aliases_and_external_ones_are_joined() -> None:
    result = translation(
        {
            "tgi": {"image": "i", "networks": {"backend": {"aliases": ["llm"], "ipv4_address": "10.0.0.5"}}},
            "ui": {"image": "u", "networks": ["backend", "proxy"], "links": ["tgi:inference"], "depends_on": ["tgi"]},
        },
        watched="ui",
        top={"networks": {"backend": {"driver": "bridge"}, "proxy": {"external": True, "name": "traefik"}}},
    )
    assert result.plan is not None, result.problems
    tgi, ui = result.plan.service("tgi"), result.plan.service("ui")
    assert tgi.aliases == ("llm", "inference")
    assert ui.external_networks == ("traefik",)
    assert result.plan.external_networks == ("traefik",)
    assert any(n.startswith("services.tgi.networks.backend.ipv4_address: ignored") for n in notes_of(result))


def test_the_services_that_start_are_those_of_compose_up_watched() -> None:
    services = {
        "vllm": {"image": "v", "depends_on": {"redis": {"condition": "service_started"}}},
        "redis": {"image": "r"},
        "ui": {"build": "./ui"},
        "gpu-monitor": {"image": "m", "profiles": ["monitoring"]},
        "debug": {"image": "d", "profiles": ["debug"], "depends_on": ["tracer"]},
        "tracer": {"image": "t", "profiles": ["debug"]},
    }
    result = translation(services, watched="vllm")
    assert result.plan is not None, result.problems
    assert [s.name for s in result.plan.services] == ["redis", "vllm"]
    started = translation(services, watched="vllm", start=("debug",), profiles=("monitoring",))
    assert started.plan is not None, started.problems
    assert sorted(s.name for s in started.plan.services) == ["debug", "gpu-monitor", "redis", "tracer", "vllm"]


def test_a_dependency_in_an_inactive_profile_is_an_error_unless_optional() -> None:
    services = {
        "app": {"image": "a", "depends_on": {"db": {"condition": "service_started"}}},
        "db": {"image": "d", "profiles": ["db"]},
    }
    result = translation(services, watched="app")
    assert [f"{p.dotted()}: {p.message}" for p in result.problems] == [
        "services.app.depends_on: 'db' is in profile db, which is not active; add it to `profiles:` in the matrix"
    ]
    services["app"]["depends_on"]["db"]["required"] = False
    optional = translation(services, watched="app")
    assert optional.plan is not None and [s.name for s in optional.plan.services] == ["app"]
    assert optional.plan.service("app").depends_on == {}


def test_a_lone_default_service_is_watched_without_service_key() -> None:
    result = translation({"server": {"image": "s"}, "bench": {"image": "b", "profiles": ["bench"]}})
    assert result.plan is not None and result.plan.watched == "server"


def test_links_volumes_from_and_service_namespaces_start_their_service_first() -> None:
    result = translation(
        {
            "app": {"image": "a", "volumes_from": ["data:ro"], "ipc": "service:worker"},
            "worker": {"image": "w", "links": ["data"]},
            "data": {"image": "d"},
        },
        watched="app",
    )
    assert result.plan is not None, result.problems
    assert [s.name for s in result.plan.services] == ["data", "worker", "app"]
    app = result.plan.service("app")
    assert app.kwargs["volumes_from"] == ["p-data:ro"]
    assert app.kwargs["ipc_mode"] == "container:p-worker"


def test_values_compose_casts_after_interpolation_are_accepted() -> None:
    kwargs = kwargs_for(
        {
            "privileged": "true",
            "tty": "False",
            "pids_limit": "512",
            "deploy": {
                "resources": {
                    "reservations": {"devices": [{"driver": "nvidia", "count": "2", "capabilities": ["gpu"]}]}
                }
            },
        }
    )
    assert kwargs["privileged"] is True and kwargs["tty"] is False and kwargs["pids_limit"] == 512
    assert kwargs["device_requests"][0]["Count"] == 2


def test_more_translated_keys() -> None:
    kwargs = kwargs_for(
        {
            "read_only": True,
            "device_cgroup_rules": ["c 226:* rmw"],
            "oom_kill_disable": True,
            "storage_opt": {"size": "20G"},
            "mac_address": "02:42:ac:11:00:02",
            "domainname": "lab",
            "userns_mode": "host",
            "gpus": "all",
            "cpuset": "0-3",
            "uts": "host",
        }
    )
    assert kwargs["read_only"] is True
    assert kwargs["device_cgroup_rules"] == ["c 226:* rmw"]
    assert kwargs["oom_kill_disable"] is True
    assert kwargs["storage_opt"] == {"size": "20G"}
    assert kwargs["mac_address"] == "02:42:ac:11:00:02" and kwargs["domainname"] == "lab"
    assert kwargs["userns_mode"] == "host" and kwargs["uts_mode"] == "host" and kwargs["cpuset_cpus"] == "0-3"
    assert kwargs["device_requests"] == [DeviceRequest(count=-1, capabilities=[["gpu"]])]


def test_every_problem_of_a_file_is_listed_not_just_the_first() -> None:
    result = translation(
        {
            "app": {"image": "a", "scale": 4, "secrets": ["t"], "ports": ["1-2:1-2"], "depends_on": ["ghost"]},
            "db": {"image": "d", "external_links": ["redis"]},
        },
        watched="app",
        start=("db",),
    )
    assert result.plan is None
    assert [p.dotted() for p in result.problems] == [
        "services.app.scale",
        "services.app.secrets",
        "services.app.ports[0]",
        "services.app.depends_on",
        "services.db.external_links",
    ]


def test_services_that_do_not_start_are_not_translated() -> None:
    result = translation(
        {"server": {"image": "s"}, "ui": {"build": ".", "secrets": ["x"], "bogus": 1}}, watched="server"
    )
    assert result.plan is not None and [s.name for s in result.plan.services] == ["server"]
