#!/usr/bin/env bash
# Builds Liaison's libFuzzer targets (fuzz/, with -sanitize=fuzzer,address), runs every regression input through
# them, then fuzzes each target for a while. Exits non-zero when a regression input fails or fuzzing finds a crash,
# a hang, an out-of-memory or an AddressSanitizer error; findings are copied to fuzz/findings/ (git-ignored).
#
#   scripts/fuzz.sh [--seconds N] [--jobs J] [--keep-going] [--release] [--pending] [--no-build | --build-only] [--leaks] [target...]
#
#   --seconds N   fuzz each target for N seconds (default 60; 0: regression inputs only)
#   --jobs J      J libFuzzer worker processes per target (libFuzzer's -fork=J; default 1)
#   --keep-going  go on fuzzing after a finding (fork mode; every finding is still saved and fails the run)
#   --release     an optimised build with debug info (fuzz/.build-release): 2-4x the executions a second, twice
#                 the build time; the default debug build is what CI uses
#   --pending     also run fuzz/regressions-pending/ (inputs of bugs not fixed yet: they are expected to fail)
#   --no-build    use the targets already built
#   --build-only  build the targets and stop (test.sh builds them while the integration tests run)
#   --leaks       report memory leaks too (off by default: Swift's runtime and Foundation report leaks of their own)
#   target        csv config ical xliff render mime (default: all)
#
# See fuzz/README.md for what each target covers, its input format, and how to reproduce a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

all_targets=(csv config ical xliff render mime)
seconds=60
jobs=1
pending=0
keep_going=0
configuration=debug
build=1
build_only=0
leaks=0
targets=()
while (($#)); do
    case "$1" in
        --seconds) seconds=$2; shift 2 ;;
        --seconds=*) seconds=${1#*=}; shift ;;
        --jobs) jobs=$2; shift 2 ;;
        --jobs=*) jobs=${1#*=}; shift ;;
        --pending) pending=1; shift ;;
        --keep-going) keep_going=1; shift ;;
        --release) configuration=release; shift ;;
        --no-build) build=0; shift ;;
        --build-only) build_only=1; shift ;;
        --leaks) leaks=1; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *)
            name=${1#fuzz-}
            [[ " ${all_targets[*]} " == *" $name "* ]] || { echo "fuzz.sh: unknown target $1 (targets: ${all_targets[*]})" >&2; exit 2; }
            targets+=("$name"); shift ;;
    esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: --seconds wants a whole number" >&2; exit 2; }
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --jobs wants a positive number" >&2; exit 2; }

# The longest input libFuzzer makes for each target (seeds are cut to it; regression inputs are not).
declare -A max_len=([csv]=16384 [config]=16384 [ical]=16384 [xliff]=16384 [render]=16384 [mime]=4096)

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH="/opt/swift/usr/bin:$PATH"; fi
toolchain=$(dirname "$(readlink -f "$(command -v swift)")")
[ -x "$toolchain/llvm-symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$toolchain/llvm-symbolizer"
export ASAN_OPTIONS="detect_leaks=$leaks:${ASAN_OPTIONS:-}"
# Swift's own crash backtracer would run before libFuzzer's handler (and trip ASan itself): leave crashes to libFuzzer.
export SWIFT_BACKTRACE=enable=no
common=(-timeout=10 -rss_limit_mb=2048 "-detect_leaks=$leaks")

if [[ $configuration == release ]]; then
    scratch=fuzz/.build-release
    flags=(-c release --scratch-path "$scratch" -Xswiftc -g)
else
    scratch=fuzz/.build
    flags=(-c debug)
fi
flags+=(--package-path fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
bin=$scratch/$configuration
work=.build/fuzz-work
findings=fuzz/findings
mkdir -p "$work/artifacts" "$findings"

log() { printf '%s\n' "$*" >&2; }
demangle() { swift demangle --simplified 2>/dev/null || cat; }
# One line about a failure: libFuzzer's or ASan's error, Swift's reason, and the first frame in Liaison's sources.
describe() {  # log
    local error reason frame
    error=$(grep -m1 -E '^==[0-9]+== ?ERROR' "$1" | sed -E 's/^==[0-9]+== ?//; s/ on address.*//; s/ \(pc 0x.*//' || true)
    reason=$(grep -m1 -oE 'Swift runtime failure: [^/]*|Fatal error: .*|MIME contract: .*' "$1" | sed 's/ *$//' || true)
    frame=$(demangle <"$1" | grep -m1 -E '^ *#[0-9]+ .* in .*/Sources/Liaison' | sed -E 's/^ *#[0-9]+ 0x[0-9a-f]+ in //; s#/.*/Sources/#Sources/#' || true)
    printf '%s' "${error:-exited}${reason:+ ($reason)}${frame:+ at $frame}"
}

# 1. Build.
if ((build)); then
    started=$SECONDS
    log "== building the fuzz targets ($configuration, -sanitize=fuzzer,address)"
    # The sanitizers' linker warnings ("Cannot export local symbol") are noise.
    filter() { grep -v -e 'Cannot export local symbol' -e 'unhandled; explicitly declare them' >&2 || true; }
    if ((${#targets[@]} == ${#all_targets[@]})); then
        swift build "${flags[@]}" 2>&1 | filter; status=${PIPESTATUS[0]}
        ((status == 0)) || { log "fuzz.sh: the build failed"; exit 1; }
    else
        for target in "${targets[@]}"; do
            swift build "${flags[@]}" --product "fuzz-$target" 2>&1 | filter; status=${PIPESTATUS[0]}
            ((status == 0)) || { log "fuzz.sh: the build of fuzz-$target failed"; exit 1; }
        done
    fi
    log "== built in $((SECONDS - started)) s"
fi
((build_only)) && exit 0
for target in "${targets[@]}"; do
    [ -x "$bin/fuzz-$target" ] || { log "fuzz.sh: $bin/fuzz-$target is missing (build it, or drop --no-build)"; exit 1; }
done

failures=()

# 2. Regression inputs: every file once, each in a process of its own so that every failure is reported.
# Files ending in .gz are unpacked first (large inputs, a 50 MB line say, are committed compressed).
run_regressions() {  # folder kind (fixed or pending)
    local folder=$1 kind=$2 target file name input status count=0 failed=0
    for target in "${targets[@]}"; do
        [ -d "$folder/$target" ] || continue
        for file in "$folder/$target"/*; do
            name=$(basename "$file")
            [[ -f $file && $name != README* && $name != .* ]] || continue
            input=$file
            if [[ $name == *.gz ]]; then
                input=$work/unpacked/$kind/$target/${name%.gz}
                mkdir -p "$(dirname "$input")"
                [ "$input" -nt "$file" ] || gunzip -c "$file" >"$input"
            fi
            count=$((count + 1))
            local out=$work/regression-$target-$name.log
            started=$SECONDS
            set +e
            "$bin/fuzz-$target" "${common[@]}" "-artifact_prefix=$work/artifacts/" "$input" >"$out" 2>&1
            status=$?
            set -e
            if ((status == 0)); then
                log "   ok    $target $file ($((SECONDS - started)) s)"
                [[ $kind == fixed ]] || log "         passes now: move it to fuzz/regressions/$target/"
            else
                failed=$((failed + 1))
                failures+=("$kind regression $file")
                log "   FAIL  $target $file (exit $status after $((SECONDS - started)) s): $(describe "$out")"
                demangle <"$out" >"$findings/regression-$target-$name.log"
                log "         log: $findings/regression-$target-$name.log"
            fi
        done
    done
    log "== $count $kind regression input(s), $failed failing"
}
log "== regression inputs (fuzz/regressions/)"
run_regressions fuzz/regressions fixed
if ((pending)); then
    log "== pending regression inputs (fuzz/regressions-pending/: bugs not fixed yet)"
    run_regressions fuzz/regressions-pending pending
fi

# 3. Fuzzing.
summary=()
if ((seconds > 0)); then
    for target in "${targets[@]}"; do
        corpus=.build/fuzz-corpus/$target
        mkdir -p "$corpus" "$work/artifacts/$target"
        rm -f "$work/artifacts/$target"/*
        args=("${common[@]}" "-max_total_time=$seconds" "-max_len=${max_len[$target]}" -print_final_stats=1
              "-artifact_prefix=$work/artifacts/$target/")
        [ -f "fuzz/dict/$target.dict" ] && args+=("-dict=fuzz/dict/$target.dict")
        fork=0
        ((jobs > 1 || keep_going)) && fork=1
        ((fork)) && args+=("-fork=$jobs")
        ((keep_going)) && args+=(-ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
        out=$work/fuzz-$target.log
        log "== fuzzing $target for $seconds s (corpus $corpus, seeds fuzz/corpus/$target)"
        set +e
        # Progress: libFuzzer's status lines, at most one every 5 seconds, and every error line.
        "$bin/fuzz-$target" "${args[@]}" "$corpus" "fuzz/corpus/$target" 2>&1 | tee "$out" | {
            shown=0
            while IFS= read -r line; do
                if [[ $line == *"ERROR"* || $line == *"Fatal error"* || $line == "SUMMARY"* || $line == *"Test unit written"* ]]; then
                    log "   [$target] $line"
                elif [[ $line == "#"*" cov: "* ]] && ((SECONDS - shown >= 5)); then
                    shown=$SECONDS
                    log "   [$target] $line"
                fi
            done
        }
        status=${PIPESTATUS[0]}
        set -e
        # Figures from libFuzzer's final statistics and its last status line ("#N ... cov: C ft: F ... exec/s: R").
        last() { grep -oE "$1" "$out" | tail -1 | grep -oE '[0-9]+$' || true; }
        cov=$(last ' cov: [0-9]+')
        ft=$(last ' ft: [0-9]+')
        if ((fork)); then  # fork mode prints no final statistics
            execs=$(grep -oE '^#[0-9]+' "$out" | tail -1 | tr -d '#' || true)
            rate=$(last 'exec/s: [0-9]+')
        else
            execs=$(last 'stat::number_of_executed_units: *[0-9]+')
            rate=$(last 'stat::average_exec_per_sec: *[0-9]+')
        fi
        new=0
        for artifact in "$work/artifacts/$target"/*; do
            [ -f "$artifact" ] || continue
            name=$(basename "$artifact")
            [[ $name == slow-unit-* ]] && continue
            new=$((new + 1))
            cp "$artifact" "$findings/$target-$name"
            demangle <"$out" >"$findings/$target-$name.log"
            failures+=("finding $findings/$target-$name")
            log "   FINDING $findings/$target-$name: $(describe "$out")"
            log "           log: $findings/$target-$name.log"
            log "           reproduce: $bin/fuzz-$target ${common[*]} $findings/$target-$name"
        done
        if ((status != 0 && new == 0)); then
            failures+=("fuzz-$target exited with $status without a finding (log: $out)")
            log "   fuzz-$target exited with $status; log: $out"
        fi
        summary+=("$(printf '%-7s %12s %8s %7s %7s %9s' "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$new")")
    done
    log ""
    log "$(printf '%-7s %12s %8s %7s %7s %9s' target executions exec/s cov ft findings)"
    for line in "${summary[@]}"; do log "$line"; done
fi

# A target that crashed leaves its scratch folder (/dev/shm/liaison-fuzz-<pid>) behind: remove those of dead processes.
for dir in /dev/shm/liaison-fuzz-*; do
    [ -d "$dir" ] && ! kill -0 "${dir##*-}" 2>/dev/null && rm -rf "$dir"
done

if ((${#failures[@]})); then
    log ""
    log "fuzz.sh: ${#failures[@]} failure(s):"
    for failure in "${failures[@]}"; do log "  - $failure"; done
    exit 1
fi
log "fuzz.sh: no failures"
