# hs-labels: mpi
# The results file is self-describing: h5dump (no hsweep) shows the layout.
. "$(dirname "$0")/lib.bash"
[ -n "${H5DUMP:-}" ] && [ -x "$H5DUMP" ] || { echo "FAIL: h5dump not found (hdf5-tools, listed in .ci/setup.sh)" >&2; exit 1; }
cd "$WORK" || exit 1
# (runner.cfg's sweep "failing" fails 2 tasks: exit 4)
expect_fail 4 "2 task(s) ended failed" mpirun_n 2 "$HSWEEP" run "$HS_SRC/tests/data/runner.cfg" -o r.h5 --quiet
hdr=$("$H5DUMP" -H r.h5) || fail "h5dump -H"
for want in 'GROUP "echo"' 'DATASET "tasks"' 'H5T_COMPOUND' '"task_id"' '"status"' '"pending"' \
            '"crashed"' '"xk"' '"ramp_len"' 'DATASET "ramp"' 'ATTRIBUTE "config_text"' \
            'ATTRIBUTE "config_sha256"' 'ATTRIBUTE "mpi_library"' 'ATTRIBUTE "axes"' \
            'ATTRIBUTE "metric_docs"' '"TRUE"'; do
    case "$hdr" in *"$want"*) pass ;; *) fail "h5dump -H lacks $want" ;; esac
done
row=$("$H5DUMP" -d /nan/tasks -s 2 -c 1 r.h5) || fail "h5dump row"
case "$row" in *"nonfinite"*"loss became NaN at step 4"*) pass ;; *) fail "row: $row" ;; esac
sha=$("$H5DUMP" -a /config_sha256 r.h5 | sed -n 's/.*"\([0-9a-f]\{64\}\)".*/\1/p')
[ "$sha" = "$(sha256sum < "$HS_SRC/tests/data/runner.cfg" | cut -d' ' -f1)" ] && pass || fail "config_sha256 $sha"
finish
