# hs-labels: mpi
# The command line's parsing: every subcommand's --help, unknown and abbreviated
# options, --opt=value, "--" ending the options, --version.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cfg=$HS_SRC/tests/data/runner.cfg

# has_opts TEXT OPT...: every OPT appears in TEXT
has_opts() {
    local text=$1 o; shift
    for o in "$@"; do
        case "$text" in *"$o"*) ;; *) echo "missing $o"; return 1 ;; esac
    done
}
run_opts=(--output --resume --force --retry-failed --repair --overwrite --reduced --max-tasks
          --log-every --quiet --isolation --timeout --retries --mem-limit --grace)
declare -A opts=(
    [run]="${run_opts[*]}"
    [plan]="--rows --max-tasks --cores-per-node --reduced --calibrate"
    [status]="--all"
    [kernels]=""
    [task]="--seed --from --id --sweep --allow-plugin"
    [collate]="--sweep --rows --cols --metric --where --contrast --agg --format"
    [report]="--sweep --format --strict --full"
    [diag]=""
)
for cmd in "${!opts[@]}"; do
    for h in --help -h; do
        out=$("$HSWEEP" "$cmd" "$h" 2>&1); rc=$?
        [ "$rc" = 0 ] || fail "$cmd $h: exit $rc: $out"
        case "$out" in "usage: hsweep $cmd "*"--help"*) pass ;; *) fail "$cmd $h: $out" ;; esac
        # shellcheck disable=SC2086
        check "$cmd $h lists its options" has_opts "$out" ${opts[$cmd]}
    done
    [ "$("$HSWEEP" help "$cmd")" = "$("$HSWEEP" "$cmd" --help)" ] && pass || fail "help $cmd"
    expect_fail 2 "hsweep $cmd: unknown option '--no-such-option'" "$HSWEEP" "$cmd" --no-such-option
    expect_fail 2 "hsweep $cmd: unknown option '-Z'" "$HSWEEP" "$cmd" -Z
done
# the overview lists every subcommand and every option of run
out=$("$HSWEEP" --help) || fail "--help"
check "overview lists run's options" has_opts "$out" "${run_opts[@]}"
check "overview lists the subcommands" has_opts "$out" "  run " "  plan " "  status " "  kernels " \
    "  task " "  collate " "  report " "  diag " "  submit "
expect_fail 2 "usage: hsweep COMMAND" "$HSWEEP"
# diag --help is the help, not a file; after -- it is a file name
out=$("$HSWEEP" diag --help) && case "$out" in "usage: hsweep diag"*) pass ;; *) fail "diag --help: $out" ;; esac
expect_fail 2 "--help: cannot open" "$HSWEEP" diag -- --help

# abbreviations are refused, naming what they could mean; a flag takes no value
expect_fail 2 "unknown option '--out': write it out (--output)" "$HSWEEP" run "$cfg" --out=x.h5
expect_fail 2 "unknown option '--re': write it out (--resume, --retry-failed, --repair, --reduced, --retries)" \
    "$HSWEEP" run "$cfg" --re
expect_fail 2 "option '--quiet' takes no value" "$HSWEEP" run "$cfg" --quiet=yes
expect_fail 2 "--timeout needs a value (SECONDS)" "$HSWEEP" run "$cfg" --timeout
expect_fail 2 "-o needs a value (FILE)" "$HSWEEP" run "$cfg" -o
expect_fail 2 "--timeout needs a number >= 0, got 'abc'" "$HSWEEP" run "$cfg" --timeout=abc
[ ! -e x.h5 ] && [ ! -e results ] && pass || fail "a refused command line wrote a file"

# --opt=value and --opt value are the same; options and arguments in any order
check "run --output=FILE" "$HSWEEP" run --output=eq.h5 --quiet "$cfg"
check "run -o FILE" "$HSWEEP" run "$cfg" -qo sep.h5
[ -s eq.h5 ] && [ -s sep.h5 ] && pass || fail "--output=FILE / -qo FILE wrote no file"
a=$("$HSWEEP" collate eq.h5 --sweep=echo --rows=x --cols k --metric=xk --format=csv) || fail "collate ="
b=$("$HSWEEP" collate --sweep echo sep.h5 --rows x --cols=k --metric xk --format csv) || fail "collate"
[ -n "$a" ] && [ "$a" = "$b" ] && pass || fail "--opt=value differs: $a // $b"
# -- ends the options: a key=value after it, a negative seed as a value
a=$("$HSWEEP" task noop --seed=-3 -- x=2 k=4) || fail "task --"
b=$("$HSWEEP" task noop x=2 --seed -3 k=4) || fail "task"
[ "${a%%\"wall_s\"*}" = "${b%%\"wall_s\"*}" ] && pass || fail "task: $a // $b"
case "$a" in *'"seed":-3'*'"xk":8'*) pass ;; *) fail "task --seed=-3: $a" ;; esac

# --version: hsweep, commit, MPI and HDF5 library versions
out=$("$HSWEEP" --version) || fail "--version"
[ "$out" = "$("$HSWEEP" -V)" ] && pass || fail "-V differs"
case "$out" in "hsweep "[0-9]*.*$'\n'"commit "*$'\n'"MPI: "*"Open MPI"*$'\n'"HDF5: "[0-9]*.[0-9]*) pass ;;
*) fail "--version: $out" ;; esac
finish
