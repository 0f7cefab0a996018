#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, from Debian's packages
# (munge, slurmctld, slurmd), for hsweep's tests and for trying the Slurm
# path on a laptop.
#
#   eval "$(slurm/local-cluster.sh up)"    # start (or reuse) it; prints `export SLURM_CONF=...`
#   sbatch / squeue / hsweep submit ...    # talk to it (SLURM_CONF selects it)
#   slurm/local-cluster.sh status          # its daemons and its node
#   slurm/local-cluster.sh down            # cancel its jobs, stop its daemons, remove its directory
#
# Everything lives in one directory, $HS_LOCAL_CLUSTER_DIR (default
# ${TMPDIR:-/tmp}/hsweep-slurm-$UID): slurm.conf, the munge key and socket,
# state, spool, logs, and the PIDs of the three daemons it started.  The
# system's /etc/slurm, /etc/munge and any running munged/slurmd are not
# touched; the daemons listen on free ports picked at start.  `up` on a
# running cluster only prints its environment; `down` stops only the PIDs
# recorded by `up` (after checking each is still the program it started) and
# is a no-op when nothing is running.
#
# Needs root (slurmd starts jobs as the submitting user): run it as root, or
# with sudo and then `export SLURM_CONF=...` as printed.  Debian packages:
#   apt-get install slurmd slurmctld slurm-client munge
# The node has ProctrackType=proctrack/linuxproc and TaskPlugin=task/none (no
# cgroups needed, so it runs in containers) and SelectType=select/cons_tres;
# it declares max(2, nproc) CPUs so that a 2-rank job (coordinator + one
# worker) always fits.  Several clusters (different $HS_LOCAL_CLUSTER_DIR) can
# run side by side: ports, job ids and TmpFS differ.
set -euo pipefail

DIR=${HS_LOCAL_CLUSTER_DIR:-${TMPDIR:-/tmp}/hsweep-slurm-$(id -u)}
PART=${HS_LOCAL_CLUSTER_PARTITION:-debug}
say() { echo "local-cluster: $*" >&2; }
die() { say "$*"; exit 1; }

# alive NAME: the daemon recorded as NAME is running and is still that program.
alive() {
    local pid
    pid=$(cat "$DIR/$1.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$1" || return 1
}

# stop NAME: TERM the recorded PID, wait up to 15 s, then KILL.
stop() {
    alive "$1" || { rm -f "$DIR/$1.pid"; return 0; }
    local pid
    pid=$(cat "$DIR/$1.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do
        alive "$1" || break
        sleep 0.1
    done
    if alive "$1"; then
        say "$1 ($pid) ignored SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$DIR/$1.pid"
}

# free_port: a TCP port no socket on this machine is bound to.
free_port() {
    local used p
    used=$(awk 'NR > 1 { split($2, a, ":"); print strtonum("0x" a[2]) }' /proc/net/tcp /proc/net/tcp6 2>/dev/null || true)
    while :; do
        p=$((20000 + RANDOM % 30000))
        grep -qx "$p" <<<"$used" || { echo "$p"; return; }
    done
}

print_env() { echo "export SLURM_CONF=$DIR/slurm.conf"; }

node_state() { SLURM_CONF="$DIR/slurm.conf" sinfo -h -N -o %T 2>/dev/null | head -n1; }

up() {
    if alive munged && alive slurmctld && alive slurmd; then
        say "already running in $DIR"
        print_env
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "needs root (slurmd starts jobs as their user); try: sudo $0 up"
    local b
    for b in munged slurmctld slurmd sbatch sinfo; do
        command -v "$b" >/dev/null ||
            die "$b not found; install Debian's packages: apt-get install slurmd slurmctld slurm-client munge"
    done
    [ -d "$DIR" ] && down_quiet
    mkdir -p "$DIR"
    chmod 0755 "$DIR"
    mkdir -p "$DIR/munge" "$DIR/ctld" "$DIR/spool" "$DIR/tmp"
    chmod 1777 "$DIR/tmp"
    chmod 0755 "$DIR/munge"

    # munge: a fresh key and a private socket.
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile="$DIR/munge/munge.key" --force
    else
        dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
    fi
    chmod 0600 "$DIR/munge/munge.key"
    local sock="$DIR/munge/munge.socket"
    munged --foreground --force --key-file="$DIR/munge/munge.key" --socket="$sock" \
        --pid-file="$DIR/munge/munged.pidfile" --seed-file="$DIR/munge/munged.seed" \
        --log-file="$DIR/munged.log" </dev/null >>"$DIR/munged.log" 2>&1 &
    echo $! >"$DIR/munged.pid"

    local host cpus mem
    host=$(hostname -s)
    cpus=$(nproc)
    [ "$cpus" -ge 2 ] || cpus=2
    mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 / 2 }' /proc/meminfo)
    cat >"$DIR/slurm.conf" <<EOF
# Written by hsweep's slurm/local-cluster.sh; removed by its 'down'.
ClusterName=hsweeplocal
# A random first job id: MPI libraries name shared-memory segments and session
# directories after the job id, so two clusters on one machine must not share ids.
FirstJobId=$((1000 + (RANDOM * 32768 + RANDOM) % 60000000))
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$sock,cred_expire=10
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/spool
# Private per cluster: srun's PMIx plugin keeps per-step directories named
# after the job id here, so two clusters on one machine must not share it.
TmpFS=$DIR/tmp
SlurmctldPidFile=$DIR/slurmctld.pidfile
SlurmdPidFile=$DIR/slurmd.pidfile
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2
MpiDefault=none
ReturnToService=2
KillWait=10
MinJobAge=600
InactiveLimit=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PART Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    : >"$DIR/cgroup.conf"

    # Wait for munge's socket before the Slurm daemons need it.
    for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || { down_quiet; die "munged did not start; see $DIR/munged.log"; }

    SLURM_CONF="$DIR/slurm.conf" slurmctld -D -i -f "$DIR/slurm.conf" </dev/null >>"$DIR/slurmctld.out" 2>&1 &
    echo $! >"$DIR/slurmctld.pid"
    SLURM_CONF="$DIR/slurm.conf" slurmd -D -f "$DIR/slurm.conf" </dev/null >>"$DIR/slurmd.out" 2>&1 &
    echo $! >"$DIR/slurmd.pid"

    local st=""
    for _ in $(seq 300); do
        st=$(node_state || true)
        case "$st" in idle*) break ;; esac
        if ! alive slurmctld || ! alive slurmd; then break; fi
        sleep 0.1
    done
    case "$st" in
    idle*) ;;
    *)
        say "the node did not come up (state '${st:-none}'); last log lines:"
        tail -n 5 "$DIR/slurmctld.log" "$DIR/slurmd.log" "$DIR/slurmctld.out" "$DIR/slurmd.out" >&2 2>/dev/null || true
        down_quiet
        exit 1
        ;;
    esac
    say "up: node $host, $cpus CPUs, partition $PART; directory $DIR"
    print_env
}

down_quiet() {
    if alive slurmctld && [ -f "$DIR/slurm.conf" ]; then
        # Cancel this cluster's jobs and let slurmd reap their steps first.
        local ids
        ids=$(SLURM_CONF="$DIR/slurm.conf" squeue -h -o %i 2>/dev/null || true)
        if [ -n "$ids" ]; then
            # shellcheck disable=SC2086
            SLURM_CONF="$DIR/slurm.conf" scancel $ids 2>/dev/null || true
            for _ in $(seq 150); do
                [ -z "$(SLURM_CONF="$DIR/slurm.conf" squeue -h -o %i 2>/dev/null)" ] && break
                sleep 0.1
            done
        fi
    fi
    stop slurmd
    stop slurmctld
    stop munged
    # Remove what `up` wrote, then the directory if that leaves it empty.
    rm -rf "$DIR/munge" "$DIR/ctld" "$DIR/spool" "$DIR/tmp"
    rm -f "$DIR"/{slurm,cgroup}.conf "$DIR"/{munged,slurmctld,slurmd}.{log,out,pidfile}
    rmdir "$DIR" 2>/dev/null || true
}

down() {
    if [ ! -e "$DIR" ]; then
        say "nothing running in $DIR"
        return 0
    fi
    down_quiet
    say "down"
}

status() {
    local d
    for d in munged slurmctld slurmd; do
        if alive "$d"; then echo "$d: running (pid $(cat "$DIR/$d.pid"))"; else echo "$d: not running"; fi
    done
    if alive slurmctld; then
        SLURM_CONF="$DIR/slurm.conf" sinfo
        SLURM_CONF="$DIR/slurm.conf" squeue
    fi
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
env) print_env ;;
*)
    echo "usage: $0 up|down|status|env   (directory: \$HS_LOCAL_CLUSTER_DIR, now $DIR)" >&2
    exit 2
    ;;
esac
