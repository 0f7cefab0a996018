#!/bin/bash
# Runs benchmarks and records everything they print in one log,
# bench/results/<UTC date>-<commit>.log, from which bench/tables.py derives
# the tables of bench/README.md.
#   bench/run_all.sh [VAR=value ...] [NAME ...]
# NAME is a script bench/NAME.sh, or a path DIR/NAME.sh (default: every
# bench/*.sh but lib.sh, rank0.sh and this one, in name order).  A VAR=value argument sets VAR for
# the next NAME only (e.g. `N=20000 dispatch M=100 vs_parallel`); the
# environment applies to all (HSWEEP, REPS, BENCH_WORK, ... as in lib.sh).
# Scripts whose usage takes [BUILD_DIR] get the directory of $HSWEEP.
# Prefix with `nice` on a shared machine; the log records the nice level.
#   RESULTS   where the log goes (default bench/results)
#
# Log format (one line each; markers start with "@@bench "):
#   # key: value                        header: command, commit, dirty, date,
#                                       machine, nice, load before
#   @@bench begin NAME
#   # key: value                        command, env, start, load before
#   @@bench stdout
#   ...                                 the script's stdout, verbatim
#   @@bench stderr
#   ...                                 its stderr, verbatim
#   @@bench end NAME rc=RC seconds=S load=L1 L5 L15
#   # load after: L1 L5 L15             trailer, once every section is written
set -u
dir=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$dir/.." && pwd)
HSWEEP=${HSWEEP:-$root/build/hsweep}
build=$(cd "$(dirname "$HSWEEP")" 2>/dev/null && pwd) || build=$(dirname "$HSWEEP")
results=${RESULTS:-$dir/results}

names=() envs=() pending=()
for a in "$@"; do
    case $a in
    [A-Za-z_]*=*) pending+=("$a") ;;
    */*.sh)
        [ -f "$a" ] || { echo "run_all: no benchmark $a" >&2; exit 2; }
        names+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")")
        envs+=("$(printf '%s\n' "${pending[@]}")")
        pending=() ;;
    *)
        [ -f "$dir/$a.sh" ] || { echo "run_all: no benchmark bench/$a.sh" >&2; exit 2; }
        names+=("$a")
        envs+=("$(printf '%s\n' "${pending[@]}")")
        pending=() ;;
    esac
done
[ ${#pending[@]} -eq 0 ] || { echo "run_all: ${pending[*]} sets nothing (put it before a NAME)" >&2; exit 2; }
if [ ${#names[@]} -eq 0 ]; then
    for f in "$dir"/*.sh; do
        b=$(basename "$f" .sh)
        case $b in lib | rank0 | run_all) continue ;; esac
        names+=("$b")
        envs+=("")
    done
fi

commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
dirty=no
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    dirty="yes ($(git -C "$root" status --porcelain --untracked-files=no | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//'))"
fi
stamp=$(date -u +%Y-%m-%dT%H%MZ)
mkdir -p "$results"
log=$results/$stamp-${commit:0:7}.log
[ -e "$log" ] && log=$results/$stamp-${commit:0:7}-$$.log
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
load() { cut -d' ' -f1-3 /proc/loadavg; }
{
    echo "# hsweep bench log 1"
    echo "# command: bench/run_all.sh $*"
    echo "# commit: $commit"
    echo "# dirty: $dirty"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# machine: $(nproc) cores, ${cpu:-unknown CPU}, $mem, $(uname -sr)"
    echo "# hsweep: $HSWEEP"
    echo "# nice: $(nice)"
    echo "# load before: $(load)"
} >"$log"
echo "run_all: writing $log" >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for i in "${!names[@]}"; do
    b=${names[$i]} script=$dir/${names[$i]}.sh
    case $b in /*) script=$b b=$(basename "$b" .sh) ;; esac
    shell=sh
    head -1 "$script" | grep -q bash && shell=bash
    args=()
    grep -q '\[BUILD_DIR\]' "$script" && args=("$build")
    # The knobs this script reads (${VAR:-...}, its own and lib.sh's), as set.
    knobs=$(cat "$script" $(grep -q 'lib\.sh' "$script" && echo "$dir/lib.sh") |
        grep -o '\${[A-Z][A-Z0-9_]*:-' | sed 's/[${:-]//g' | sort -u)
    mapfile -t assign < <(printf '%s' "${envs[$i]}" | grep .)
    set_env=""
    for k in $knobs; do
        v=$(env "${assign[@]}" printenv "$k") || continue
        case $v in *" "*) v="\"$v\"" ;; esac
        set_env="$set_env $k=$v"
    done
    echo "== $b" >&2
    l0=$(load)
    t0=$(date +%s.%N)
    (cd "$root" && env HSWEEP="$HSWEEP" "${assign[@]}" "$shell" "$script" "${args[@]}") >"$tmp/out" 2>"$tmp/err" </dev/null
    rc=$?
    t1=$(date +%s.%N)
    {
        echo "@@bench begin $b"
        echo "# command: $shell ${script#"$root"/}${args[*]:+ ${args[*]}}"
        echo "# env:${set_env:- (defaults)}"
        echo "# start: $(date -u -d "@${t0%.*}" +%Y-%m-%dT%H:%M:%SZ)"
        echo "# load before: $l0"
        echo "@@bench stdout"
        cat "$tmp/out"
        echo "@@bench stderr"
        cat "$tmp/err"
        echo "@@bench end $b rc=$rc seconds=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") load=$(load)"
    } >>"$log"
    cat "$tmp/out"
    if [ "$rc" != 0 ]; then
        echo "run_all: $b failed (rc $rc); its stderr is in $log" >&2
        status=1
    fi
done
echo "# load after: $(load)" >>"$log"
echo "run_all: wrote $log" >&2
exit $status
