#!/bin/sh
# An hsweep exec task in plain shell, for either protocol:
#   protocol = "jsonl": one task per line of stdin, one JSON answer line each;
#   per task (the default): the same JSON object in $HSWEEP_TASK, answered once.
# hsweep writes the task line without spaces, e.g.
#   {"task_id":3,"seed":8,"seed32":8,"sweep_seed":8,"deadline":null,"params":{"a":2,"b":0.25}}
# (seed32: the seed folded to 32 bits, for generators that take no more).
# Naming the task_id in the answer lets hsweep tell it from a late extra one.
get() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p"; }
task() {
    a=$(get "$1" a) b=$(get "$1" b) seed=$(get "$1" seed) id=$(get "$1" task_id) s32=$(get "$1" seed32)
    y=$(awk -v a="$a" -v b="$b" -v s="$seed" 'BEGIN { printf "%.17g", a * b + s }')
    echo "{\"task_id\": $id, \"y\": $y, \"s32\": $s32}"
}
if [ "$HSWEEP_PROTOCOL" = jsonl ]; then
    while IFS= read -r line; do task "$line"; done
else
    task "$HSWEEP_TASK"
fi
