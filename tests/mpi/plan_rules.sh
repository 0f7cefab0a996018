# hs-labels: mpi
# `hsweep plan` prints each expect rule with its operator and right-hand side
# (a constant, or a reference group), and the claim it states.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > rules.cfg <<'CFG'
sweeps = ( { name = "s"; kernel = "sleep";
             matrix = { seconds = [0.001, 0.002]; x = [1.0, 2.0]; };
             expect = ( { when = "seconds <= 0.001"; metric = "slept_s"; op = "<"; value = 0.01; },
                        { claim = "longer sleeps report more";
                          when = "seconds = 0.002"; metric = "slept_s"; op = ">"; ref = "seconds = 0.001"; },
                        { metric = "x_echo"; op = "within"; tol = 0.5; value = 1.5; } ); } );
CFG
out=$("$HSWEEP" plan rules.cfg 2>&1) || fail "plan: $out"
for want in "expect (line 3): when seconds <= 0.001: slept_s < 0.01" \
            "expect (line 4): when seconds = 0.002: slept_s > slept_s at seconds = 0.001" \
            "    claim: longer sleeps report more" \
            "expect (line 6): x_echo within 50% of 1.5"; do
    case "$out" in *"$want"*) pass ;; *) fail "plan lacks '$want': $out" ;; esac
done
finish
