from __future__ import annotations

import pytest

from harness.units import format_seconds, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("20m", 1200), ("1h30m", 5400), ("500ms", 0.5), ("1.5s", 1.5), (45, 45), ("45", 45)],
)
def test_durations_people_write(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["ten minutes", "20 m", "m20", "", True, -1, "20x"])
def test_nonsense_durations_are_rejected(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_format_seconds_is_short() -> None:
    assert format_seconds(4.25) == "4.2s"
    assert format_seconds(125) == "2m05s"
    assert format_seconds(7260) == "2h01m"
