#!/usr/bin/env bash
# A real Slurm cluster on this machine, from Debian's packages (munge,
# slurmctld, slurmd), for hsweep's tests and for trying the Slurm path on a
# laptop: one node (default), or N nodes emulated with network namespaces.
#
#   eval "$(slurm/local-cluster.sh up)"    # start (or reuse) it; prints `export SLURM_CONF=...`
#   eval "$(slurm/local-cluster.sh up --nodes 3)"   # three nodes, see below
#   sbatch / squeue / hsweep submit ...    # talk to it (SLURM_CONF selects it)
#   slurm/local-cluster.sh status          # its daemons and its node
#   slurm/local-cluster.sh down            # cancel its jobs, stop its daemons, remove its directory
#   slurm/local-cluster.sh kill-node NAME  # SIGKILL every process of node NAME (N > 1): a lost node
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
#
# With --nodes N (N >= 2) each node is a network namespace of its own, named
# hs<tag>n<i>, joined to a bridge hsb<tag> in the root namespace by a veth
# pair; they get addresses .1 (bridge, slurmctld) and .11, .12, ... of a
# private 10.x.y.0/24 that no interface or route of this machine uses.  One
# slurmd per node (slurmd -N hsn<i>) runs in its namespace with its own host
# name (nsenter --net, not `ip netns exec`, which remounts /sys and hides the
# cgroup mounts); files, processes and /dev/shm stay shared, as on a cluster
# with a shared file system.  `up` then also prints
#   HS_CLUSTER_NODES="hsn1 hsn2 ..."  HS_CLUSTER_SUBNET=10.x.y.0/24
#   HS_CLUSTER_AGENT=DIR/rsh-agent    (AGENT HOST CMD... runs CMD on that node)
# and OMPI_MCA_{oob,btl}_tcp_if_include=SUBNET, so that Open MPI's mpiexec
# reaches the nodes from outside Slurm:
#   mpiexec --mca plm_rsh_agent "$HS_CLUSTER_AGENT" --host hsn1:2,hsn2:2 -n 4 prog
# `down` deletes the namespaces, veth pairs and bridge it made (recorded in
# DIR/nodes and DIR/bridge), and only those.
set -euo pipefail

DIR=${HS_LOCAL_CLUSTER_DIR:-${TMPDIR:-/tmp}/hsweep-slurm-$(id -u)}
PART=${HS_LOCAL_CLUSTER_PARTITION:-debug}
say() { echo "local-cluster: $*" >&2; }
die() { say "$*"; exit 1; }

# alive NAME: the daemon recorded as NAME (slurmd-NODE for a node's slurmd)
# is running and is still that program.
alive() {
    local pid
    pid=$(cat "$DIR/$1.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "${1%%-*}" || return 1
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

# free_port: a TCP port no socket on this machine uses, below the range the
# kernel hands out to outgoing connections (ip_local_port_range), so that no
# client takes it between this check and the daemon's bind.
free_port() {
    local used p lo=32768
    read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    [ "$lo" -ge 12000 ] || lo=32768
    # shellcheck disable=SC2046 # one hex port a word
    used=$(printf '%d\n' $(awk 'FNR > 1 { split($2, a, ":"); print "0x" a[2] }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null) 2>/dev/null || true)
    while :; do
        p=$((10000 + RANDOM % (lo - 10000)))
        grep -qx "$p" <<<"$used" || { echo "$p"; return; }
    done
}

NODES=1 # up --nodes N

# daemons: the names under which `up` recorded its daemons' PIDs.
daemons() {
    echo munged slurmctld
    if [ -f "$DIR/nodes" ]; then awk '{ print "slurmd-" $1 }' "$DIR/nodes"; else echo slurmd; fi
}
all_alive() {
    local d
    [ -f "$DIR/slurm.conf" ] || return 1
    for d in $(daemons); do alive "$d" || return 1; done
}

node_names() { awk '{ print $1 }' "$DIR/nodes" | paste -sd ' ' -; }

print_env() {
    echo "export SLURM_CONF=$DIR/slurm.conf"
    [ -f "$DIR/nodes" ] || return 0
    local sub
    sub=$(cat "$DIR/subnet")
    echo "export HS_CLUSTER_NODES=\"$(node_names)\""
    echo "export HS_CLUSTER_SUBNET=$sub HS_CLUSTER_AGENT=$DIR/rsh-agent"
    echo "export OMPI_MCA_oob_tcp_if_include=$sub OMPI_MCA_btl_tcp_if_include=$sub"
}

# idle_nodes: how many of the cluster's nodes are idle.
idle_nodes() { SLURM_CONF="$DIR/slurm.conf" sinfo -h -N -o %T 2>/dev/null | grep -c '^idle' || true; }

# ip4 A.B.C.D: the address as a 32-bit number.
ip4() {
    local a b c d
    IFS=. read -r a b c d <<<"$1"
    echo $(((${a:-0} << 24) | (${b:-0} << 16) | (${c:-0} << 8) | ${d:-0}))
}

# subnet_free NET: no address or route of this machine overlaps NET/24.
subnet_free() {
    local net p len m
    net=$(ip4 "$1")
    for p in $(ip -4 -o addr show | awk '{ print $4 }') \
        $(ip -4 route show table all | awk '{ for (i = 1; i <= 2; i++) if ($i ~ /^[0-9.]+(\/[0-9]+)?$/) { print $i; break } }'); do
        len=${p#*/}
        [ "$len" = "$p" ] && len=32
        [ "$len" -lt 24 ] || len=24
        m=$(((0xffffffff << (32 - len)) & 0xffffffff))
        [ "$len" = 0 ] && continue # a default route overlaps everything
        [ $(($(ip4 "${p%/*}") & m)) = $((net & m)) ] && return 1
    done
    return 0
}

# make_net N: a bridge and N namespaces with a veth pair each (recorded in
# DIR/bridge and DIR/nodes as they are made), and the rsh agent.
make_net() {
    local n=$1 tag a b i name ns veth addr
    while :; do
        tag=$(printf '%04x' $((RANDOM % 65536)))
        ip link show "hsb$tag" >/dev/null 2>&1 || [ -e "/run/netns/hs${tag}n1" ] || break
    done
    for _ in $(seq 100); do
        a=$((200 + RANDOM % 55)) b=$((RANDOM % 256))
        subnet_free "10.$a.$b.0" && break
        a=""
    done
    [ -n "$a" ] || die "found no free private /24 (10.200-254.x.0) for the node network"
    echo "hsb$tag" >"$DIR/bridge"
    echo "10.$a.$b.0/24" >"$DIR/subnet"
    ip link add "hsb$tag" type bridge
    ip addr add "10.$a.$b.1/24" dev "hsb$tag"
    ip link set "hsb$tag" up
    : >"$DIR/nodes"
    for i in $(seq "$n"); do
        name=hsn$i ns=hs${tag}n$i veth=hsv$tag$i addr=10.$a.$b.$((10 + i))
        echo "$name $addr $ns $veth" >>"$DIR/nodes"
        ip netns add "$ns"
        ip link add "$veth" type veth peer name "hsp$tag$i"
        ip link set "hsp$tag$i" netns "$ns"
        ip link set "$veth" master "hsb$tag" up
        ip -n "$ns" link set "hsp$tag$i" name eth0
        ip -n "$ns" addr add "$addr/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
    done
    # shellcheck disable=SC2016 # the agent's own variables
    {
        echo '#!/bin/sh'
        echo "# Written by hsweep's slurm/local-cluster.sh for the cluster in $DIR."
        echo '# AGENT HOST CMD...: run CMD on node HOST (its network namespace, its host name),'
        echo '# as ssh would; for Open MPI: mpiexec --mca plm_rsh_agent AGENT --host hsn1,hsn2 ...'
        echo 'h=$1; shift'
        echo 'case "$h" in'
        awk '{ printf "%s) ns=/run/netns/%s ;;\n", $1, $3 }' "$DIR/nodes"
        echo '*) echo "rsh-agent: no node '\''$h'\'' in this cluster" >&2; exit 255 ;;'
        echo 'esac'
        echo 'exec nsenter --net="$ns" unshare --uts sh -c "hostname $h; $*"'
    } >"$DIR/rsh-agent"
    chmod 0755 "$DIR/rsh-agent"
}

# ns_pids NS: the processes in network namespace NS (one of ours).
ns_pids() {
    local want
    want=$(stat -L -c %i "/run/netns/$1" 2>/dev/null) || return 0
    # find fails on processes that end while it reads /proc: not an error here.
    { find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -lname "net:\[$want\]" 2>/dev/null || true; } |
        cut -d/ -f3
}

# kill_ns NS: SIGKILL every process in NS until none is left (they may fork).
kill_ns() {
    local pids
    for _ in $(seq 50); do
        pids=$(ns_pids "$1")
        [ -n "$pids" ] || return 0
        # shellcheck disable=SC2086
        kill -KILL $pids 2>/dev/null || true
        sleep 0.1
    done
    say "processes left in namespace $1: $(ns_pids "$1" | tr '\n' ' ')"
}

kill_node() {
    local ns
    [ -f "$DIR/nodes" ] || die "no multi-node cluster in $DIR"
    ns=$(awk -v n="$1" '$1 == n { print $3 }' "$DIR/nodes")
    [ -n "$ns" ] || die "no node '$1' in $DIR (nodes: $(awk '{ print $1 }' "$DIR/nodes" | tr '\n' ' '))"
    kill_ns "$ns"
    say "killed every process of node $1"
}

# start_daemons N: slurmctld, and slurmd on each of the N nodes.
start_daemons() {
    SLURM_CONF="$DIR/slurm.conf" slurmctld -D -i -f "$DIR/slurm.conf" </dev/null >>"$DIR/slurmctld.out" 2>&1 &
    echo $! >"$DIR/slurmctld.pid"
    if [ "$1" -gt 1 ]; then
        local name ns
        while read -r name _ ns _; do
            # nsenter and unshare exec, so the recorded PID ends as slurmd's.
            SLURM_CONF="$DIR/slurm.conf" nsenter --net="/run/netns/$ns" unshare --uts \
                sh -c "hostname $name && exec slurmd -D -N $name -f '$DIR/slurm.conf'" \
                </dev/null >>"$DIR/slurmd-$name.out" 2>&1 &
            echo $! >"$DIR/slurmd-$name.pid"
        done <"$DIR/nodes"
    else
        SLURM_CONF="$DIR/slurm.conf" slurmd -D -f "$DIR/slurm.conf" </dev/null >>"$DIR/slurmd.out" 2>&1 &
        echo $! >"$DIR/slurmd.pid"
    fi
}

# wait_idle N: wait (up to 30 s) until N nodes are idle or a daemon died; prints the idle count.
wait_idle() {
    local idle=0 d dead
    for _ in $(seq 300); do
        idle=$(idle_nodes)
        [ "$idle" -ge "$1" ] && break
        dead=""
        for d in $(daemons); do alive "$d" || dead=$d; done
        [ -z "$dead" ] || break
        sleep 0.1
    done
    echo "$idle"
}

up() {
    local n=$NODES
    if all_alive; then
        local have=1
        [ -f "$DIR/nodes" ] && have=$(wc -l <"$DIR/nodes")
        [ "$have" = "$n" ] || die "a cluster of $have node(s) runs in $DIR; '$0 down' it first"
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
    if [ "$n" -gt 1 ]; then
        for b in ip nsenter unshare; do
            command -v "$b" >/dev/null || die "$b not found (needed for --nodes $n): apt-get install iproute2 util-linux"
        done
    fi
    [ -e "$DIR" ] && down_quiet
    mkdir -p "$DIR"
    chmod 0755 "$DIR"
    mkdir -p "$DIR/munge" "$DIR/ctld"
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

    local host cpus mem ctld_addr
    host=$(hostname -s)
    cpus=$(nproc)
    [ "$cpus" -ge 2 ] || cpus=2
    mem=$(awk '/MemTotal/ { printf "%d", $2 / 1024 / 2 }' /proc/meminfo)
    ctld_addr=127.0.0.1
    if [ "$n" -gt 1 ]; then
        if ! (make_net "$n") 2>"$DIR/net.err"; then
            cat "$DIR/net.err" >&2
            down_quiet
            die "could not make the node network (network namespaces, veth, bridge) for --nodes $n"
        fi
        ctld_addr=$(sed 's|\.0/24$|.1|' "$DIR/subnet")
    fi
    cat >"$DIR/slurm.conf" <<EOF
# Written by hsweep's slurm/local-cluster.sh; removed by its 'down'.
ClusterName=hsweeplocal
# A random first job id: MPI libraries name shared-memory segments and session
# directories after the job id, so two clusters on one machine must not share ids.
FirstJobId=$((1000 + (RANDOM * 32768 + RANDOM) % 60000000))
SlurmctldHost=$host($ctld_addr)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire also sets how long a requeued job waits before it may start again (default 120 s).
AuthInfo=socket=$sock,cred_expire=10
StateSaveLocation=$DIR/ctld
SlurmctldPidFile=$DIR/slurmctld.pidfile
SlurmctldLogFile=$DIR/slurmctld.log
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
EOF
    if [ "$n" -gt 1 ]; then
        local name addr nodelist=""
        cat >>"$DIR/slurm.conf" <<EOF
# $n nodes, each a network namespace with its own address (see $DIR/nodes).
SlurmdSpoolDir=$DIR/spool-%n
SlurmdPidFile=$DIR/slurmd-%n.pidfile
SlurmdLogFile=$DIR/slurmd-%n.log
# Private per cluster and per node: srun's PMIx plugin keeps per-step
# directories named after the job id here, the same name on every node.
TmpFS=$DIR/tmp-%n
EOF
        while read -r name addr _; do
            mkdir -p "$DIR/spool-$name" "$DIR/tmp-$name"
            chmod 1777 "$DIR/tmp-$name"
            echo "NodeName=$name NodeAddr=$addr CPUs=$cpus RealMemory=$mem State=UNKNOWN" >>"$DIR/slurm.conf"
            nodelist=$nodelist${nodelist:+,}$name
        done <"$DIR/nodes"
        echo "PartitionName=$PART Nodes=$nodelist Default=YES MaxTime=INFINITE State=UP" >>"$DIR/slurm.conf"
    else
        mkdir -p "$DIR/spool" "$DIR/tmp"
        chmod 1777 "$DIR/tmp"
        cat >>"$DIR/slurm.conf" <<EOF
SlurmdSpoolDir=$DIR/spool
SlurmdPidFile=$DIR/slurmd.pidfile
SlurmdLogFile=$DIR/slurmd.log
# Private per cluster: srun's PMIx plugin keeps per-step directories named
# after the job id here, so two clusters on one machine must not share it.
TmpFS=$DIR/tmp
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=$PART Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    fi
    : >"$DIR/cgroup.conf"

    # Wait for munge's socket before the Slurm daemons need it.
    for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
    [ -S "$sock" ] || { down_quiet; die "munged did not start; see $DIR/munged.log"; }

    # A port that was free when picked may be taken before the daemon binds
    # it (by a program that binds fixed ports): then new ports, up to 3 tries.
    local try idle=0 d f
    for try in 1 2 3; do
        start_daemons "$n"
        idle=$(wait_idle "$n")
        [ "$idle" -ge "$n" ] && break
        grep -qs "Address already in use" "$DIR"/slurm*.log "$DIR"/slurm*.out || break
        [ "$try" = 3 ] && break
        say "a port was taken; trying new ones"
        for d in $(daemons); do
            case "$d" in slurm*) stop "$d" ;; esac
        done
        sed -i -e "s/^SlurmctldPort=.*/SlurmctldPort=$(free_port)/" -e "s/^SlurmdPort=.*/SlurmdPort=$(free_port)/" "$DIR/slurm.conf"
        for f in "$DIR"/slurm*.log "$DIR"/slurm*.out; do [ ! -f "$f" ] || mv "$f" "$f.try$try"; done
    done
    if [ "$idle" -lt "$n" ]; then
        say "$idle of $n node(s) came up; last log lines:"
        SLURM_CONF="$DIR/slurm.conf" sinfo -N >&2 2>/dev/null || true
        tail -n 5 "$DIR"/slurm*.log "$DIR"/slurm*.out >&2 2>/dev/null || true
        down_quiet
        exit 1
    fi
    if [ "$n" -gt 1 ]; then
        say "up: nodes $(node_names) on $(cat "$DIR/subnet"), $cpus CPUs each, partition $PART; directory $DIR"
    else
        say "up: node $host, $cpus CPUs, partition $PART; directory $DIR"
    fi
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
    local d
    for d in $(daemons); do
        case "$d" in slurmd*) stop "$d" ;; esac
    done
    stop slurmctld
    stop munged
    # The node network: what is left in the namespaces, the namespaces (their
    # veth ends go with them), then the bridge; only what DIR records.
    if [ -f "$DIR/nodes" ]; then
        local name ns veth
        while read -r name _ ns veth; do
            [ -e "/run/netns/$ns" ] || continue
            kill_ns "$ns"
            ip netns delete "$ns" 2>/dev/null || say "could not delete namespace $ns"
            ! ip link show "$veth" >/dev/null 2>&1 || ip link delete "$veth" 2>/dev/null || true
            rm -rf "$DIR/spool-$name" "$DIR/tmp-$name"
            rm -f "$DIR/slurmd-$name".{log,out,pidfile}
        done <"$DIR/nodes"
    fi
    if [ -f "$DIR/bridge" ]; then
        local br
        br=$(cat "$DIR/bridge")
        ! ip link show "$br" >/dev/null 2>&1 || ip link delete "$br" type bridge || say "could not delete bridge $br"
    fi
    # Remove what `up` wrote, then the directory if that leaves it empty.
    rm -rf "$DIR/munge" "$DIR/ctld" "$DIR/spool" "$DIR/tmp"
    rm -f "$DIR"/{slurm,cgroup}.conf "$DIR"/{munged,slurmctld,slurmd}.{log,out,pidfile}
    rm -f "$DIR"/{nodes,bridge,subnet,rsh-agent,net.err} "$DIR"/slurm*.try[0-9]
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
    for d in $(daemons); do
        if alive "$d"; then echo "$d: running (pid $(cat "$DIR/$d.pid"))"; else echo "$d: not running"; fi
    done
    if alive slurmctld; then
        SLURM_CONF="$DIR/slurm.conf" sinfo -N
        SLURM_CONF="$DIR/slurm.conf" squeue
    fi
}

usage() {
    echo "usage: $0 up [--nodes N] | down | status | env | kill-node NAME   (directory: \$HS_LOCAL_CLUSTER_DIR, now $DIR)" >&2
    exit 2
}

case "${1:-}" in
up)
    shift
    while [ $# -gt 0 ]; do
        case "$1" in
        --nodes) [ $# -ge 2 ] || usage; NODES=$2; shift 2 ;;
        --nodes=*) NODES=${1#--nodes=}; shift ;;
        *) usage ;;
        esac
    done
    case "$NODES" in '' | *[!0-9]* | 0*) die "--nodes wants a whole number from 1 to 200, not '$NODES'" ;; esac
    [ "$NODES" -le 200 ] || die "--nodes wants a whole number from 1 to 200, not '$NODES'"
    up
    ;;
down) down ;;
status) status ;;
env) print_env ;;
kill-node) [ $# = 2 ] || usage; kill_node "$2" ;;
*) usage ;;
esac
