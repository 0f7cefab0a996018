# hs-labels: slurm multinode
# mpiexec across 3 emulated nodes (network namespaces, Open MPI's TCP
# transport between them): the results equal a 1-rank run's bit for bit, the
# file's `hosts` names the three nodes, and each row's `host` is the node its
# rank was placed on (--host hsn1:2,hsn2:2,hsn3:2 fills the nodes in order).
# Then `local-cluster.sh down` removes the namespaces, veth pairs and bridge
# it made, and every process in them.
. "$(dirname "$0")/multinode_lib.bash"

cp "$HS_SRC/sweeps/quickstart.cfg" q.cfg
check "1-rank reference" "$HSWEEP" run q.cfg -o one.h5 --quiet
check "6 ranks on 3 nodes" mpin hsn1:2,hsn2:2,hsn3:2 6 "$HSWEEP" run q.cfg -o three.h5 --quiet
check "bit-identical to the 1-rank run" h5same one.h5 three.h5
check "hosts names the nodes" "$PYTHON3" - <<'PY'
import h5py
f = h5py.File("three.h5", "r")
hosts = f.attrs["hosts"]
hosts = hosts.decode() if isinstance(hosts, bytes) else hosts
assert hosts == "hsn1,hsn2,hsn3", hosts
assert int(f.attrs["ranks"]) == 6, f.attrs["ranks"]
n = 0
for s in f:
    if "tasks" not in f[s]:
        continue
    t = f[s]["tasks"][:]
    for r, h in zip(t["rank"], t["host"]):
        assert h.decode() == "hsn%d" % (r // 2 + 1), (s, int(r), h)
    n += len(t)
print(n, "rows, each on its rank's node")
PY

# A process left on a node (as a crashed job would leave it) does not stop `down`.
nsenter --net="/run/netns/$(awk '$1 == "hsn2" { print $3 }' cluster/nodes)" sleep 600 &
stray=$!
made="$(awk '{ print $3, $4 }' cluster/nodes) $(cat cluster/bridge)"
check "down" bash "$CLUSTER" down
for l in $made; do
    check "down removed $l" test ! -e "/run/netns/$l" -a ! -e "/sys/class/net/$l"
done
check "down ended the process left on a node" bash -c "! kill -0 $stray 2>/dev/null"
check "down removed its directory" test ! -e cluster
finish
