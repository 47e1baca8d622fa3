"""The CLI through Typer's in-process runner: exit codes, stdout tables, one-line errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.errors import ExitCode
from tests.conftest import MatrixWriter
from tests.runs import make_run

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "tests" / "fixtures" / "logs"
runner = CliRunner()


def test_plan_lists_cells_without_launching() -> None:
    result = runner.invoke(app, ["plan", str(ROOT / "matrices" / "demo.yaml")])
    assert result.exit_code == ExitCode.OK
    rows = [line for line in result.stdout.splitlines() if line.startswith("| image-")]
    assert len(rows) == 20
    assert "20 cells" in result.stderr


def test_render_writes_a_compose_file_per_cell(tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", str(ROOT / "matrices" / "b50.yaml"), "--out", str(tmp_path)])
    assert result.exit_code == ExitCode.OK, result.stderr
    files = sorted(tmp_path.glob("*/compose.yaml"))
    assert len(files) == 31
    text = next(
        f
        for f in files
        if "1.4_tp-2_privileged-unprivileged_oneapi-setvars_env-ipc-sockets_caps-ptrace_pid-host" in str(f)
    ).read_text()
    assert 'CCL_ZE_IPC_EXCHANGE: "sockets"' in text
    assert 'cap_add: ["SYS_PTRACE"]' in text and "pid: host" in text
    assert "source /opt/intel/oneapi/setvars.sh --force &&" in text
    assert "privileged: false" in text and 'ZE_AFFINITY_MASK: "0,1"' in text and "--max-model-len 24576" in text
    assert "/dev/dri/by-path:/dev/dri/by-path:ro" in text
    tp1 = next(f for f in files if "1.3_tp-1_privileged-privileged_oneapi-image-env" in str(f)).read_text()
    assert "privileged: true" in tp1 and "--max-model-len 12288" in tp1 and 'ZE_AFFINITY_MASK: "0"' in tp1
    assert "setvars.sh" not in tp1


def test_schema_is_json_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == ExitCode.OK
    assert json.loads(result.stdout)["title"] == "MatrixSpec"


def test_classify_labels_the_reports_logs() -> None:
    logs = [
        LOGS / name
        for name in ("llm-scaler-424-tp2.log", "llm-scaler-424-tp1.log", "vllm-ready.log", "vllm-unfinished.log")
    ]
    result = runner.invoke(app, ["classify", "--format", "json", *map(str, logs)])
    assert result.exit_code == ExitCode.OK
    verdicts = json.loads(result.stdout)
    assert [v["outcome"] for v in verdicts] == ["device_lost", "kv_cache_insufficient", "ready", "unknown"]
    assert verdicts[0]["signature"] == "device_lost"
    assert verdicts[0]["line_no"] == 15
    assert verdicts[0]["line"].endswith("(UR_RESULT_ERROR_DEVICE_LOST)")
    assert verdicts[2]["signature"] is None and verdicts[3]["line"] is None


def test_classify_text_format_names_file_line_and_outcome() -> None:
    result = runner.invoke(app, ["classify", str(LOGS / "llm-scaler-424-tp2.log")])
    assert result.stdout.startswith(f"{LOGS / 'llm-scaler-424-tp2.log'}:15: device_lost  RuntimeError:")


def test_classify_missing_file_is_one_line_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["classify", str(tmp_path / "nope.log")])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stderr.strip() == f"bisect: {tmp_path / 'nope.log'}: cannot read: No such file or directory"


@pytest.mark.parametrize("command", ["run", "plan", "render"])
def test_bad_matrix_is_one_line_and_exit_2(write_matrix: MatrixWriter, command: str) -> None:
    path = write_matrix(axes={"image": []})
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == ExitCode.BAD_INPUT
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"bisect: {path}: axes: ")
    assert "Traceback" not in result.output


def test_template_error_stops_the_run_before_any_launch_and_leaves_no_run_folder(
    write_matrix: MatrixWriter, tmp_path: Path
) -> None:
    path = write_matrix("services:\n  app:\n    image: {{ image }}\n    command: {{ missing_var }}\n")
    results = tmp_path / "results"
    result = runner.invoke(app, ["run", str(path), "--results", str(results)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "'missing_var' is undefined" in result.stderr
    assert not results.exists() or list(results.iterdir()) == []


def test_compose_error_names_template_line_cells_and_key(write_matrix: MatrixWriter) -> None:
    path = write_matrix("services:\n  app:\n    image: {{ image }}\n    secrets: [hf_token]\n")
    result = runner.invoke(app, ["render", str(path), "--out", str(path.parent / "out")])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "app.yaml.j2:4: every cell: services.app.secrets: secrets are not mounted" in result.stderr
    assert not (path.parent / "out").exists()


def test_every_problem_of_a_template_is_reported_at_once_in_plan_and_render(write_matrix: MatrixWriter) -> None:
    template = """services:
  app:
    image: {{ image }}
    scale: 3
    post_start: [{command: warmup}]
{%- if image == "a:2" %}
    volumes: [cache:/root/.cache]
{%- endif %}
    ports: ["${PORT:?set PORT to the port to publish}:8000"]
"""
    path = write_matrix(template)
    for command in ("plan", "render"):
        result = runner.invoke(
            app, [command, str(path), "--out", str(path.parent / "out")][: 2 if command == "plan" else 4]
        )
        assert result.exit_code == ExitCode.BAD_INPUT, result.output
        lines = result.stderr.strip().splitlines()
        assert all(line.startswith(f"bisect: {path.parent / 'app.yaml.j2'}:") for line in lines), lines
        assert len(lines) == 4, lines
        joined = "\n".join(lines)
        assert "app.yaml.j2:4: every cell: services.app.scale: 3: a cell runs one container" in joined
        assert "app.yaml.j2:5: every cell: services.app.post_start: lifecycle hooks are not run" in joined
        assert (
            "app.yaml.j2:7: cell image-a-2_" in joined
            and "services.app.volumes[0]: 'cache' is a named volume" in joined
        )
        assert (
            "app.yaml.j2:9: every cell: services.app.ports[0]: required variable PORT is missing a value: set PORT"
            in joined
        )
        assert "Traceback" not in result.output


def test_plan_says_once_which_variables_are_unset_and_which_keys_run_differently(write_matrix: MatrixWriter) -> None:
    template = """services:
  app:
    image: {{ image }}
    restart: unless-stopped
    environment:
      - GFX=${HSA_GFX}
  ui:
    build: ./ui
    environment: ["OPENAI_API_BASE_URL=${UI_BACKEND}"]
"""
    result = runner.invoke(app, ["plan", str(write_matrix(template, service="app"))], env={"HSA_GFX": ""})
    assert result.exit_code == 0, result.output
    assert "HSA_GFX" not in result.stderr
    result = runner.invoke(app, ["plan", str(write_matrix(template, service="app"))])
    assert result.exit_code == 0, result.output
    assert result.stderr.count('The "HSA_GFX" variable is not set. Defaulting to a blank string.') == 1
    assert "UI_BACKEND" not in result.stderr  # the ui service does not start
    assert result.stderr.count("services.app.restart: 'unless-stopped' runs as \"no\"") == 1


def test_unreachable_engine_exits_3(
    write_matrix: MatrixWriter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    result = runner.invoke(app, ["run", str(write_matrix()), "--results", str(tmp_path / "results")])
    assert result.exit_code == ExitCode.DOCKER_UNAVAILABLE
    assert "cannot reach the Docker engine" in result.stderr
    assert "Traceback" not in result.output
    assert list((tmp_path / "results").iterdir()) == []


def test_fail_on_an_unknown_outcome_is_a_usage_error(write_matrix: MatrixWriter) -> None:
    result = runner.invoke(app, ["run", str(write_matrix()), "--fail-on", "device-lost"])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stderr.startswith("bisect: --fail-on device-lost: unknown outcome; expected one of ready, crashed")


def test_an_unwritable_results_folder_is_one_line_exit_2(write_matrix: MatrixWriter, tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("a file, not a folder")
    result = runner.invoke(app, ["run", str(write_matrix()), "--results", str(blocker)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stderr.startswith(f"bisect: {blocker}/") and "cannot write: Not a directory" in result.stderr


def test_report_of_a_stored_run_by_id_prefix_or_latest(tmp_path: Path) -> None:
    make_run(tmp_path, run_id="20261120-100000-b50-aaaa")
    make_run(tmp_path, run_id="20261121-100000-b50-bbbb")
    by_prefix = runner.invoke(app, ["report", "20261120", "--results", str(tmp_path)])
    assert by_prefix.exit_code == ExitCode.OK, by_prefix.stderr
    assert "Run `20261120-100000-b50-aaaa`" in by_prefix.stdout
    latest = runner.invoke(app, ["report", "latest", "--results", str(tmp_path), "--format", "csv"])
    assert latest.stdout.splitlines()[0].startswith("image,tp,env,outcome,signature")
    out = tmp_path / "report.html"
    written = runner.invoke(
        app, ["report", str(tmp_path / "20261121-100000-b50-bbbb"), "--format", "html", "-o", str(out)]
    )
    assert written.exit_code == ExitCode.OK and out.read_text().startswith("<!doctype html>")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "nope"], "run 'nope': no run folder with that id under"),
        (["report", "2026112"], "run '2026112': matches 2 runs"),
        (["report", "latest", "--format", "pdf"], "--format pdf: expected one of md, json, csv, html"),
        (["report", "latest", "--rows", "gpu"], "--rows: unknown axis gpu; axes of this run are image, tp, env"),
        (["compare", "latest"], "compare takes two runs (RUN_A RUN_B) or one run and two values"),
        (["compare", "latest", "1.3", "1.4"], "compare takes two runs (RUN_A RUN_B) or one run and two values"),
        (["compare", "latest", "--axis", "image", "1.3", "9"], "'9' is not a value of image"),
        (["compare", "latest", "--axis", "gpu", "1.3", "1.4"], "--axis gpu: run 20261121-100000-b50-bbbb has no such"),
    ],
)
def test_report_and_compare_input_errors_are_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    make_run(tmp_path, run_id="20261120-100000-b50-aaaa")
    make_run(tmp_path, run_id="20261121-100000-b50-bbbb")
    result = runner.invoke(app, [*args, "--results", str(tmp_path)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_compare_fails_on_regression_only_when_asked(tmp_path: Path) -> None:
    make_run(tmp_path, run_id="20261120-100000-b50-aaaa")
    args = ["compare", "latest", "--axis", "image", "1.3", "intel/llm-scaler-vllm:1.4"]
    plain = runner.invoke(app, [*args, "--results", str(tmp_path)])
    assert plain.exit_code == ExitCode.OK and "### Regressions (ready → failure)" in plain.stdout
    gated = runner.invoke(app, [*args, "--fail-on-regression", "--results", str(tmp_path)])
    assert gated.exit_code == ExitCode.CELL_FAILED
    assert "2 regression(s)" in gated.stderr


def test_history_over_every_stored_run(tmp_path: Path) -> None:
    make_run(tmp_path, run_id="20261120-100000-b50-aaaa")
    make_run(tmp_path, run_id="20261121-100000-b50-bbbb")
    result = runner.invoke(app, ["history", "--axis", "image", "--results", str(tmp_path)])
    assert result.exit_code == ExitCode.OK
    rows = [line for line in result.stdout.splitlines() if line.startswith("| intel/")]
    assert len(rows) == 2 and all("| 2      |" in row for row in rows)
    empty = runner.invoke(app, ["history", "--results", str(tmp_path / "none")])
    assert empty.exit_code == ExitCode.BAD_INPUT


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--resume"], "--resume: no earlier run of matrix 'demo-b50-tp-regression' under"),
        (["20261120-100000-x"], "20261120-100000-x: a second argument names the run to --resume; add --resume"),
        (["--rerun", "device-lost"], "--rerun device-lost: unknown outcome; expected one of ready, crashed"),
        (["--wait-engine", "soon"], "--wait-engine: 'soon' is not a duration"),
    ],
)
def test_run_option_errors_are_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["run", str(ROOT / "matrices" / "demo.yaml"), *args, "--results", str(tmp_path)])
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_error_line_never_shows_a_secret_from_the_environment(
    write_matrix: MatrixWriter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secretvalue12345")
    path = write_matrix(timeout="hf_secretvalue12345")
    result = runner.invoke(app, ["plan", str(path)])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "timeout: '[masked:HF_TOKEN]' is not a duration" in result.stderr


def test_classify_explain_lists_every_match_and_why_the_winner_won(tmp_path: Path) -> None:
    log = tmp_path / "tp2.log"
    log.write_text(
        "(Worker_TP1 pid=686) ERROR [multiproc_executor.py:822] WorkerProc hit an exception.\n"
        "RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)\n"
        "RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}\n"
    )
    result = runner.invoke(app, ["classify", "--explain", str(log)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{log}:2: device_lost")
    assert "why: device_lost has the lowest rank (10) of the outcomes matched (engine_failed 90)" in lines[1]
    assert "a cause outranks it" in lines[1]
    assert any(line.startswith("  line 1: engine_failed rank 90 [vllm: WorkerProc hit an exception]") for line in lines)
    assert any("line 2: device_lost rank 10 [unified_runtime: UR_RESULT_ERROR_DEVICE_LOST]" in line for line in lines)
    document = json.loads(runner.invoke(app, ["classify", "--explain", "--format", "json", str(log)]).stdout)
    assert [m["outcome"] for m in document[0]["matches"]][:2] == ["engine_failed", "device_lost"]
    assert {m["family"] for m in document[0]["matches"]} >= {"vllm", "unified_runtime"}
