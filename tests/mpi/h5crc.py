"""Recompute the crc32c column of every finished row of an hsweep results
file (README "The results file"), for tests that edit rows with h5py on
purpose: python3 h5crc.py FILE."""
import sys

import h5py

POLY = 0x82F63B78  # CRC-32C, reflected
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(crc, data):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def main(path):
    with h5py.File(path, "r+") as f:
        for s in [k for k in f if "tasks" in f[k]]:
            d = f[s + "/tasks"]
            t = d[:]
            if "crc32c" not in t.dtype.names:
                continue
            names = f[s].attrs.get("trace_names")
            names = [] if names is None or isinstance(names, h5py.Empty) else list(names)
            traces = [f[s + "/traces/" + n][:] for n in names]
            for i in range(len(t)):
                if t["status"][i] == 0:
                    continue
                t["crc32c"][i] = 0
                c = crc32c(0, t[i].tobytes())
                for tr in traces:
                    c = crc32c(c, tr[i].astype("<f8").tobytes())
                t["crc32c"][i] = c
            d[:] = t


if __name__ == "__main__":
    main(sys.argv[1])
