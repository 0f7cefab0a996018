# hs-labels: mpi
# hsweep submit's site options, without a Slurm cluster: --help lists every
# option; getopt_long's forms (--opt=value, "--" ending the options) work,
# abbreviations and unknown options are refused (exit 2); every option lands
# in the rendered script as exactly its #SBATCH line or setting, the script
# passes bash -n; the rendered srun job, run by bash with a fake srun, runs the
# setup lines verbatim before the launch, passes --mpi and --cpus-per-task on,
# and stops (exit 2, nothing launched) when a setup line fails; bad values are
# refused with one line naming the option, nothing written.  Slurm's own
# sbatch --test-only on such a script: slurm_submit_options.sh.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > s.cfg <<'CFG'
sweeps = ( { name = "s"; kernel = "sleep"; fixed = { seconds = 0.01; };
             matrix = { x = { from = 1.0; to = 4.0; num = 4; }; }; } );
CFG

# --help: exit 0, every option (each long name appears in the help).
"$HSWEEP" submit --help >help.txt 2>&1
check "--help exits 0" test $? = 0
for o in output template script nodes ntasks-per-node time signal-offset partition account qos constraint \
    cpus-per-task mem mem-per-cpu gres gpus-per-task mail-type mail-user sbatch-arg launcher mpi setup setup-file \
    collate dry-run help; do
    check "--help lists --$o" grep -q -- "--$o\b" help.txt
done
"$HSWEEP" submit -h >h2.txt 2>&1
check "-h is --help" cmp -s help.txt h2.txt

# Option forms.
dry() { "$HSWEEP" submit --dry-run "$@" 2>/dev/null; }
dry s.cfg --nodes=3 --time=1:00:00 >eq.sbatch
check "--opt=value" grep -qxF '#SBATCH --nodes="3"' eq.sbatch
check "--opt=value (time)" grep -qxF '#SBATCH --time="01:00:00"' eq.sbatch
dry --nodes 2 -- s.cfg >dd.sbatch
check "-- ends the options" grep -qxF '#SBATCH --nodes="2"' dd.sbatch
cp s.cfg ./--odd.cfg
dry -- --odd.cfg >odd.sbatch
check "a sweep file that starts with -- after --" grep -qxF "HS_SWEEP='$WORK/--odd.cfg'" odd.sbatch
expect_fail 2 "unknown option '--nod'" "$HSWEEP" submit s.cfg --nod 2 --dry-run
expect_fail 2 "not abbreviated: --nodes" "$HSWEEP" submit s.cfg --node 2 --dry-run
expect_fail 2 "not abbreviated: --dry-run" "$HSWEEP" submit s.cfg --dry
expect_fail 2 "unknown option '--bogus'" "$HSWEEP" submit s.cfg --bogus --dry-run
expect_fail 2 "unknown option '-x'" "$HSWEEP" submit s.cfg -x --dry-run
expect_fail 2 "--nodes needs a value" "$HSWEEP" submit s.cfg --nodes
expect_fail 2 "--dry-run takes no value" "$HSWEEP" submit s.cfg --dry-run=yes
expect_fail 2 "unknown option '--dry' (options are not abbreviated: --dry-run)" "$HSWEEP" submit s.cfg --dry=yes
expect_fail 2 "unknown option '--mail'" "$HSWEEP" submit s.cfg --mail=END --dry-run
expect_fail 2 "unknown option '--bogus'" "$HSWEEP" submit s.cfg --bogus=1 --dry-run
expect_fail 2 "one sweep file only" "$HSWEEP" submit s.cfg s.cfg --dry-run

# Every site option, rendered.
printf '%s\n' 'export HS_T_FILE="from the file"' '# a comment line stays' 'cd "$HS_T_DIR" || true' >setup.txt
dry s.cfg --time 10 --cpus-per-task 4 --mem 8G --gres gpu:a100:2 --gpus-per-task a100:1 \
    --constraint 'a100&ib|[rack1*2]' --qos high --mail-type END,fail --mail-user first.last+x@example.org \
    --sbatch-arg --exclusive --sbatch-arg=--reservation=maint1 --sbatch-arg '--comment=a "b" \c' \
    --mpi pmi2 --setup 'export HS_T_LINE="a b $((1 + 2))"' --setup-file setup.txt --setup 'echo "x'"'"'y"' \
    --partition p1 --account acc --collate "--metric slept_s" >all.sbatch
check "all options render" test -s all.sbatch
for line in '#SBATCH --cpus-per-task="4"' '#SBATCH --mem="8G"' '#SBATCH --gres="gpu:a100:2"' \
    '#SBATCH --gpus-per-task="a100:1"' '#SBATCH --constraint="a100&ib|[rack1*2]"' '#SBATCH --qos="high"' \
    '#SBATCH --mail-type="END,fail"' '#SBATCH --mail-user="first.last+x@example.org"' '#SBATCH --exclusive' \
    '#SBATCH --reservation="maint1"' '#SBATCH --comment="a \"b\" \\c"' '#SBATCH --partition="p1"' \
    '#SBATCH --account="acc"' '#SBATCH --time="00:10:00"'; do
    check "sweep job: $line" test "$(sed -n '/^# ---- then/q;p' all.sbatch | grep -cxF -- "$line")" = 1
done
# The #SBATCH lines all come before the first command (sbatch stops reading at it).
check "#SBATCH lines before any command" test "$(awk '/^#SBATCH/{if(cmd)bad=1} /^[^#]/{cmd=1} /^# ---- then/{exit} END{print bad+0}' all.sbatch)" = 0
sed -n '/^# ---- then/,$p' all.sbatch >collate.part
for line in '#SBATCH --partition="p1"' '#SBATCH --account="acc"' '#SBATCH --qos="high"' \
    '#SBATCH --constraint="a100&ib|[rack1*2]"'; do
    check "collate job: $line" grep -qxF -- "$line" collate.part
done
check "collate job: no gres, mail or pass-through" test -z "$(grep -E -- '--(gres|gpus-per-task|mail|exclusive|reservation|mem|cpus)' collate.part)"
sed -n '/^# ---- then/q;p' all.sbatch >sweep.sbatch
sed -n '/^#!/,$p' collate.part >collate.sbatch
check "sweep job passes bash -n" bash -n sweep.sbatch
check "collate job passes bash -n" bash -n collate.sbatch
# The settings read back, in bash, as exactly the lines given, in order.
for f in sweep collate; do
    sed -n '/^# >>> hsweep settings/,/^# <<< hsweep settings/p' $f.sbatch >$f.settings
    got=$(. ./$f.settings && printf '%s\n' "$HS_SETUP")
    want=$(printf '%s\n' 'export HS_T_LINE="a b $((1 + 2))"' 'export HS_T_FILE="from the file"' \
        '# a comment line stays' 'cd "$HS_T_DIR" || true' 'echo "x'"'"'y"')
    check "$f job: setup lines verbatim, in order" test "$got" = "$want"
done
check "HS_MPI" test "$(. ./sweep.settings && echo "$HS_MPI")" = pmi2

# Run the rendered srun job with bash and a fake srun: the setup lines run
# first, in the job's shell; srun gets --mpi and the cpus per task.
mkdir -p bin tdir
cat > bin/srun <<'SH'
#!/bin/bash
{ printf 'argv:'; printf ' %s' "$@"; printf '\n'
  printf 'HS_T_LINE=%s\nHS_T_FILE=%s\nSRUN_CPUS_PER_TASK=%s\nPWD=%s\n' "${HS_T_LINE-unset}" "${HS_T_FILE-unset}" \
    "${SRUN_CPUS_PER_TASK-unset}" "$PWD"; } >"$FAKE_LOG"
SH
chmod +x bin/srun
export FAKE_LOG="$WORK/srun.log"
dry s.cfg --template srun --cpus-per-task 4 --mpi pmi2 --setup 'export HS_T_LINE="a b $((1 + 2))"' \
    --setup-file setup.txt -o "$WORK/r.h5" >srun.sbatch
(cd / && env PATH="$WORK/bin:$PATH" HS_T_DIR="$WORK/tdir" SLURM_CPUS_PER_TASK=4 bash "$WORK/srun.sbatch") >srun.out 2>&1
check "srun job ran" test $? = 0
check "srun argv" grep -qxF "argv: --mpi=pmi2 $HSWEEP run $WORK/s.cfg -o $WORK/r.h5 --log-every 30" srun.log
check "setup line ran before the launch" grep -qxF 'HS_T_LINE=a b 3' srun.log
check "setup file ran before the launch" grep -qxF 'HS_T_FILE=from the file' srun.log
check "setup ran in the job's shell (cd)" grep -qxF "PWD=$WORK/tdir" srun.log
check "SRUN_CPUS_PER_TASK from the job's cpus per task" grep -qxF 'SRUN_CPUS_PER_TASK=4' srun.log
rm -f srun.log
dry s.cfg --template srun --setup 'echo before' --setup false --setup 'echo after' -o "$WORK/r.h5" >fail.sbatch
env PATH="$WORK/bin:$PATH" bash fail.sbatch >fail.out 2>&1
check "a failing setup stops the job (exit 2)" test $? = 2
check "  and says so" grep -q "a setup line failed (exit 1); nothing started" fail.out
check "  before the launch" test ! -e srun.log
check "  after running the lines before it" grep -qx before fail.out
check "  and not those after it" test -z "$(grep -x after fail.out)"
# The requeue template takes HS_MPI; mpirun and collate templates take the setup too.
dry s.cfg --mpi cray_shasta >rq.sbatch
check "requeue: --mpi" grep -qxF "HS_MPI='cray_shasta'" rq.sbatch
check "requeue: srun gets it" grep -qF 'srun) launch=(srun "--mpi=$HS_MPI")' rq.sbatch
dry s.cfg --template mpirun --setup 'module load openmpi' >mp.sbatch
check "mpirun: setup" grep -qxF "HS_SETUP='module load openmpi'" mp.sbatch
check "mpirun: bash -n" bash -n mp.sbatch
# A template of one's own without HS_SETUP: --setup is refused naming it.
grep -v '^HS_SETUP=' "$HS_SRC/slurm/srun.sbatch" >own.sbatch
expect_fail 2 "does not set HS_SETUP" "$HSWEEP" submit s.cfg --template ./own.sbatch --setup true --dry-run

# Template lookup of a build-tree binary: $HSWEEP_TEMPLATES before the source tree's slurm/.
mkdir -p tpl && { echo '# marker: from HSWEEP_TEMPLATES'; cat "$HS_SRC/slurm/srun.sbatch"; } >tpl/srun.sbatch
HSWEEP_TEMPLATES="$WORK/tpl" "$HSWEEP" submit --dry-run s.cfg --template srun >tpl.out 2>/dev/null
check "HSWEEP_TEMPLATES is used" grep -qx '# marker: from HSWEEP_TEMPLATES' tpl.out
HSWEEP_TEMPLATES="$WORK/tpl" "$HSWEEP" submit --dry-run s.cfg --template mpirun >tpl2.out 2>tpl2.err
if [ -d "$(dirname "$HSWEEP")/../slurm" ]; then
    check "then the source tree's slurm/" grep -qxF '#SBATCH --ntasks-per-node=4' tpl2.out
else  # a build directory outside the source tree has no ../slurm beside it
    check "then ../slurm, here missing: refused" grep -qF "no template 'mpirun'" tpl2.err
fi

# Bad values: exit 2, one line naming the option, nothing written.
nl=$'\n'
case_ newline-partition 2 "--partition: the value holds a control character (byte 0x0a at 1, a newline)" "$HSWEEP" submit s.cfg --partition "p${nl}q"
case_ newline-constraint 2 "--constraint: the value holds a control character" "$HSWEEP" submit s.cfg --constraint "a${nl}#SBATCH --x"
case_ newline-sbatch-arg 2 "--sbatch-arg: the value holds a control character" "$HSWEEP" submit s.cfg --sbatch-arg "--comment=a${nl}b"
case_ newline-mail-user 2 "--mail-user: the value holds a control character" "$HSWEEP" submit s.cfg --mail-user "a@b${nl}"
case_ newline-setup 2 "one line per --setup" "$HSWEEP" submit s.cfg --setup "a${nl}b"
case_ tab-gres 2 "--gres: the value holds a control character" "$HSWEEP" submit s.cfg --gres "gpu	2"
case_ blank-gres 2 "--gres takes a list of NAME[:TYPE][:COUNT]" "$HSWEEP" submit s.cfg --gres "gpu 2"
case_ mem-unit 2 "--mem takes a size" "$HSWEEP" submit s.cfg --mem 8X
case_ mem-empty 2 "--mem takes a size" "$HSWEEP" submit s.cfg --mem ""
case_ mem-per-cpu-unit 2 "--mem-per-cpu takes a size" "$HSWEEP" submit s.cfg --mem-per-cpu 1.5G
case_ mem-both 2 "--mem and --mem-per-cpu exclude each other" "$HSWEEP" submit s.cfg --mem 1G --mem-per-cpu 1G
case_ cpus-zero 2 "--cpus-per-task needs a whole number from 1" "$HSWEEP" submit s.cfg --cpus-per-task 0
case_ gpus-per-task 2 "--gpus-per-task takes [TYPE:]N" "$HSWEEP" submit s.cfg --gpus-per-task '1;x'
case_ mail-type 2 "--mail-type: 'SOMETIMES' is not one of" "$HSWEEP" submit s.cfg --mail-type END,SOMETIMES
case_ qos-name 2 "--qos takes a Slurm name" "$HSWEEP" submit s.cfg --qos 'a b'
case_ constraint-chars 2 "--constraint takes node features" "$HSWEEP" submit s.cfg --constraint 'a;b'
case_ mpi-name 2 "--mpi takes an srun MPI plugin name" "$HSWEEP" submit s.cfg --mpi 'pm ix'
case_ mpi-mpirun 2 "--mpi chooses srun's MPI plugin" "$HSWEEP" submit s.cfg --launcher mpirun --mpi pmix
case_ mpi-mpirun-template 2 "--mpi chooses srun's MPI plugin" "$HSWEEP" submit s.cfg --template mpirun --mpi pmix
case_ sbatch-arg-short 2 "--sbatch-arg takes one sbatch option in its long form" "$HSWEEP" submit s.cfg --sbatch-arg -N2
case_ sbatch-arg-space 2 "--sbatch-arg takes one sbatch option in its long form" "$HSWEEP" submit s.cfg --sbatch-arg '--comment x'
case_ sbatch-arg-own 2 "hsweep submit sets --time itself; use --time" "$HSWEEP" submit s.cfg --sbatch-arg --time=5
case_ sbatch-arg-output 2 "sets --output itself" "$HSWEEP" submit s.cfg --sbatch-arg=--output=x.log
case_ sbatch-arg-gres 2 "use --gres" "$HSWEEP" submit s.cfg --sbatch-arg=--gres=gpu:1
printf 'module load x\r\nsource y\r\n' >dos.txt
case_ setup-file-dos 2 "dos.txt:1: a carriage return" "$HSWEEP" submit s.cfg --setup-file dos.txt
printf 'ok\nbad\001\n' >ctl.txt
case_ setup-file-control 2 "ctl.txt:2: a control character" "$HSWEEP" submit s.cfg --setup-file ctl.txt
case_ setup-file-missing 2 "cannot read --setup-file nope.txt: No such file" "$HSWEEP" submit s.cfg --setup-file nope.txt
check "nothing written for refused options" test ! -e results
finish
