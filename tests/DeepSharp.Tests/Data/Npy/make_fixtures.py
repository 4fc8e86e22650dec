"""Writes the .npy fixtures of NpyFileTests with NumPy's own writer (np.save / format.write_array).

Run from this folder: python3 make_fixtures.py (made with NumPy 1.24.2). The files are checked in,
so the tests need no Python; rerunning with another NumPy may change padding bytes, never values.
"""
import numpy as np
from numpy.lib import format as npformat

def save(name, array, version=None):
    with open(name, "wb") as f:
        npformat.write_array(f, array, version=version, allow_pickle=False)

save("f4_2x3.npy", (np.arange(6, dtype="<f4").reshape(2, 3) * 0.5 - 1))      # -1, -0.5, 0, 0.5, 1, 1.5
save("f8_3.npy", np.array([0.1, -2.5, 1e30], dtype="<f8"))                     # narrowed to float32
save("i4_2x2.npy", np.array([[1, -2], [2147483647, -2147483648]], dtype="<i4"))
save("i8_4.npy", np.array([0, -1, 2147483647, -2147483648], dtype="<i8"))       # all fit int32
save("u1_2x2x2.npy", np.array([0, 1, 127, 128, 200, 254, 255, 7], dtype="u1").reshape(2, 2, 2))
save("i1_3.npy", np.array([-128, 0, 127], dtype="i1"))
save("f4_scalar.npy", np.array(3.5, dtype="<f4"))                               # shape ()
save("f4_0x3.npy", np.zeros((0, 3), dtype="<f4"))                               # no elements
save("f4_v2.npy", np.array([[1, 2], [3, 4]], dtype="<f4"), version=(2, 0))
save("f4_v3.npy", np.array([[1, 2], [3, 4]], dtype="<f4"), version=(3, 0))
# Refused, each with its own message:
save("f4_fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
save("f4_big_endian.npy", np.array([1, 2], dtype=">f4"))
save("i8_too_large.npy", np.array([1, 2147483648], dtype="<i8"))
save("f2_half.npy", np.array([1, 2], dtype="<f2"))
