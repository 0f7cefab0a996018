# hs-labels: style
# Every C file of the project is laid out as .clang-format says: a file
# that clang-format would change fails, naming it and the first lines.
. "$(dirname "$0")/lib.bash"
command -v clang-format >/dev/null ||
    fail "clang-format is missing (apt-get install clang-format; .ci/setup.sh installs it)"
cd "$HS_SRC" || exit 1
[ -f .clang-format ] || fail "no .clang-format at the top of the source tree"
bad=0 n=0
while IFS= read -r f; do
    n=$((n + 1))
    if ! d=$(clang-format --style=file "$f" | diff -u "$f" -); then
        echo "$f: not formatted (clang-format -i $f):" >&2
        printf '%s\n' "$d" | sed -n '3,12p' >&2
        bad=$((bad + 1))
    fi
done < <(git ls-files '*.c' '*.h' 2>/dev/null || find src include tests bench -name '*.[ch]')
[ "$n" -gt 100 ] || fail "found only $n C files under $HS_SRC"
[ "$bad" = 0 ] || fail "$bad of $n C files are not formatted"
echo "format: $n C files formatted"
