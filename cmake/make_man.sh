#!/bin/sh
# make_man.sh HSWEEP HELP2MAN OUT: hsweep's man page, from `hsweep --help` and
# `--version` (help2man) with each subcommand's --help as a COMMANDS section.
set -eu
hs=$1 h2m=$2 out=$3
inc=$out.h2m
{
    echo "[COMMANDS]"
    for c in run plan status kernels task collate report diag submit; do
        text=$("$hs" "$c" --help 2>/dev/null) || continue
        echo ".SS $c"
        echo ".nf"
        # roff: a backslash is \e; a line starting with . or ' is escaped by \&
        printf '%s\n' "$text" | sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"
        echo ".fi"
    done
    echo "[SEE ALSO]"
    echo "README.md of the hsweep sources: sweep files, the results file, Slurm."
} > "$inc"
# the version line only ("hsweep X.Y.Z"): commit and libraries belong to a build
"$h2m" --no-info --version-string="$("$hs" --version | sed -n '1s/^hsweep //p')" --name="a distributed MPI parameter-sweep runner" --include="$inc" \
    --output="$out" "$hs"
