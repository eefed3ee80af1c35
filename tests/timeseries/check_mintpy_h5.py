#!/usr/bin/env python3
"""Reads orthotrack's MintPy-layout HDF5 back with h5py and checks datasets and attributes.
Usage: check_mintpy_h5.py timeseries.h5 velocity.h5 NDATE LENGTH WIDTH FIRST_DATE LAST_DATE"""
import sys

import h5py
import numpy as np

ts, vel, nd, L, W, d0, d1 = sys.argv[1:8]
nd, L, W = int(nd), int(L), int(W)


def attr(f, k):
    v = f.attrs[k]
    return v.decode() if isinstance(v, bytes) else str(v)


with h5py.File(ts, "r") as f:
    assert f["timeseries"].shape == (nd, L, W) and f["timeseries"].dtype == np.float32, f["timeseries"]
    assert f["date"].dtype.kind == "S" and f["date"].dtype.itemsize == 8, f["date"].dtype
    dates = [d.decode() for d in f["date"][:]]
    assert dates[0] == d0 and dates[-1] == d1 and len(dates) == nd, dates
    assert f["bperp"].shape == (nd,), f["bperp"].shape
    for k, v in {"FILE_TYPE": "timeseries", "UNIT": "m", "LENGTH": str(L), "WIDTH": str(W), "REF_DATE": d0,
                 "PROCESSOR": "orthotrack"}.items():
        assert attr(f, k) == v, (k, attr(f, k))
    assert "CONVENTIONS" in f.attrs
    data = f["timeseries"][:]
    assert np.all(data[0][np.isfinite(data[0])] == 0.0)
    # The C++ test writes value = date index + 0.001 * row + 1e-6 * col at every date > 0.
    k, r, c = nd - 1, L - 1, W - 2
    assert abs(data[k, r, c] - (k + 0.001 * r + 1e-6 * c)) < 1e-5, data[k, r, c]
    assert np.isnan(data[1, 0, 0])
with h5py.File(vel, "r") as f:
    assert f["velocity"].shape == (L, W) and f["velocityStd"].shape == (L, W)
    for k, v in {"FILE_TYPE": "velocity", "UNIT": "m/year", "START_DATE": d0, "END_DATE": d1,
                 "DATE12": d0 + "_" + d1, "LENGTH": str(L), "WIDTH": str(W)}.items():
        assert attr(f, k) == v, (k, attr(f, k))
    assert abs(f["velocity"][2, 3] - 2.5) < 1e-6 and abs(f["velocityStd"][2, 3] - 0.1) < 1e-6
print("mintpy h5 ok")
