from __future__ import annotations

import pytest

from harness.judge.signatures import CRASHED, READY, TIMEOUT, Match
from harness.judge.verdict import Observation, decide

DEVICE_LOST = Match("device_lost", 10, 31, "RuntimeError: ... UR_RESULT_ERROR_DEVICE_LOST")


@pytest.mark.parametrize(
    ("seen", "outcome"),
    [
        (Observation(failure=DEVICE_LOST, ready=False, exited=True, exit_code=1, timed_out=False), "device_lost"),
        (Observation(failure=DEVICE_LOST, ready=False, exited=False, exit_code=None, timed_out=True), "device_lost"),
        (Observation(failure=None, ready=True, exited=False, exit_code=None, timed_out=False), READY),
        # the ready line followed by an exit within the settle window is a crash
        (Observation(failure=None, ready=True, exited=True, exit_code=137, timed_out=False), CRASHED),
        (Observation(failure=None, ready=False, exited=True, exit_code=0, timed_out=False), CRASHED),
        (Observation(failure=None, ready=False, exited=False, exit_code=None, timed_out=True), TIMEOUT),
        (Observation(failure=None, ready=False, exited=True, exit_code=0, timed_out=False, ready_exit_code=0), READY),
        (Observation(failure=None, ready=False, exited=True, exit_code=2, timed_out=False, ready_exit_code=0), CRASHED),
        (
            Observation(failure=DEVICE_LOST, ready=False, exited=True, exit_code=0, timed_out=False, ready_exit_code=0),
            "device_lost",
        ),
    ],
)
def test_decide(seen: Observation, outcome: str) -> None:
    assert decide(seen) == outcome
