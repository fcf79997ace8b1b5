#!/usr/bin/env bash
# CI: a p-diff smoke sweep (seeds 0,1,2 or $SWEEP_SEEDS, no ablations: 9 jobs) on a BullMQ queue with three
# workers on a fresh redis-server; one worker is SIGKILLed (with its job's process) in the middle
# of a job. The others must finish every job, the killed one resumed from its run directory after
# BullMQ's stalled-job check queued it again, and the aggregate must equal a local run's (numbers
# only: wall times and provenance differ). Prints what happened. Needs redis-server.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v redis-server >/dev/null || { echo "sweep-kill: redis-server is not installed (Debian: apt-get install redis-server)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/paramdiff-sweep-XXXXXX")
groups=()
cleanup() {
  for g in "${groups[@]}"; do kill -9 -- "-$g" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
t0=$SECONDS
say() { printf '[sweep-kill %3ds] %s\n' $((SECONDS - t0)) "$*"; }
# Waits up to $1 seconds for `$2` (a command) to succeed.
wait_for() { local until=$((SECONDS + $1)); shift; until "$@"; do [ $SECONDS -lt $until ] || return 1; sleep 0.5; done; }
TSX=(node --require tsx/cjs)
sweep=(pdiff --scale smoke --seeds "${SWEEP_SEEDS:-0,1,2}" --no-ablations)

port=$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")
setsid redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
groups+=($!)
disown $! # no "Killed" notes from bash when the groups are killed
wait_for 20 grep -qs 'Ready to accept connections' "$work/redis.log"
url="redis://127.0.0.1:$port"
say "redis-server on $url"

# Each worker in its own process group, so that one kill takes the worker and its job's process (a machine lost).
workers=()
for i in 1 2 3; do
  setsid "${TSX[@]}" lib/cli/worker.ts --queue "$url" --store "$work/store" --lock-seconds 10 --busy-seconds 5 >"$work/worker$i.log" 2>&1 &
  workers+=($!)
  groups+=($!)
  disown $!
done
"${TSX[@]}" lib/cli/reproduce.ts "${sweep[@]}" --queue "$url" --store "$work/store" --results "$work/queue-results" >"$work/sweep.log" 2>&1 &
sweep_pid=$!
say "3 workers (pids ${workers[*]}) and the sweep started"

# Kill the first worker seen well into a job: base model and zoo saved, autoencoder or diffusion training under way.
MID_JOB=': (autoencoder [2-9]0/|diffusion [1-9]0/)'
in_job() { grep -lE "$MID_JOB" "$work"/worker[123].log 2>/dev/null | head -1; }
mid_job() { [ -n "$(in_job)" ]; }
wait_for 240 mid_job || { say "no worker got into a job"; tail -n 20 "$work"/*.log; exit 1; }
victim_log=$(in_job)
victim=${victim_log##*worker}; victim=${victim%.log}
line=$(grep -m1 -E "$MID_JOB" "$victim_log")
job=$(sed -E 's/^\[[0-9:]+\] ([^:]+): .*/\1/' <<<"$line")
dir=$(grep -m1 -F "$job: running in" "$victim_log" | sed -E 's/.*running in (.*) \(attempt.*/\1/')
kill -9 -- "-${workers[victim - 1]}"
say "SIGKILLed worker $victim (pid ${workers[victim - 1]}) and its job's process in $job at \"${line#*: }\""
sleep 0.5
say "left behind in $dir: $(cat "$dir/run.lock" 2>/dev/null || echo 'no lock')"

wait "$sweep_pid" || { say "the sweep failed"; cat "$work/sweep.log"; for i in 1 2 3; do tail -20 "$work/worker$i.log"; done; exit 1; }
say "sweep finished; what the queue reported:"
grep -E 'stalled|waits until|busy|failed|: done' "$work/sweep.log" | sed 's/^/    /' || true
taker=$(grep -lF "$job: done" "$work"/worker[123].log | grep -v "worker$victim.log" || true)
[ -n "$taker" ] || { say "no other worker finished $job"; exit 1; }
grep -q "$job: stalled" "$work/sweep.log" || { say "$job was not detected as stalled"; exit 1; }
say "$job was queued again and finished by $(basename "$taker" .log) (first lines, stage ends):"
grep -F "$job:" "$taker" | awk 'NR <= 2 || /done|100\/100/' | sed 's/^/    /'
if grep -F "$job:" "$taker" | grep -E ': (train|collect) ' >/dev/null; then say "$job did not resume: it trained or collected again"; exit 1; fi
say "$job resumed from its run directory: no base-model training, no collection"
for g in "${workers[@]}"; do kill -9 -- "-$g" 2>/dev/null || true; done

say "the same sweep locally, one job at a time"
"${TSX[@]}" lib/cli/reproduce.ts "${sweep[@]}" --root "$work/local" --results "$work/local-results" >"$work/local.log" 2>&1 ||
  { cat "$work/local.log"; exit 1; }

node - "$work/queue-results/pdiff-smoke.json" "$work/local-results/pdiff-smoke.json" <<'EOF'
const fs = require('node:fs');
const assert = require('node:assert/strict');
// The numbers of a results file: per-seed metrics and aggregates, without wall times and provenance.
const numbers = (file) => {
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  const runs = (group) => Object.fromEntries(Object.entries(group).map(([k, a]) => [k, 'perSeed' in a
    ? { seeds: a.seeds, aggregate: a.aggregate, perSeed: a.perSeed.map((s) => ({ seed: s.seed, metrics: s.metrics })) }
    : runs(a)]));
  return { seeds: r.seeds, backends: r.backends, missing: r.missing, runs: runs(r.runs), ablations: runs(r.ablations) };
};
const [queue, local] = process.argv.slice(2).map(numbers);
assert.deepEqual(queue, local);
const presets = Object.keys(queue.runs);
const count = presets.reduce((n, p) => n + queue.runs[p].perSeed.length, 0);
console.log(`[sweep-kill] the queue's aggregate equals the local one: ${presets.join(', ')} × seeds ${queue.seeds.join(',')} ` +
  `(${count} runs, ${Object.keys(queue.runs[presets[0]].aggregate).length} metrics each, backend ${queue.backends.join(', ')}); ` +
  `e.g. generated.mean ${queue.runs[presets[0]].aggregate['generated.mean'].mean.toFixed(4)}`);
EOF
say "passed"
