"""The streaming WCC equals the batch (Boker, trailing windows) result on the same data."""

from __future__ import annotations

import numpy as np
import pytest

from synchrony.engine.streaming import StreamingWcc
from synchrony.engine.wcc import windowed_xcorr


@pytest.mark.parametrize("resync_every", [None, 37])
def test_streaming_equals_batch_with_gaps(resync_every: int | None) -> None:
    rng = np.random.default_rng(0)
    a = np.cumsum(rng.normal(size=700))
    b = np.roll(a, 6) + rng.normal(size=700)
    a[100:112] = np.nan
    b[400:404] = np.nan
    stream = StreamingWcc(fs_hz=25, window_s=2, max_lag_s=1, resync_every=resync_every)
    rows = []
    for x, y in zip(a, b, strict=True):
        stream.push(x, y)
        if stream.ready:
            rows.append(stream.newest())
    batch = windowed_xcorr(a, b, fs_hz=25, window_s=2, step_s=0.04, max_lag_s=1,
                           method="boker")
    live = np.array(rows)
    # wcc's row count is floor((N - w - L) / inc): one window fewer than the stream has.
    assert len(live) == len(batch.r) + 1
    np.testing.assert_array_equal(np.isnan(live[:-1]), np.isnan(batch.r))
    np.testing.assert_allclose(live[:-1], batch.r, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(stream.lags_s, batch.lags_s)


def test_not_ready_until_window_and_lag_pushed() -> None:
    stream = StreamingWcc(fs_hz=10, window_s=2, max_lag_s=0.5)
    stream.extend(np.arange(24.0), np.arange(24.0))
    assert not stream.ready
    assert np.isnan(stream.newest()).all()
    stream.push(1.0, 2.0)
    assert stream.ready


def test_follower_gives_positive_lag() -> None:
    rng = np.random.default_rng(2)
    a = np.convolve(rng.normal(size=500), np.ones(5), mode="same")
    stream = StreamingWcc(fs_hz=25, window_s=4, max_lag_s=1)
    stream.extend(a, np.roll(a, 8))  # B follows A by 8 samples
    assert stream.lags_s[np.nanargmax(stream.newest())] == pytest.approx(8 / 25)


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="window_s must be > 0"):
        StreamingWcc(fs_hz=25, window_s=0, max_lag_s=1)
    with pytest.raises(ValueError, match="max_lag_s must be shorter than window_s"):
        StreamingWcc(fs_hz=25, window_s=1, max_lag_s=2)
