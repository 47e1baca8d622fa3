"""The judge with a fake clock: every rule about when a cell has its verdict, in milliseconds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from harness.judge.judge import Judge, WatchRules
from harness.judge.signatures import BUILTIN_RULES, CRASHED, READY, TIMEOUT, builtin_ready_patterns
from harness.matrix.spec import HttpProbe

RULES = WatchRules(timeout=600.0, settle=5.0, signatures=BUILTIN_RULES, ready_patterns=tuple(builtin_ready_patterns()))
READY_LINE = "(APIServer pid=1) INFO:     Application startup complete."
DEVICE_LOST = "RuntimeError: level_zero backend failed with error: 20 (UR_RESULT_ERROR_DEVICE_LOST)"
WRAPPER = "RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}"
CUDA_OOM = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB."


def judge_of(events: list[tuple[float, str]], rules: WatchRules = RULES, exit_code: int | None = None) -> Judge:
    """Feed timed lines (or `exit`), ticking the clock before each as a backend does."""
    judge = Judge(rules, started=0.0)
    for now, line in events:
        judge.tick(now)
        if judge.done:
            break
        if line == "exit":
            judge.exit(exit_code, now)
        else:
            judge.feed(line, now)
    return judge


def test_a_failure_is_final_only_once_the_settle_window_has_passed() -> None:
    judge = judge_of([(1.0, WRAPPER)])
    assert not judge.done and judge.wake_at() == pytest.approx(6.0)
    judge.tick(5.9)
    assert not judge.done
    judge.tick(6.0)
    assert judge.done and judge.verdict(6.0).outcome == "engine_failed"
    assert judge.verdict(6.0).seconds == pytest.approx(1.0)


@pytest.mark.parametrize("order", [(DEVICE_LOST, WRAPPER), (WRAPPER, DEVICE_LOST)])
def test_the_root_cause_wins_over_a_wrapper_in_the_window_in_either_order(order: tuple[str, str]) -> None:
    judge = judge_of([(1.0, order[0]), (3.0, order[1]), (7.0, "later")])
    assert judge.done and judge.verdict(7.0).outcome == "device_lost"


def test_a_cause_printed_after_the_window_closed_does_not_count() -> None:
    judge = judge_of([(1.0, WRAPPER), (6.5, DEVICE_LOST)])
    assert judge.verdict(6.5).outcome == "engine_failed"


def test_ready_then_an_exit_within_the_window_is_a_crash() -> None:
    judge = judge_of([(10.0, READY_LINE), (12.0, "exit")], exit_code=137)
    assert judge.done and judge.verdict(12.0).outcome == CRASHED
    assert judge.verdict(12.0).held_ready and judge.verdict(12.0).exit_code == 137


def test_ready_then_a_failure_within_the_window_is_the_failure() -> None:
    judge = judge_of([(10.0, READY_LINE), (11.0, CUDA_OOM), (20.0, "later")])
    assert judge.verdict(20.0).outcome == "oom"


def test_ready_that_holds_for_the_window_is_ready_and_keeps_no_tail() -> None:
    judge = judge_of([(10.0, READY_LINE), (15.0, "a request")])
    verdict = judge.verdict(15.0)
    assert verdict.outcome == READY and verdict.tail == [] and verdict.seconds == pytest.approx(10.0)


def test_a_weak_ready_line_taken_back_in_the_window_reopens_the_wait() -> None:
    listening = "0810 16:46:35 ds4-server: listening on http://127.0.0.1:8000"
    judge = judge_of([(10.0, listening), (12.0, "ds4-server: error: unable to open metal device")])
    assert not judge.done and judge.settle_end is None and not judge.log_ready
    judge.tick(15.0)
    assert not judge.done
    answered = '127.0.0.1 - - [18/Apr/2026 21:39:04] "POST /v1/chat/completions HTTP/1.1" 200 -'
    judge = judge_of([(10.0, listening), (12.0, "main: loading model"), (30.0, answered), (35.0, "later")])
    assert judge.done and judge.verdict(35.0).outcome == READY and judge.verdict(35.0).seconds == pytest.approx(30.0)


def test_a_weak_ready_line_is_held_longer_and_a_late_model_load_still_takes_it_back() -> None:
    """BentoML announces its listener, then vLLM builds its engine for minutes (tune/bentoml-r305)."""
    listening = (
        '2024-03-28T06:18:20+0000 [INFO] [cli] Starting production HTTP BentoServer from "service2:VLLM" listening on'
        " http://localhost:3000 (Press CTRL+C to quit)"
    )
    engine = "INFO 03-28 06:18:27 llm_engine.py:87] Initializing an LLM engine with config: model='/models/leo-70b'"
    judge = judge_of([(10.0, listening), (16.0, "a line"), (40.0, engine), (120.0, CUDA_OOM), (130.0, "later")])
    assert judge.done and judge.verdict(130.0).outcome == "oom"
    held = judge_of([(10.0, listening), (69.0, "a line")])
    assert not held.done and held.holding_weak
    held.tick(70.0)
    assert held.done and held.verdict(70.0).outcome == READY
    strong_after = judge_of([(10.0, listening), (20.0, READY_LINE), (25.0, "later")])
    assert strong_after.done and strong_after.verdict(25.0).outcome == READY


def test_no_verdict_before_the_timeout_is_a_timeout_that_says_what_was_missing() -> None:
    judge = judge_of([(1.0, "loading weights"), (600.0, "still loading")])
    verdict = judge.verdict(600.0)
    assert judge.done and verdict.outcome == TIMEOUT and verdict.reason == "no ready line within 10m00s"
    assert verdict.tail == ["loading weights"]


def test_an_exit_without_a_signature_is_a_crash_and_closes_the_cell_at_once() -> None:
    judge = judge_of([(2.0, "Segmentation fault"), (2.5, "exit")], exit_code=139)
    assert judge.done and judge.verdict(2.5).outcome == CRASHED


def test_ready_needs_the_http_probe_too_when_the_matrix_asks_for_it() -> None:
    rules = replace(RULES, http=HttpProbe(port=8000, path="/health"))
    judge = judge_of([(5.0, READY_LINE)], rules)
    assert judge.wants_probe and judge.settle_end is None
    judge.probe(False, 6.0)
    assert judge.next_probe == pytest.approx(7.0) and judge.settle_end is None
    judge.probe(True, 7.0)
    assert not judge.wants_probe and judge.settle_end == pytest.approx(12.0)
    judge.tick(12.0)
    assert judge.verdict(12.0).outcome == READY


def test_a_probe_that_never_answers_is_named_in_the_timeout_reason() -> None:
    rules = replace(RULES, http=HttpProbe(port=8000, path="/health"), ready_patterns=())
    judge = Judge(rules, 0.0)
    judge.probe(False, 1.0)
    judge.tick(600.0)
    assert judge.verdict(600.0).reason == "GET /health on port 8000 never answered 2xx within 10m00s"


@pytest.mark.parametrize(("exit_code", "outcome"), [(0, READY), (2, CRASHED)])
def test_ready_as_an_exit_code(exit_code: int, outcome: str) -> None:
    rules = replace(RULES, ready_exit_code=0, ready_patterns=())
    judge = judge_of([(1.0, "benchmark done"), (2.0, "exit")], rules, exit_code=exit_code)
    assert judge.verdict(2.0).outcome == outcome


def test_a_failure_beats_a_matching_exit_code() -> None:
    rules = replace(RULES, ready_exit_code=0, ready_patterns=())
    judge = judge_of([(1.0, DEVICE_LOST), (2.0, "exit")], rules, exit_code=0)
    assert judge.verdict(2.0).outcome == "device_lost"


def test_lines_after_the_verdict_are_ignored() -> None:
    judge = judge_of([(1.0, READY_LINE), (6.0, "tick")])
    judge.feed(DEVICE_LOST, 7.0)
    assert judge.verdict(7.0).outcome == READY


GENERAL_OOM = "ERROR: backend init failed: not enough video memory to continue"


def test_the_general_vocabulary_never_ends_a_running_cell_but_names_the_crash() -> None:
    judge = judge_of([(1.0, GENERAL_OOM), (2.0, "still loading")])
    assert not judge.done and judge.wake_at() == RULES.timeout
    judge.exit(1, 3.0)
    verdict = judge.verdict(3.0)
    assert verdict.outcome == "oom" and verdict.guessed and verdict.failure is not None
    assert verdict.failure.line == GENERAL_OOM


def test_the_general_vocabulary_is_not_read_after_the_ready_line() -> None:
    judge = judge_of([(1.0, READY_LINE), (2.0, GENERAL_OOM), (3.0, "exit")], exit_code=1)
    assert judge.verdict(3.0).outcome == CRASHED


def test_a_cause_in_the_general_vocabulary_outranks_a_tables_wrapper() -> None:
    judge = judge_of([(1.0, "ImportError: Numba needs NumPy 2.2 or less. Got NumPy 2.4."), (2.0, WRAPPER)])
    judge.tick(8.0)
    assert judge.done and judge.verdict(8.0).outcome == "config_error"


def test_an_exit_code_that_means_ready_is_not_overruled_by_the_general_vocabulary() -> None:
    rules = replace(RULES, ready_exit_code=0, ready_patterns=())
    judge = judge_of([(1.0, GENERAL_OOM), (2.0, "exit")], rules=rules, exit_code=0)
    assert judge.verdict(2.0).outcome == READY


def test_a_voided_ready_line_reopens_the_cell_and_its_exit_is_a_crash() -> None:
    warmup_failed = "Initialization failed. warmup error: Traceback (most recent call last):"
    judge = judge_of([(1.0, READY_LINE), (2.0, warmup_failed)])
    assert not judge.done and judge.wake_at() == RULES.timeout
    judge.tick(10.0)
    assert not judge.done
    judge.exit(1, 11.0)
    assert judge.verdict(11.0).outcome == CRASHED
