# hs-labels: slurm multinode
# A `spectral` gang (ranks_per_task = 4, ScaLAPACK's pzheevd on a 2 x 2
# grid) spread over 2 emulated nodes (2 gang ranks on each, over TCP)
# computes what the same gang computes on one node, bit for bit (every
# field but the solver's wall time): the distributed solver's arithmetic
# does not depend on where its ranks are.
. "$(dirname "$0")/multinode_lib.bash"
export OPENBLAS_NUM_THREADS=1 OMPI_MCA_io=^ompio

cat > g.cfg <<'CFG'
sweeps = (
  { name = "g64"; kernel = "spectral"; ranks_per_task = 4;
    fixed = { sensors = 64; snapshots = 128; precision = "f64"; fd_dirs = 1; grid = 721; };
    matrix = { hat = ["generic", "structural"]; beta = [0.3]; }; }
);
CFG
check "gang on one node (hsn1:5)" mpin hsn1:5 5 "$HSWEEP" run g.cfg -o one.h5 --quiet
check "gang over two nodes (hsn1:3, hsn2:2)" mpin hsn1:3,hsn2:2 5 "$HSWEEP" run g.cfg -o two.h5 --quiet
check "two nodes compute what one does" h5same one.h5 two.h5 --skip eig_time_s
check "the runs were where they should be" "$PYTHON3" - <<'PY'
import h5py
def hosts(p):
    h = h5py.File(p, "r").attrs["hosts"]
    return h.decode() if isinstance(h, bytes) else h
assert hosts("one.h5") == "hsn1", hosts("one.h5")
assert hosts("two.h5") == "hsn1,hsn2", hosts("two.h5")
t = h5py.File("two.h5", "r")["g64/tasks"][:]
assert (t["status"] == 1).all(), t["status"]
print("rows:", len(t))
PY
finish
