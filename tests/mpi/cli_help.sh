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
          --log-every --quiet --isolation --timeout --retries --mem-limit --grace --halt --progress
          --writers)
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
expect_fail 2 "Usage: hsweep COMMAND" "$HSWEEP"
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
# (runner.cfg's sweep "failing" fails 2 tasks by design: exit 4)
expect_fail 4 "2 task(s) ended failed" "$HSWEEP" run --output=eq.h5 --quiet "$cfg"
expect_fail 4 "2 task(s) ended failed" "$HSWEEP" run "$cfg" -qo sep.h5
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

# the man page, made by the build when help2man is there
if command -v help2man >/dev/null; then
    man1=$HS_BUILD/hsweep.1
    [ -s "$man1" ] && pass || fail "no man page $man1 (help2man is installed)"
    check "man page: NAME and SYNOPSIS" grep -q '^\.SH SYNOPSIS' "$man1"
    for c in run plan status kernels task collate report diag; do
        grep -q "^\.SS $c\$" "$man1" && pass || fail "man page lacks command $c"
    done
    check "man page has run's options" grep -q -- 'retry\\-failed' "$man1"
else
    echo "help2man is not installed: the man page is not made (not checked)" >&2
fi
# cmake --install puts the completion (and the man page) where bash-completion and man look
if command -v cmake >/dev/null; then
    cmake --install "$HS_BUILD" --prefix "$WORK/prefix" >/dev/null || fail "cmake --install"
    cmp -s "$WORK/prefix/share/bash-completion/completions/hsweep" "$HS_SRC/completion/hsweep.bash" &&
        pass || fail "completion not installed"
    if command -v help2man >/dev/null; then
        [ -s "$WORK/prefix/share/man/man1/hsweep.1" ] && pass || fail "man page not installed"
    fi
fi

# bash completion: the words offered for a few command lines
expect_fail 4 "2 task(s) ended failed" "$HSWEEP" run "$HS_SRC/tests/data/runner.cfg" -o comp.h5 --quiet
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hsweep; echo "${COMPREPLY[*]}"' \
        _ "$HS_SRC/completion/hsweep.bash" "$HSWEEP" "$@"
}
comp() { # comp "EXPECTED" WORD...
    local want=$1 got; shift
    got=$(complete_words "$@")
    [ "$got" = "$want" ] && pass || fail "completion of '$*': got '$got', wanted '$want'"
}
comp "collate" co
comp "run plan status kernels task collate report diag submit help --help --version" ""
comp "--reduced --repair --resume --retries --retry-failed" run x.cfg --re
comp "fork none" run x.cfg --isolation ""
comp "md json" report comp.h5 --format ""
comp "mean median meanstd" collate comp.h5 --agg me
comp "echo nan failing" collate comp.h5 --sweep ""
comp "echo nan failing" task --from comp.h5 --sweep ""
comp "echo nan failing" collate "$HS_SRC/tests/data/runner.cfg" --sweep ""
comp "nonfinite noop" task no
comp "x= k= label= flag= trace_len=" task --seed 3 noop ""
comp "trace_len=" task noop x=1 t
comp "--all --help" status comp.h5 -
cp "$HS_SRC/tests/data/runner.cfg" comp_a.cfg && cp comp_a.cfg comp_b.cfg && touch comp_c.h5 && mkdir comp_d
comp "comp_a.cfg comp_b.cfg comp_d" plan comp_
comp "comp.h5 comp_c.h5 comp_d" status comp
finish
