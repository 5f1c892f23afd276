# Writes the .npy files NumPyTests reads (run from this folder: python3 make.py).
# They are checked in, so the tests need no NumPy; this records how they were made.
import numpy as np
from numpy.lib import format

np.save("images-u1.npy", (np.arange(12, dtype=np.uint8) * 20).reshape(3, 1, 2, 2))
np.save("labels-i8.npy", np.array([2, 0, -1], dtype=np.int64))
np.save("maps-i4.npy", np.array([[[0, 1], [1, 2]], [[2, 2], [0, 0]], [[1, -1], [-1, 0]]], dtype=np.int32))
np.save("targets-f8.npy", np.array([[0.5, -1], [2.25, 3], [1e-300, -0.0]], dtype=np.float64))
np.save("fortran-f8.npy", np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float64)))
np.save("fortran3-f4.npy", np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4)))
np.save("big-f4.npy", np.array([[0.5, -1.25], [3, 1e-3]], dtype=">f4"))
np.save("big-i2.npy", np.array([-2, 300, -32768], dtype=">i2"))
np.save("u8.npy", np.array([0, 2**53], dtype=np.uint64))
np.save("bool.npy", np.array([True, False, True]))
with open("v2-f4.npy", "wb") as f:
    format.write_array(f, np.array([[1.5, 2.5], [-3.5, 4.5]], dtype=np.float32), version=(2, 0))
with open("v3-f4.npy", "wb") as f:
    format.write_array(f, np.array([7, 8], dtype=np.float32), version=(3, 0))
np.save("fractions-f4.npy", np.array([0.5, 1, 2], dtype=np.float32))
np.save("two-labels-i8.npy", np.array([1, 0], dtype=np.int64))
np.save("structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
np.save("complex.npy", np.zeros(2, dtype=np.complex64))
np.save("scalar-f8.npy", np.float64(3))

# .npz archives (DataSet.npz, NumPyArchive): stored, deflated (fixed, dynamic and stored
# blocks: tiny arrays, a repetitive ramp, random bytes, level 0), zip64 records, and a bzip2 member.
import io, zipfile
images = (np.arange(12, dtype=np.uint8) * 20).reshape(3, 1, 2, 2)
labels = np.array([2, 0, -1], dtype=np.int64)
targets = np.array([[0.5, -1], [2.25, 3], [1e-300, -0.0]], dtype=np.float64)
ramp = (np.arange(5000, dtype=np.int32) * 7919) % 13
noise = np.random.default_rng(3).integers(0, 256, 3000, dtype=np.uint8)
np.savez("arrays.npz", x=images, y=labels, t=targets)
np.savez_compressed("arrays-compressed.npz", x=images, y=labels, t=targets, ramp=ramp, noise=noise)
zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 0, 0  # every record in its zip64 form
np.savez_compressed("zip64.npz", x=images, y=labels)
with zipfile.ZipFile("level0.npz", "w", compression=zipfile.ZIP_DEFLATED, compresslevel=0) as z:
    buffer = io.BytesIO()
    np.save(buffer, ramp)
    z.writestr("ramp.npy", buffer.getvalue())
with zipfile.ZipFile("bzip2.npz", "w", compression=zipfile.ZIP_BZIP2) as z:
    buffer = io.BytesIO()
    np.save(buffer, labels)
    z.writestr("y.npy", buffer.getvalue())
