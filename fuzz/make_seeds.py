#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (fuzz/corpus/<target>/), small synthetic inputs built
from the documented formats (no real data). Run from anywhere: python3 fuzz/make_seeds.py."""
import json
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(name, data):
    path = os.path.join(HERE, "corpus", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- scene JSON and stack TOML -------------------------------------------------------------
def scene(sid, platform, start="2020-01-05T12:00:00.000000000", doppler=None):
    r, w = 7.071e6, 7300.0 / 7.071e6
    svs = []
    for k in range(16):
        t = -60.0 + 10.0 * k
        a = w * t
        sec = 60 + int(t)  # 11:59:00 + 10 s steps
        hh, mm, ss = 11 + (sec // 60 + 59) // 60, (sec // 60 + 59) % 60, sec % 60
        svs.append({"time": "%sT%02d:%02d:%02d" % (start[:10], hh, mm, ss),
                    "position": [r * math.cos(a), 0.0, r * math.sin(a)],
                    "velocity": [-r * w * math.sin(a), 0.0, r * w * math.cos(a)]})
    j = {"orthotrack_scene": 1, "id": sid, "platform": platform, "polarization": "HH",
         "image": {"path": sid + ".tif", "band": 1, "kind": "slc"},
         "radar_grid": {"sensing_start": start, "azimuth_time_interval": 0.0005, "starting_range": 850000.0,
                        "range_pixel_spacing": 4.68, "wavelength": 0.236, "look_side": "right",
                        "length": 40, "width": 30},
         "range_bandwidth_hz": 28000000, "calibration_constant_db": -83.0,
         "orbit": {"state_vectors": svs}}
    if doppler is not None:
        j["doppler"] = doppler
    return json.dumps(j, indent=1)


put("scene_json/plain.json", scene("A1", "PALSAR-1"))
put("scene_json/doppler_constant.json", scene("A2", "PALSAR-1", doppler={"constant_hz": 12.5}))
put("scene_json/doppler_lut.json", scene("B1", "PALSAR-2", doppler={
    "range_start": 849000.0, "range_spacing": 100.0, "time_start": "2020-01-05T11:59:59",
    "time_spacing": 0.5, "shape": [2, 3], "values": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}))

put("stack_toml/minimal.toml", '[stack]\ndem = "dem.tif"\nscenes = ["a.json", "b.json"]\n')
put("stack_toml/full.toml", '''# a stack with every [stack] key and processing sections
[stack]
name = "fuzz"
dem = "dem.tif"
output = "run"
precipitation = "rain.csv"
truth = "truth"
scenes = ["a.json", "b.json"]

[coreg]
method = "improved"
resample_taps = 16

[network]
min_temporal_baseline_days = { "PALSAR-1" = 300, "PALSAR-2" = 70 }
bridge_scenes = 3

[offsets]
windows = [64, 96, 128]
step = 16
min_snr = 4.0
mask_layover_shadow = "cross"

[analysis]
points = [{ name = "P1", lon = 98.69, lat = 31.08 }]
point_radius_m = 0.0
''')
put("stack_toml/dates.toml", '[stack]\ndem = "dem.tif"\nscenes = ["b.json"]\n[x]\nwhen = 2020-01-01T00:00:00Z\nday = 2020-01-01\n"quoted key" = nan\n')

# ---- precipitation CSV and GeoJSON -----------------------------------------------------------
put("precip_csv/monthly.csv", "date,precip_mm\n2017-01,12.5\n2017-02,0\n2017-03,NA\n2017-04,40.25\n")
put("precip_csv/year_month.csv", "# station export\nyear;month;value\n2016;11;3.5\n2016;12;-9999\n2017;Jan;8\n")
put("precip_csv/daily.csv", "time\tprecipitation\n2017-01-30T00:00:00\t1.0\n2017-01-31\t2.0\n2017-02-01\t0.5\n")
put("geojson/polygon.geojson", json.dumps({"type": "Polygon", "coordinates": [
    [[98.65, 31.05], [98.72, 31.05], [98.72, 31.12], [98.65, 31.12], [98.65, 31.05]],
    [[98.68, 31.08], [98.69, 31.08], [98.69, 31.09], [98.68, 31.08]]]}))
put("geojson/collection.geojson", json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "slide"}, "geometry": {"type": "MultiPolygon", "coordinates": [
        [[[98.6, 31.0], [98.8, 31.0], [98.8, 31.2], [98.6, 31.0]]],
        [[[98.61, 31.01], [98.62, 31.01, 3000.0], [98.62, 31.02], [98.61, 31.01]]]]}}]}))

# ---- CEOS leader and Level 1.1 image ---------------------------------------------------------
def record(seq, type_code, length, sub=(11, 18, 18)):
    b = bytearray(b" " * length)
    b[0:12] = struct.pack(">IBBBBI", seq, sub[0], type_code, sub[1], sub[2], length)
    return b


def text(b, a, s):  # 1-based byte position a
    b[a - 1:a - 1 + len(s)] = s.encode()


def e22(v):
    return "%22.15E" % v


def leader(points=5, inertial=False):
    fd = record(1, 192, 720, (63, 18, 18))
    text(fd, 17, "CEOS-SAR    ")
    text(fd, 181, "%6d%6d" % (1, 1854))
    text(fd, 205, "%6d%6d" % (1, 386 + 132 * points))
    text(fd, 217, "%6d%6d" % (0, 0))
    dss = record(2, 10, 1854)
    text(dss, 21, "FUZZ0001        ")
    text(dss, 69, "20140909043347052".ljust(32))
    text(dss, 117, "%16.7f%16.7f" % (31.08, 98.69))
    text(dss, 397, "ALOS2".ljust(16))
    text(dss, 413, "ALOS2 -L -0315-".ljust(32))
    text(dss, 477, "%8.3f%8.3f" % (90.0, 38.5))
    text(dss, 501, "%16.7f" % 0.2290)
    text(dss, 711, "%16.7f%16.7f%16.7f" % (34.285, 60.0, 35.0))
    text(dss, 935, "%16.7f" % 2122318.0)
    text(dss, 1095, "1.1".rjust(16) + "STANDARD SLC".ljust(32))
    text(dss, 1175, "%16.7f%16.7f" % (1.0, 1.0))
    text(dss, 1239, "%16.7f%16.7f" % (1600.0, 28000.0))
    text(dss, 1687, "%16.7f%16.7f" % (2.5, 4.3))
    text(dss, 1735, "%16.7f%16.7f" % (35.0, -0.001))
    text(dss, 1839, "%16.7f" % 32.5)
    ppd = record(3, 30, 386 + 132 * points)
    text(ppd, 141, "%4d%4d%4d%4d" % (points, 2014, 9, 9))
    text(ppd, 161, "%22.15E%22.15E" % (16400.0, 60.0))
    text(ppd, 205, ("INERTIAL" if inertial else "ECR").ljust(64))
    text(ppd, 269, "%22.15E" % 123.4)
    r, om = 7.071e6, 7300.0 / 7.071e6
    for k in range(points):
        a = om * 60.0 * k
        vals = [r * math.cos(a), 0.0, r * math.sin(a), -r * om * math.sin(a), 0.0, r * om * math.cos(a)]
        text(ppd, 387 + 132 * k, "".join(e22(v) for v in vals))
    rad = record(4, 50, 1000)
    text(rad, 21, "%16.7f" % -83.0)
    return bytes(fd + dss + ppd + rad)


put("ceos_leader/alos2_l11.led", leader())
put("ceos_leader/inertial.led", leader(points=8, inertial=True))


def image(lines=3, width=2, palsar2=True):
    prefix, rec = 412, 412 + 8 * width
    fd = record(1, 192, 720, (50, 18, 18))
    text(fd, 13, "A ")
    text(fd, 17, "CEOS-SAR    ")
    text(fd, 181, "%6d%6d" % (lines, rec))
    text(fd, 217, "  32   2   8")
    text(fd, 237, "%8d   0%8d   0   0   0BSQ  1 1" % (lines, width))
    text(fd, 277, "%4d%8d   0" % (prefix, 8 * width))
    text(fd, 401, "COMPLEX*8".ljust(28) + "C*8 ")
    out = bytearray(fd)
    ms0 = 16427052  # 04:33:47.052 of 2014-09-09, day 252
    for i in range(lines):
        r = bytearray(rec)
        r[0:12] = struct.pack(">IBBBBI", i + 2, 50, 10, 18, 20, rec)
        ms = ms0 + int(i / 2.122318)
        struct.pack_into(">IIIII", r, 12, i + 1, i + 1, 0, width, 0)
        struct.pack_into(">III", r, 36, 2014, 252, ms)
        struct.pack_into(">I", r, 56, 2122318)
        struct.pack_into(">Q", r, 84, ms * 1000 + 250)
        struct.pack_into(">I", r, 116, 850123)
        for j in range(width):
            struct.pack_into(">ff", r, prefix + 8 * j, i + 0.25 * j, -0.5 * j)
        out += r
    return bytes([1 if palsar2 else 0]) + bytes(out)


put("ceos_image/palsar2.img", image())
put("ceos_image/palsar1.img", image(lines=4, width=3, palsar2=False))

# ---- structured inputs: orbit, NISAR --------------------------------------------------------
put("orbit/zeros.bin", bytes(64))
put("orbit/eight.bin", bytes([8, 0x10, 0x27, 0, 0] + [0, 10, 0] * 8 + [4, 0, 1, 128, 0, 1, 1, 1]))
put("nisar_hdf5/valid.bin", bytes(8))
put("nisar_hdf5/modes.bin", bytes(range(1, 120)))
