# Sourced by the benchmark scripts. best CMD...: the best wall time of RUNS runs of a command, in
# seconds, its output discarded.
best() {
    local b=999999
    for _ in $(seq "${RUNS:-3}"); do
        local s e
        s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N)
        b=$(python3 -c "print(min($b, $e - $s))")
    done
    printf '%.3f' "$b"
}
