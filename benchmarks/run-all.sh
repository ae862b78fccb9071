#!/usr/bin/env bash
# Runs the whole BenchmarkDotNet suite (every class in benchmarks/Jaeger.Benchmarks, each peer in the same class as
# its baseline) with BenchmarkDotNet's short job, then the bytes retained per stored span, then prints where the
# reports are and how long it took.
# Usage: bash benchmarks/run-all.sh [extra BenchmarkDotNet arguments, e.g. --filter '*Thrift*']
# Aim: under 15 minutes on a 2-core machine. Reports: BenchmarkDotNet.Artifacts/results/*-report-github.md
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
echo "Machine: $(nproc) cores, $(uname -srm); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $(date -u '+%Y-%m-%d %H:%M UTC')"

dotnet build -c Release benchmarks/Jaeger.Benchmarks -v quiet -nologo

filter=("--filter" "*")
if [[ " $* " == *" --filter "* ]]; then
  filter=()
fi

# One process per benchmark class is BenchmarkDotNet's default (isolation); --job short = 1 launch, 3 warmups,
# 3 iterations, which keeps the whole suite inside the budget while the error columns stay meaningful.
dotnet benchmarks/Jaeger.Benchmarks/bin/Release/net10.0/Jaeger.Benchmarks.dll \
  "${filter[@]}" --job short --artifacts BenchmarkDotNet.Artifacts "$@"

# Bytes the in-memory store retains per span (a measurement, not a timing; skipped when a --filter was given).
if [[ ${#filter[@]} -gt 0 ]]; then
  echo
  dotnet benchmarks/Jaeger.Benchmarks/bin/Release/net10.0/Jaeger.Benchmarks.dll --retained
fi

elapsed=$(( $(date +%s) - started ))
echo
echo "Reports:"
ls -1 BenchmarkDotNet.Artifacts/results/*-report-github.md
printf 'Whole suite: %d min %02d s\n' $((elapsed / 60)) $((elapsed % 60))
