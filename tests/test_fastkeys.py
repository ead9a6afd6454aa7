"""The Arrow fast paths give exactly what plain pandas gives, for strings and for everything else."""

import numpy as np
import pandas as pd
import pytest

from cpanalysis import fastkeys

KEYS = pd.Series(["A1", "B2", None, "C3", "A1", "Z9"], dtype="string", index=[10, 11, 12, 13, 14, 15])


@pytest.mark.parametrize("values", [
    ["A1", "C3"], {"A1", "C3", None}, np.array(["A1", "C3", np.nan], dtype=object),
    pd.Series(["C3", "A1"], dtype="string"), pd.Index(["A1", "C3"]), [], set(),
])
def test_is_in_matches_pandas(values):
    got = fastkeys.is_in(KEYS, values)
    want = pd.Series([True, False, False, True, True, False], index=KEYS.index)
    if not len(values):
        want[:] = False
    pd.testing.assert_series_equal(got, want)


def test_is_in_object_keys_and_numbers():
    keys = pd.Series(["A1", np.nan, "B2"], dtype=object)
    assert fastkeys.is_in(keys, ["B2"]).tolist() == [False, False, True]
    nums = pd.Series([1, 2, 3])
    assert fastkeys.is_in(nums, [3, 1]).tolist() == [True, False, True]


def test_lookup_strings_dates_and_missing():
    dates = pd.Series(pd.to_datetime(["2024-04-01", "2025-03-31"]), index=pd.Index(["A1", "C3"], dtype="string"))
    got = fastkeys.lookup(KEYS, dates)
    assert got.index.tolist() == KEYS.index.tolist()
    assert got.dtype == dates.dtype
    assert got.tolist()[0] == pd.Timestamp("2024-04-01") and got.tolist()[3] == pd.Timestamp("2025-03-31")
    assert got.isna().tolist() == [False, True, True, False, False, True]


def test_lookup_last_duplicate_wins_and_numbers():
    m = pd.Series([1.0, 2.0, 3.0], index=["A1", "A1", "B2"])
    assert fastkeys.lookup(KEYS, m).tolist()[:2] == [2.0, 3.0]
    by_int = pd.Series(["x", "y"], index=[5, 7], dtype="string")
    got = fastkeys.lookup(pd.Series([7, 6, 5]), by_int)
    assert got.tolist()[0] == "y" and pd.isna(got.iloc[1]) and got.iloc[2] == "x"


def test_lookup_empty_mapping_gives_missing():
    got = fastkeys.lookup(KEYS, pd.Series([], dtype="float64", index=pd.Index([], dtype="string")))
    assert got.isna().all() and len(got) == len(KEYS)


def test_date_labels():
    s = pd.Series(pd.to_datetime(["2024-04-01", None, "2024-04-01", "2025-12-31"]))
    assert fastkeys.date_labels(s).tolist() == ["01/04/2024", "", "01/04/2024", "31/12/2025"]
    assert fastkeys.date_labels(pd.Series([], dtype="datetime64[ns]")).tolist() == []
