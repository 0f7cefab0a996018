# hs-labels: mpi
# Kernel nuts, model pose, with seed 002's own configuration options (issue 20):
# per-bone prior lists and prior_scale = "relative" run, x0_hat from the data
# file moves the root's prior, obs_twice doubles the keypoint term, and bad
# lists or x0_hat are refused naming the key or dataset.  Each task is a few
# hundred gradients.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py numpy
task() { "$HSWEEP" task nuts model=pose T=6 chains=1 tune=20 draws=8 "$@" --seed 3; }
# metric NAME from a task's JSON line on stdin
metric() { "$PYTHON3" -c "import json, sys; print(json.load(sys.stdin)['metrics']['$1'])"; }

# The options run (their numbers are checked in tests/unit/test_pose.c; a task's
# RNG seed hashes every parameter, so two spellings of one prior sample apart).
for opt in "prior_scale=relative rho_sd=0.25 sigma2_mode=0.0625 sigma2_sd=0.125" \
           "rho_sd_list=2.5,2,2 sigma2_mode_list=6.25,4,4 sigma2_sd_list=12.5,8,8"; do
    # shellcheck disable=SC2086
    out=$(task $opt)
    case "$out" in *'"status":"ok"'*) pass ;; *) fail "$opt: $out" ;; esac
done

# obs_twice: the keypoint term counts twice, so |log p| at the same start grows
once=$(task | metric init_logp_absmax) && twice=$(task obs_twice=true | metric init_logp_absmax)
check "obs_twice doubles the keypoint term ($once -> $twice)" \
    "$PYTHON3" -c "import sys; a, b = map(float, sys.argv[1:]); assert b > 1.5 * a" "$once" "$twice"

expect_fail 2 "key 'rho_sd_list'" task rho_sd_list=1,2
expect_fail 2 "key 'sigma2_sd_list'" task sigma2_sd_list=1,0,1

# A data file: 3 cameras on a ring, 4 joints, optional x0_hat.
"$PYTHON3" - <<'PY' || fail "writing the data files"
import h5py, numpy as np
f, C, T = 1108.51, 3, 6
P = []
for c in range(C):
    a = 2 * np.pi * c / C
    cam = np.array([100 * np.cos(a), 100 * np.sin(a), 30.0])
    z = np.array([0, 0, 10.0]) - cam; z /= np.linalg.norm(z)
    x = np.cross(z, [0, 0, 1.0]); x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z])
    K = np.array([[f, 0, 640], [0, f, 360], [0, 0, 1.0]])
    P.append(K @ np.hstack([R, -(R @ cam)[:, None]]))
P = np.array(P)
X = np.array([[0, 0, 10.0], [0, 0, 20.0], [6, 0, 25.0], [-6, 0, 25.0]])
rng = np.random.default_rng(1)
y = np.empty((C, T, 4, 2))
for c in range(C):
    for t in range(T):
        h = (P[c] @ np.hstack([X + 0.1 * t, np.ones((4, 1))]).T).T
        y[c, t] = h[:, :2] / h[:, 2:] + rng.normal(0, 1, (4, 2))
for name, x0 in (("plain.h5", None), ("far.h5", [500.0, 500.0, 500.0]), ("bad.h5", [1.0, 2.0])):
    with h5py.File(name, "w") as h:
        h["y"], h["P"], h["parents"] = y, P, np.array([-1, 0, 1, 1], dtype=np.int32)
        h["bone_lengths"] = np.array([10.0, 7.8, 7.8])
        if x0 is not None:
            h["x0_hat"] = np.array(x0)
PY
plain=$(task data_file=plain.h5 | metric init_logp_absmax)
far=$(task data_file=far.h5 | metric init_logp_absmax)
# the root starts near (0, 0, 10): |x - x0_hat|^2 / 2 ~ 3.6e5 more
check "x0_hat moves the root's prior ($plain -> $far)" \
    "$PYTHON3" -c "import sys; a, b = map(float, sys.argv[1:]); assert b - a > 3e5" "$plain" "$far"
out=$(task data_file=bad.h5)
case "$out" in *'"status":"failed"'*"x0_hat must hold 3"*) pass ;; *) fail "bad x0_hat: $out" ;; esac
out=$(task data_file=plain.h5 rho_sd_list=1,2)
case "$out" in *'"status":"failed"'*"rho_sd_list has 2 values but the skeleton has 3 bones"*) pass ;;
    *) fail "list length against the file's skeleton: $out" ;; esac
finish
