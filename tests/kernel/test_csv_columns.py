"""The one rule of Vero's CSV columns: timestamps Excel reads (local and UTC) beside the ISO key,
figures rounded."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pandas as pd

from vero.kernel.csv_columns import readable, write_frame

JAKARTA = ZoneInfo("Asia/Jakarta")


def test_timestamps_get_local_and_utc_columns_that_parse():
    starts = [
        dt.datetime(2026, 11, 30, 8, tzinfo=JAKARTA),
        dt.datetime(2026, 11, 30, 23, 30, tzinfo=JAKARTA),
    ]
    for column in (starts, [t.isoformat() for t in starts], pd.Series(pd.DatetimeIndex(starts))):
        frame = readable(pd.DataFrame({"interval_start": column, "group": ["a", "b"]}))
        assert list(frame.columns) == [
            "interval_start_local",
            "interval_start_utc",
            "interval_start",
            "group",
        ]
        local = pd.to_datetime(frame["interval_start_local"], format="%Y-%m-%d %H:%M")
        utc = pd.to_datetime(frame["interval_start_utc"], format="%Y-%m-%d %H:%M")
        assert list(local) == [pd.Timestamp("2026-11-30 08:00"), pd.Timestamp("2026-11-30 23:30")]
        assert list(utc) == [pd.Timestamp("2026-11-30 01:00"), pd.Timestamp("2026-11-30 16:30")]
        assert frame["interval_start"].iloc[0] == "2026-11-30T08:00:00+07:00"  # the readers' key


def test_figures_are_rounded_for_people():
    frame = pd.DataFrame(
        {
            "wape": [0.123456789012345, 0.5],
            "asa_seconds": [12.3456789, 1.0],
            "required_agents": [3.0, 4.0],
            "contacts": [10, 12],
            "model": ["mstl", "weekday_mean"],
            "date": ["2026-11-30", "2026-12-01"],  # a date stays a date
        }
    )
    out = io.StringIO()
    write_frame(frame, out)
    assert out.getvalue().splitlines() == [
        "wape,asa_seconds,required_agents,contacts,model,date",
        "0.1235,12.3,3,10,mstl,2026-11-30",
        "0.5,1.0,4,12,weekday_mean,2026-12-01",
    ]
