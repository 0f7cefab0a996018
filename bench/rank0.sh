#!/bin/sh
# mpiexec ... bench/rank0.sh CMD...: runs CMD; on rank 0 under GNU time, which
# writes "user_s sys_s max_rss_kb" of that one process to $RANK0_TIME, and
# the process's pid to $RANK0_PID (so a benchmark can signal it).  Other
# ranks run CMD as is.  Reading the coordinator from outside like this needs
# no change to hsweep.
rank=${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-0}}
if [ "$rank" = 0 ]; then
    exec /usr/bin/time -f "%U %S %M" -o "$RANK0_TIME" sh -c 'echo $$ > "$RANK0_PID"; exec "$@"' sh "$@"
fi
exec "$@"
