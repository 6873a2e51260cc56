"""The one reader of user files: every failure names the file, and the line and field it can."""

import pytest

from vero.kernel.errors import VeroError
from vero.kernel.files import csv_rows, interval_fields, read_yaml


def test_csv_rows_strip_values_and_number_lines(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,name\na1 , Ani \nb2,Budi\n", encoding="utf-8")
    assert list(csv_rows(path, ("id",))) == [
        (2, {"id": "a1", "name": "Ani"}),
        (3, {"id": "b2", "name": "Budi"}),
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name\nAni\n", "a.csv:1 field 'id': missing column(s) id"),
        ("id\na1,extra\n", "a.csv:2: more values than columns"),
        ("id\n", "a.csv: no rows"),
        (b"\xff\xfe\x00", "a.csv:1: not UTF-8 text (byte 0xff); save the file as UTF-8"),
        (
            "id\na1\nCaf\xe9\n".encode("latin-1"),
            "a.csv:3: not UTF-8 text (byte 0xe9); save the file as UTF-8",
        ),
        ("id\n" + "x" * 200_000 + "\n", "a.csv:2: a field is longer than 131,072 characters"),
        ("", "a.csv:1: empty file (no header row)"),
    ],
)
def test_csv_rows_errors(tmp_path, content, expected):
    path = tmp_path / "a.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(VeroError) as info:
        list(csv_rows(path, ("id",)))
    assert info.value.one_line().endswith(expected)


def test_empty_tables_may_be_allowed(tmp_path):
    path = tmp_path / "pins.csv"
    path.write_text("agent,date,start\n", encoding="utf-8")
    assert list(csv_rows(path, ("agent",), allow_empty=True)) == []


def test_read_yaml_names_the_line(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb: [unclosed\n", encoding="utf-8")
    with pytest.raises(VeroError) as info:
        read_yaml(path)
    assert "x.yaml:" in info.value.one_line() and "not valid YAML" in info.value.one_line()
    with pytest.raises(VeroError, match="cannot read"):
        read_yaml(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("start", "minutes", "field"),
    [
        ("2026-11-30 08:00", "30", "interval_start"),  # no UTC offset
        ("yesterday", "30", "interval_start"),
        ("2026-11-30T08:00:00+07:00", "7", "interval_minutes"),  # does not divide a day
        ("2026-11-30T08:00:00+07:00", "half", "interval_minutes"),
    ],
)
def test_interval_fields_errors(tmp_path, start, minutes, field):
    with pytest.raises(VeroError) as info:
        interval_fields({"interval_start": start, "interval_minutes": minutes}, tmp_path, 4)
    assert info.value.line == 4 and info.value.field == field


def test_a_byte_order_mark_is_tolerated(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("id\na1\n".encode("utf-8-sig"))
    assert list(csv_rows(path, ("id",))) == [(2, {"id": "a1"})]
    yaml_path = tmp_path / "bom.yaml"
    yaml_path.write_bytes("a: 1\n".encode("utf-8-sig"))
    assert read_yaml(yaml_path) == {"a": 1}


def test_yaml_nested_too_deeply_is_one_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 5_000 + "]" * 5_000, encoding="utf-8")
    with pytest.raises(VeroError, match="deep.yaml: not valid YAML: nested too deeply"):
        read_yaml(path)
