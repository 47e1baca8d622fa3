"""Loading a rendered compose file with compose's meaning: values for `${VAR}`, `extends`, paths."""

from __future__ import annotations

from pathlib import Path

from harness.compose.project import absolute_paths, interpolation_values, load_compose, merge_service


def test_variables_come_from_the_process_then_the_template_env_then_the_matrix_env_files(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MODEL=from-dotenv\nPORT=8000\nexport TAG='1.4'\n# comment\n")
    (tmp_path / "a.env").write_text("PORT=9000\nGPUS=1\nEXTRA=a\n")
    (tmp_path / "b.env").write_text('GPUS=2\nQUOTED="x # y"\n')
    values, problems = interpolation_values({"MODEL": "from-shell"}, tmp_path, [tmp_path / "a.env", tmp_path / "b.env"])
    assert problems == []
    assert values["MODEL"] == "from-shell"
    assert values["PORT"] == "8000"
    assert values["TAG"] == "1.4"
    assert values["GPUS"] == "2"
    assert values["EXTRA"] == "a"
    assert values["QUOTED"] == "x # y"


def test_unreadable_env_files_are_named(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"A=\xff\xfe\n")
    _, problems = interpolation_values({}, tmp_path, [tmp_path / "missing.env"])
    assert len(problems) == 2
    assert problems[0].startswith(f"{tmp_path / 'missing.env'}: cannot read")
    assert problems[1].startswith(f"{tmp_path / '.env'}: is not UTF-8 text (byte 0xff")


def test_relative_paths_resolve_against_the_file_they_were_written_in() -> None:
    service = {
        "volumes": [
            "./models:/models:ro",
            "../cache:/cache",
            "/abs:/abs",
            "named:/n",
            {"type": "bind", "source": "./x", "target": "/x"},
        ],
        "env_file": [".env.local", {"path": "./more.env", "required": False}],
        "label_file": "labels.env",
    }
    fixed = absolute_paths(service, Path("/home/me/stack"), "/home/me")
    assert fixed["volumes"] == [
        "/home/me/stack/models:/models:ro",
        "/home/me/cache:/cache",
        "/abs:/abs",
        "named:/n",
        {"type": "bind", "source": "/home/me/stack/x", "target": "/x"},
    ]
    assert fixed["env_file"] == ["/home/me/stack/.env.local", {"path": "/home/me/stack/more.env", "required": False}]
    assert fixed["label_file"] == "/home/me/stack/labels.env"


def test_merge_rules_of_extends() -> None:
    base = {
        "image": "vllm:1",
        "command": ["serve", "a"],
        "environment": ["A=1", "B=2"],
        "volumes": ["/m:/models", "/c:/cache"],
        "ports": ["8000:8000"],
        "cap_add": ["SYS_PTRACE"],
        "healthcheck": {"test": ["CMD", "old"], "interval": "10s"},
    }
    local = {
        "command": ["serve", "b"],
        "environment": {"B": "3", "C": "4"},
        "volumes": ["/other:/models"],
        "ports": ["9000:9000"],
        "cap_add": ["IPC_LOCK"],
        "healthcheck": {"test": ["CMD", "new"]},
    }
    merged = merge_service(base, local)
    assert merged["image"] == "vllm:1"
    assert merged["command"] == ["serve", "b"]
    assert merged["environment"] == {"A": "1", "B": "3", "C": "4"}
    assert merged["volumes"] == ["/other:/models", "/c:/cache"]
    assert merged["ports"] == ["8000:8000", "9000:9000"]
    assert merged["cap_add"] == ["SYS_PTRACE", "IPC_LOCK"]
    assert merged["healthcheck"] == {"test": ["CMD", "new"], "interval": "10s"}


def test_extends_from_the_same_file_and_from_a_file_beside_the_template(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "base.yaml").write_text(
        "services:\n"
        "  gpu:\n"
        "    image: ${IMAGE:-vllm/vllm-openai:latest}\n"
        "    volumes: ['./hf:/root/.cache/huggingface']\n"
        "    env_file: gpu.env\n"
        "    ipc: host\n"
    )
    document = {
        "services": {
            "base": {"extends": {"file": "common/base.yaml", "service": "gpu"}, "shm_size": "16g"},
            "server": {"extends": "base", "command": "serve"},
        }
    }
    loaded = load_compose(document, tmp_path, {"IMAGE": "vllm:0.9"})
    assert loaded.problems == []
    server = loaded.document["services"]["server"]
    assert server == {
        "image": "vllm:0.9",
        "volumes": [f"{tmp_path}/common/hf:/root/.cache/huggingface"],
        "env_file": f"{tmp_path}/common/gpu.env",
        "ipc": "host",
        "shm_size": "16g",
        "command": "serve",
    }


def test_extends_problems_are_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"services:\n  a:\n    image: \xff\n")
    (tmp_path / "broken.yaml").write_text("services: [\n")
    document = {
        "services": {
            "loop1": {"extends": "loop2"},
            "loop2": {"extends": "loop1"},
            "ghost": {"extends": "nobody"},
            "missing": {"extends": {"file": "absent.yaml", "service": "x"}},
            "binary": {"extends": {"file": "bad.yaml", "service": "a"}},
            "broken": {"extends": {"file": "broken.yaml", "service": "a"}},
            "malformed": {"extends": {"file": 3}},
        }
    }
    loaded = load_compose(document, tmp_path, {})
    messages = [f"{'.'.join(map(str, p.path))}: {p.message}" for p in loaded.problems]
    assert any("extends forms a cycle: loop1 -> loop2 -> loop1" in m for m in messages), messages
    assert any(m.startswith("services.ghost.extends: extends names unknown service 'nobody'") for m in messages)
    assert any("absent.yaml: cannot read: No such file" in m for m in messages)
    assert any("bad.yaml is not UTF-8 text" in m for m in messages)
    assert any("broken.yaml:2:1: not valid YAML" in m for m in messages)
    assert any(m.startswith("services.malformed.extends: expected a service name") for m in messages)


def test_interpolation_reports_unset_names_once_and_failures_by_path(tmp_path: Path) -> None:
    document = {
        "services": {
            "app": {
                "image": "${IMAGE}",
                "environment": ["A=${UNSET_A}", "B=${UNSET_A}"],
                "deploy": {"resources": {"reservations": {"devices": [{"count": "${GPUS:?how many GPUs}"}]}}},
            }
        }
    }
    loaded = load_compose(document, tmp_path, {})
    assert loaded.unset == ["IMAGE", "UNSET_A"]
    assert [(p.path, p.message) for p in loaded.problems] == [
        (
            ("services", "app", "deploy", "resources", "reservations", "devices", 0, "count"),
            "required variable GPUS is missing a value: how many GPUs",
        )
    ]
