#!/usr/bin/env bash
# Runs the bench/ benchmarks matching a pattern ROUNDS times, one -count=1 run
# after another, so that the rows a ratio compares are measured side by side:
# on a shared machine a load that comes and goes then hits every row alike,
# where `-count N` would measure one row N times, then the next. Prints the
# raw lines (for benchstat) to stdout.
#
#   scripts/bench-ratio.sh 'BenchmarkVerify(BeSwarm|RS256)/impl=sesame$' 10 > /tmp/r.txt
#   BENCHTIME=4s scripts/bench-ratio.sh 'Benchmark(GoogleCSEPair|VerifyBeSwarm)/impl=ratio$' 10
#   (cd bench && go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da /tmp/r.txt)
set -euo pipefail
pattern="${1:?usage: bench-ratio.sh PATTERN [ROUNDS]}"
rounds="${2:-10}"
benchtime="${BENCHTIME:-1s}"
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(mktemp -d)/bench.test"
trap 'rm -rf "$(dirname "$bin")"' EXIT
(cd "$here/bench" && go test -c -o "$bin" .)
cd "$here/bench"
for i in $(seq "$rounds"); do
	keep='^Benchmark'
	[ "$i" = 1 ] && keep='^(Benchmark|goos|goarch|pkg|cpu)'
	"$bin" -test.run '^$' -test.bench "$pattern" -test.benchmem -test.benchtime "$benchtime" -test.count 1 | grep -E "$keep"
done
