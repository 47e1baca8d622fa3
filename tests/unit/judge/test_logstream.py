from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from harness.judge.logstream import CUT_MARK, CappedLog, LineSplitter


def split_all(chunks: list[bytes], limit: int = 64) -> list[str]:
    splitter = LineSplitter(limit)
    lines = [line for chunk in chunks for line in splitter.feed(chunk)]
    return lines + splitter.flush()


def test_lines_across_chunks_and_carriage_returns() -> None:
    assert split_all([b"loading 1", b"0%\rloading 100%\r\nready\nla", b"st"]) == [
        "loading 10%\rloading 100%",
        "ready",
        "last",
    ]


def test_a_long_line_keeps_its_start_and_its_end_and_line_numbers_stay_right() -> None:
    bar = b"".join(b"\rLoading shards: %3d%%" % pct for pct in range(101))
    lines = split_all([b"x" * 50, b"x" * 50, bar, b"\rRuntimeError: DEVICE_LOST\nnext\n"], limit=64)
    whole = (b"x" * 100 + bar + b"\rRuntimeError: DEVICE_LOST").decode()
    assert lines == [whole[:64] + CUT_MARK + whole[-64:], "next"]
    assert lines[0].endswith("\rRuntimeError: DEVICE_LOST")


def test_binary_data_decodes_with_replacement() -> None:
    assert split_all([b"\x00\xff\xfe ok\n"]) == ["\x00\ufffd\ufffd ok"]


@given(st.lists(st.binary(max_size=40), max_size=20), st.integers(min_value=1, max_value=30))
def test_lines_match_the_stream_split_on_newlines(chunks: list[bytes], limit: int) -> None:
    data = b"".join(chunks)
    expected = []
    for raw in data.split(b"\n")[: data.count(b"\n")] + (
        [data.rsplit(b"\n", 1)[-1]] if not data.endswith(b"\n") and data.rsplit(b"\n", 1)[-1] else []
    ):
        if len(raw) > limit:
            head, tail = raw[:limit], raw[limit:][-limit:]
            expected.append(
                head.decode("utf-8", "replace").rstrip("\r") + CUT_MARK + tail.decode("utf-8", "replace").rstrip("\r")
            )
        else:
            expected.append(raw.decode("utf-8", "replace").rstrip("\r"))
    assert split_all(chunks, limit) == expected


def test_an_uncapped_log_keeps_everything(tmp_path: Path) -> None:
    log = CappedLog(tmp_path / "app.log", None)
    for _ in range(10):
        log.write(b"0123456789")
    log.close()
    assert (tmp_path / "app.log").read_bytes() == b"0123456789" * 10
    assert log.cut == 0


def test_a_capped_log_keeps_head_and_latest_tail_and_says_what_was_cut(tmp_path: Path) -> None:
    log = CappedLog(tmp_path / "app.log", 40)
    data = b"".join(f"{i:03d}\n".encode() for i in range(100))
    for offset in range(0, len(data), 7):
        log.write(data[offset : offset + 7])
    log.close()
    stored = (tmp_path / "app.log").read_bytes()
    head, _, tail = stored.partition(f"\n…[{log.cut} bytes cut by log_limit]…\n".encode())
    assert head == data[:20]
    assert data.endswith(tail) and 10 <= len(tail) <= 20
    assert log.cut == len(data) - len(head) - len(tail)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.log"]
