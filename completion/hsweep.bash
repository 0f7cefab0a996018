# bash completion for hsweep (installed as share/bash-completion/completions/hsweep).
#
# Everything is read from the hsweep being completed (the command word as
# typed), so the words match that binary: subcommands, each subcommand's
# options and the values an option names (`--isolation fork|none`) from
# `hsweep SUBCOMMAND --help`, kernel names and parameters from `hsweep
# kernels`, sweep names from the sweep file (`hsweep plan`) or results file
# (`hsweep status`) on the command line.

# _hsweep_help HSWEEP CMD: the option lines of CMD's --help ("  -o, --output FILE  ...").
_hsweep_help() {
    "$1" "$2" --help 2>/dev/null | grep -E '^ +(-[A-Za-z], )?--[a-z]'
}

# _hsweep_sweeps HSWEEP WORD...: the sweep names of every .cfg and .h5 file among the words.
_hsweep_sweeps() {
    local hs=$1 w
    shift
    for w in "$@"; do
        case "$w" in
        *.cfg) [ -r "$w" ] && "$hs" plan "$w" --rows 0 2>/dev/null | sed -n 's/^sweep \([^ ]*\) .*/\1/p' ;;
        *.h5) [ -r "$w" ] && "$hs" status "$w" 2>/dev/null | sed -n 's/^sweep \([^ ]*\) .*/\1/p' ;;
        esac
    done
}

_hsweep() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local hs=${COMP_WORDS[0]} cmd=${COMP_WORDS[1]:-} i
    hs=${hs/#\~/$HOME}
    COMPREPLY=()
    local cmds="run plan status kernels task collate report diag submit help"
    if [ "$COMP_CWORD" -eq 1 ]; then
        mapfile -t COMPREPLY < <(compgen -W "$cmds --help --version" -- "$cur")
        return
    fi
    if [ "$cmd" = help ]; then
        [ "$COMP_CWORD" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
        return
    fi
    local help
    help=$(_hsweep_help "$hs" "$cmd")
    # the value of an option: its alternatives, sweep names, or file names
    if [[ $prev == -* ]]; then
        local line arg
        line=$(printf '%s\n' "$help" | grep -E -- "(^| )$prev( |,|$)" | head -n 1)
        arg=$(printf '%s\n' "$line" | sed -nE 's/^ +(-[A-Za-z], )?--[a-z-]+ ([^ ]+).*/\2/p')
        if [ -n "$arg" ]; then
            case "$arg" in
            *'|'*) mapfile -t COMPREPLY < <(compgen -W "${arg//|/ }" -- "$cur") ;;
            NAME | S | 'S[,S...]')
                mapfile -t COMPREPLY < <(compgen -W "$(_hsweep_sweeps "$hs" "${COMP_WORDS[@]}")" -- "$cur") ;;
            *FILE* | LIB) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
            esac
            return
        fi
    fi
    if [[ $cur == -* ]]; then
        local names
        names=$(printf '%s\n' "$help" | sed -nE 's/^ +(-[A-Za-z], )?(--[a-z][a-z-]*).*/\2/p' | sort -u)
        mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur")
        return
    fi
    # positional arguments
    case "$cmd" in
    kernels)
        mapfile -t COMPREPLY < <(compgen -W "$("$hs" kernels 2>/dev/null | sed -n 's/^  \([a-z_0-9]*\) .*/\1/p')" -- "$cur")
        ;;
    task)
        local kernel=""
        for ((i = 2; i < COMP_CWORD; i++)); do
            case "${COMP_WORDS[i]}" in
            -*) [[ ${COMP_WORDS[i]} != *=* ]] && printf '%s\n' "$help" | grep -qE -- "${COMP_WORDS[i]} [A-Z]" && i=$((i + 1)) ;;
            *=*) ;;
            *) kernel=${COMP_WORDS[i]} ;;
            esac
        done
        if [ -z "$kernel" ]; then
            mapfile -t COMPREPLY < <(compgen -W "$("$hs" kernels 2>/dev/null | sed -n 's/^  \([a-z_0-9]*\) .*/\1/p')" -- "$cur")
        else
            # the kernel's parameters as key=
            mapfile -t COMPREPLY < <(compgen -W "$("$hs" kernels "$kernel" 2>/dev/null |
                sed -n '/^parameters:/,/^$/s/^  \([a-z_0-9]*\) .*/\1=/p')" -- "$cur")
            compopt -o nospace 2>/dev/null
        fi
        ;;
    run | plan | submit) mapfile -t COMPREPLY < <(compgen -f -X '!*.cfg' -- "$cur"; compgen -d -- "$cur") ;;
    status | collate | report) mapfile -t COMPREPLY < <(compgen -f -X '!*.h5' -- "$cur"; compgen -d -- "$cur") ;;
    diag) mapfile -t COMPREPLY < <(compgen -f -X '!*.csv' -- "$cur"; compgen -d -- "$cur") ;;
    esac
}
complete -F _hsweep hsweep
