# hs-labels: fault
# Hostile input: each bad input gets one clear line on stderr and exit code
# 2 (usage/input) or 1 (runtime) -- never a crash, and never a truncated or
# overwritten results file.  The catalogue with the messages is in
# tests/HOSTILE_INPUTS.md.  Read-only and full file systems:
# hostile_readonly.sh, hostile_diskfull.sh.
. "$(dirname "$0")/lib.bash"
need_py h5py
cd "$WORK" || exit 1
ok_cfg='sweeps = ({ name = "a"; kernel = "noop"; matrix = { x = [1.0, 2.0]; }; });'
: > empty.cfg
case_ "empty file" 2 "empty.cfg:1: the file is empty" "$HSWEEP" plan empty.cfg
head -c 4096 /dev/urandom > garbage.cfg
case_ "binary garbage" 2 "garbage.cfg:" "$HSWEEP" plan garbage.cfg
printf 'sweeps = ( %s );\n' "$(printf '{ a = %.0s' $(seq 1 20000))" > nested.cfg
case_ "deeply nested groups" 2 "nested.cfg:1: syntax error" "$HSWEEP" plan nested.cfg
"$PYTHON3" -c "
n = 10**7 + 1
print('sweeps = ({ name = \"a\"; kernel = \"noop\"; matrix = { k = [' + ','.join(map(str, range(n))) + ']; }; });')" > huge_list.cfg
case_ "10^7-element list (78 MB)" 2 "larger than 64 MiB" "$HSWEEP" plan huge_list.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop";\n matrix = { x = { from = 0.0; to = 1.0; num = 10000000; }; }; seeds = [1, 2]; });\n' > long_range.cfg
case_ "10^7 values x 2 seeds" 2 "long_range.cfg:1: sweep 'a': expands to 20000000 tasks" "$HSWEEP" plan long_range.cfg
rm -f huge_list.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop"; fixed = { x = 1e400; }; });\n' > inf.cfg
case_ "huge real (1e400)" 2 "not a finite number" "$HSWEEP" plan inf.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop"; fixed = { k = 99999999999999999999; }; });\n' > bigint.cfg
case_ "huge integer" 2 "does not fit in 32 bits" "$HSWEEP" plan bigint.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop"; fixed = { x = nan; }; });\n' > nan.cfg
case_ "NaN literal" 2 "nan.cfg:1: syntax error" "$HSWEEP" plan nan.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop"; fixed = { x = -inf; }; });\n' > inf2.cfg
case_ "inf literal" 2 "inf2.cfg:1: syntax error" "$HSWEEP" plan inf2.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop";\n matrix = { x = { from = 0.0; to = 1.0; num = -3; }; }; });\n' > negnum.cfg
case_ "negative range count" 2 "negnum.cfg:2: sweep 'a': key 'x': range num" "$HSWEEP" plan negnum.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop";\n fixed = { trace_len = -1; }; });\n' > negtrace.cfg
case_ "negative trace length" 2 "key 'trace_len': -1 is outside its range" "$HSWEEP" plan negtrace.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop"; seeds = []; });\n' > noseeds.cfg
case_ "empty seed list" 2 "needs at least one seed" "$HSWEEP" plan noseeds.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop"; retries = -2; });\n' > negretry.cfg
case_ "negative retries" 2 "key 'retries'" "$HSWEEP" plan negretry.cfg
printf 'sweeps = ({ name = "a"; kernel = "nope"; });\n' > nokernel.cfg
case_ "unknown kernel" 2 "unknown kernel \"nope\"" "$HSWEEP" plan nokernel.cfg
printf '%s\n' "$ok_cfg" > ok.cfg
case_ "missing sweep file" 2 "cannot open sweep file" "$HSWEEP" run missing.cfg
case_ "output under a regular file" 1 "cannot create its directory" "$HSWEEP" run ok.cfg -o ok.cfg/sub/x.h5
# A missing directory is created (documented), not an error
check "output in a missing directory" "$HSWEEP" run ok.cfg -o new/dir/x.h5 --quiet
# An existing file that is not HDF5, and a results file of another sweep file: refused, untouched
printf 'precious data\n' > notes.h5
sum=$(sha256sum notes.h5)
case_ "existing non-HDF5 output" 1 "results file exists" "$HSWEEP" run ok.cfg -o notes.h5
case_ "resume of a non-HDF5 file" 1 "notes.h5" "$HSWEEP" run ok.cfg -o notes.h5 --resume
[ "$sum" = "$(sha256sum notes.h5)" ] && pass || fail "notes.h5 was modified"
check "a results file" "$HSWEEP" run ok.cfg -o mine.h5 --quiet
sum=$(sha256sum mine.h5)
printf 'sweeps = ({ name = "b"; kernel = "sleep"; });\n' > other.cfg
case_ "results file of another sweep" 1 "different sweep file" "$HSWEEP" run other.cfg -o mine.h5 --resume
case_ "  ... even with --force" 1 "has no sweep 'b'" "$HSWEEP" run other.cfg -o mine.h5 --resume --force
[ "$sum" = "$(sha256sum mine.h5)" ] && pass || fail "mine.h5 was modified"
# A results file whose stored sweep text was given an @include (hsweep stores it resolved):
# no reader opens the file it names; the tables still come from the file itself
cp mine.h5 incl.h5
"$PYTHON3" -c "
import h5py
with h5py.File('incl.h5', 'r+') as f:
    t = f.attrs['config_text']
    t = t.decode() if isinstance(t, bytes) else t
    f.attrs['config_text'] = '@include \"$WORK/secret.cfg\"\n' + t
"
mkfifo secret.cfg  # reading it would block the reader
case_ "stored text with @include" 2 ":1: the sweep text stored in the results file has an @include line" \
    "$HSWEEP" task --from incl.h5 --id 0
check "  ... status reads it" sh -c '"$1" status incl.h5 > /dev/null' _ "$HSWEEP"
out=$("$HSWEEP" collate incl.h5 --rows x --metric xk 2>&1) && case "$out" in *"| 2 |"*) pass ;; *) fail "collate of incl.h5: $out" ;; esac || fail "collate of incl.h5: $out"
rm -f secret.cfg
# Planted symlinks are never followed: not at the old temporary name, not at
# the output (refused), not at the job script that submit writes
printf 'precious data\n' > victim
sum=$(sha256sum victim)
ln -s victim planted.h5.creating
check "a link at <output>.creating" "$HSWEEP" run ok.cfg -o planted.h5 --quiet
[ -L planted.h5.creating ] && [ ! -L planted.h5 ] && pass || fail "the planted link was moved into place"
ln -s victim linked.h5
case_ "a link at the output" 1 "linked.h5: results file exists" "$HSWEEP" run ok.cfg -o linked.h5
mkdir -p sub && ln -s ../victim sub/x.sbatch && ln -s ../victim sub/x.collate.sbatch
printf '#!/bin/sh\necho 4242\n' > fake_sbatch && chmod +x fake_sbatch
check "submit over a link at the job script" env HSWEEP_TEMPLATES="$HS_SRC/slurm" \
    HSWEEP_SBATCH="$WORK/fake_sbatch" "$HSWEEP" submit ok.cfg -o sub/x.h5 --collate "--metric x_echo"
[ -f sub/x.sbatch ] && [ ! -L sub/x.sbatch ] && [ ! -L sub/x.collate.sbatch ] && pass ||
    fail "submit left a link at its job script"
[ "$sum" = "$(sha256sum victim)" ] && pass || fail "victim was written through a link"
# An output path too long for the file system: refused before anything is made
d200=$(printf 'd%.0s' $(seq 1 200)); long="$d200/$d200/$d200/$d200/$d200/$d200/$d200/$d200/$d200/$d200"
long="$long/$long/$d200/x.h5"
case_ "output path of ${#long} characters" 2 "path too long" "$HSWEEP" run ok.cfg -o "$long"
[ ! -e "${long%%/*}" ] && pass || fail "a too long path left directories behind"
# Resume when only a stopped creation's temporary file exists
: > gone.h5.creating.0123456789abcdef
case_ "resume with only a .creating" 1 "gone.h5.creating.0123456789abcdef is what it left" \
    "$HSWEEP" run ok.cfg -o gone.h5 --resume
case_ "resume of no file" 1 "no results file to resume" "$HSWEEP" run ok.cfg -o none.h5 --resume
# @include: the stored text is the expanded one, so an edited included file
# is a changed sweep file, and task --from rebuilds the values that ran
printf 'x = [1.0, 2.0];\n' > values.inc
printf 'sweeps = ({ name = "a"; kernel = "noop";\n matrix = {\n@include "values.inc"\n }; });\n' > inc.cfg
check "a sweep file with @include" "$HSWEEP" run inc.cfg -o inc.h5 --quiet
printf 'x = [1.0, 5.0];\n' > values.inc
case_ "an edited @include file" 1 "inc.h5: was written for a different sweep file" \
    "$HSWEEP" run inc.cfg -o inc.h5 --resume
check "task --from rebuilds the included values" sh -c \
    "'$HSWEEP' task --from inc.h5 --id 1 | grep -q '\"x\":2,'"
printf 'x = [1.0, 2.0];\nbogus = 3;\n' > bad.inc
printf 'sweeps = ({ name = "a"; kernel = "noop";\n matrix = {\n@include "bad.inc"\n }; });\n' > badinc.cfg
case_ "an error in an @include file" 2 "bad.inc:2: sweep 'a': key 'bogus'" "$HSWEEP" plan badinc.cfg
printf '@include "/dev/stdin"\n' > stdin.cfg
case_ "an @include of /dev/stdin" 2 "stdin.cfg:1: @include \"/dev/stdin\": not a regular file" "$HSWEEP" plan stdin.cfg
printf '@include "self.cfg"\n' > self.cfg
case_ "an @include of itself" 2 "self.cfg:1: @include \"self.cfg\": nested more than 10 deep" "$HSWEEP" plan self.cfg
# Bad command lines
case_ "unknown option" 2 "unknown option '--frob'" "$HSWEEP" run ok.cfg --frob
case_ "bad number" 2 "--timeout needs a number" "$HSWEEP" run ok.cfg --timeout abc
case_ "no sweep file" 2 "needs a sweep file" "$HSWEEP" run
finish
