#!/usr/bin/env bash
# compare.sh — the simulator against the real example node, on this machine,
# back to back (docs/performance.md, "Simulator vs node").
#
#   1. calibrate the simulator here (calib.Measure, node costs included);
#   2. for each cross-shard share: start a fresh single-process node
#      (4 shards × 5 validators, pob, 50 ms tick, producer every 2 ticks,
#      256 transfers per optimistic block, pebble) and saturate it with its
#      load generator; record what it accepted and finalized, the CPU time
#      of node and generator, and the load average;
#   3. simulate the same settings at the rate the node accepted, with
#      -node-loop (the node's loop, calibrated) and without it (the earlier
#      -host-cores model), from the calibration of step 1.
#
# Usage: examples/sim/compare.sh [OUTDIR]   (default /tmp/iostkit-compare)
# Environment: NODE=path uses an already built node binary; CALIB_TMPDIR
# holds the data of `node calibrate`'s short-lived nodes; DURATION (60s),
# WORKERS (64), RATE (5000 offered/s), CROSS ("0 10"), SIMWARM (5s) and
# SIMDUR (20s): the simulated warm-up and window (the node's latency under
# saturation is seconds: a short window measures the pipeline filling).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-/tmp/iostkit-compare}
DURATION=${DURATION:-60s}
WORKERS=${WORKERS:-64}
RATE=${RATE:-5000}
CROSS=${CROSS:-"0 10"}
SIMDUR=${SIMDUR:-20s}
SIMWARM=${SIMWARM:-5s}
WAIT_LOAD=${WAIT_LOAD:-}     # e.g. 1.5: before each node run, wait (up to WAIT_MAX s) for a lower 1-minute load
WAIT_MAX=${WAIT_MAX:-900}
API=127.0.0.1:18645
mkdir -p "$OUT"

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/log.txt"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
# metric A B NAME: the increase of a Prometheus counter (all label sets
# summed) between two scrapes of the node's /metrics.
metric() {
	awk -v n="$3" 'FNR==1{f++} /^#/{next} {k=$1; sub(/\{.*/,"",k); if (k!=n) next; if (f==1) a+=$NF; else b+=$NF} END{printf "%.0f", b-a}' "$1" "$2"
}

if [[ -z "${NODE:-}" ]]; then
	NODE="$OUT/node"
	go build -o "$NODE" ./examples/node
fi
go build -o "$OUT/sim" ./examples/sim
HZ=$(getconf CLK_TCK)

log "calibrating (load $(load))"
"$OUT/sim" -calibrate -o "$OUT/sim-calibration.json" -quiet
# The node's own paths (API, execution, its loop), measured by the node
# binary under test, merged into the simulator's calibration file.
TMPDIR=${CALIB_TMPDIR:-${TMPDIR:-/tmp}} "$NODE" calibrate -o "$OUT/node-calibration.json" | tee -a "$OUT/log.txt"
jq -s '.[0] * .[1]' "$OUT/sim-calibration.json" "$OUT/node-calibration.json" >"$OUT/calibration.json"
log "calibrated (load $(load))"

for cross in $CROSS; do
	if [[ -n $WAIT_LOAD ]]; then
		waited=0
		while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$WAIT_LOAD" 'BEGIN{exit !(l >= m)}' && ((waited < WAIT_MAX)); do
			sleep 10
			waited=$((waited + 10))
		done
		log "waited ${waited}s for the load to drop below $WAIT_LOAD (load $(load))"
	fi
	data="$OUT/data-$cross"
	rm -rf "$data"
	"$NODE" run --load -1 --api "$API" --data-dir "$data" --quiet >"$OUT/node-$cross.log" 2>&1 &
	np=$!
	sleep 8
	l0=$(load)
	log "node cross=$cross%: load $l0"
	"$NODE" loadgen --api "$API" --rate "$RATE" --duration "$DURATION" --cross-shard "$cross" \
		--accounts 64 --workers "$WORKERS" >"$OUT/loadgen-$cross.txt" 2>&1 &
	lp=$!
	# CPU time of node and generator inside the load window: from 5 s in
	# (after the generator's 3 s recovery test) to 2 s before its end.
	sleep 5
	gp=$lp
	n0=$(cpu_ticks $np)
	g0=$(cpu_ticks "$gp")
	t0=$(date +%s.%N)
	curl -s "http://$API/metrics" >"$OUT/metrics-$cross-0.txt"
	sleep $((${DURATION%s} - 4))
	n1=$(cpu_ticks $np)
	g1=$(cpu_ticks "$gp")
	t1=$(date +%s.%N)
	curl -s "http://$API/metrics" >"$OUT/metrics-$cross-1.txt"
	wait $lp || true
	l1=$(load)
	kill $np
	wait $np 2>/dev/null || true
	rm -rf "$data"
	grep -v '^ *[0-9]*s offered' "$OUT/loadgen-$cross.txt" | tee -a "$OUT/log.txt"
	# "finalized during the 1m0.179s load window: 44846 = 745.2 tx/s"
	line=$(grep 'finalized during the' "$OUT/loadgen-$cross.txt")
	win=$(sed -n 's/.*during the \([0-9hms.]*\) load window.*/\1/p' <<<"$line" |
		awk '{t=0; s=$0; if (match(s,/[0-9.]+h/)) {t+=substr(s,RSTART,RLENGTH-1)*3600}; if (match(s,/[0-9.]+m/)) {t+=substr(s,RSTART,RLENGTH-1)*60}; if (match(s,/[0-9.]+s$/)) {t+=substr(s,RSTART,RLENGTH-1)}; print t}')
	finrate=$(sed -n 's/.* = \([0-9.]*\) tx\/s.*/\1/p' <<<"$line")
	acc=$(sed -n 's/^offered \([0-9]*\), accepted \([0-9]*\).*/\2/p' "$OUT/loadgen-$cross.txt")
	rate=$(awk -v a="$acc" -v w="$win" 'BEGIN{printf "%.0f", a/w}')
	nodecpu=$(awk -v a="$n0" -v b="$n1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b-a)/hz/(t1-t0)}')
	lgcpu=$(awk -v a="$g0" -v b="$g1" -v t0="$t0" -v t1="$t1" -v hz="$HZ" 'BEGIN{printf "%.2f", (b-a)/hz/(t1-t0)}')
	log "node cross=$cross%: accepted $rate/s, finalized $finrate tx/s; CPU in the window: node $nodecpu cores, generator $lgcpu cores; load $l0 -> $l1"
	echo "$cross $rate $finrate $nodecpu $lgcpu $l0 $l1" >"$OUT/node-$cross.txt"
	# The node's own counters over the same interval as its CPU time: the
	# rate it finalized there (the generator's window also holds the first
	# seconds, before the pipeline fills, which the simulator's warm-up
	# leaves out), and how its loop spent its heights.
	m0="$OUT/metrics-$cross-0.txt" m1="$OUT/metrics-$cross-1.txt"
	steady=$(awk -v f="$(metric "$m0" "$m1" iostkit_tx_finalized_total)" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.1f", f/(t1-t0)}')
	admitted=$(awk -v f="$(metric "$m0" "$m1" iostkit_tx_accepted_total)" -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.0f", f/(t1-t0)}')
	counters="steady_tps=$steady accepted_tps=$admitted seconds=$(awk -v t0="$t0" -v t1="$t1" 'BEGIN{printf "%.1f", t1-t0}')"
	for k in iostkit_loop_ticks_total iostkit_loop_rounds_total iostkit_loop_round_cap_total iostkit_optimistic_blocks_total \
		iostkit_heights_finalized_total iostkit_heights_empty_total iostkit_block_transfers_sum iostkit_tx_finalized_total \
		iostkit_tx_failed_total iostkit_tx_refinalized_total iostkit_payload_txs_finalized_total iostkit_optimistic_blocks_finalized_total; do
		counters+=" ${k#iostkit_}=$(metric "$m0" "$m1" $k)"
	done
	echo "$counters" >"$OUT/node-counters-$cross.txt"
	log "node cross=$cross%: counters in the CPU window: $counters"

	share=$(awk -v c="$cross" 'BEGIN{print c/100}')
	# node-loop: the node's loop on two dedicated cores; node-loop-share:
	# the same with the CPU time node and generator got in the window
	# (-host-share: other processes took the rest); host-cores: the earlier
	# model (two dedicated cores, no node loop).
	cpushare=$(awk -v a="$nodecpu" -v b="$lgcpu" 'BEGIN{print a+b}')
	for mode in node-loop node-loop-share node-loop-share-2x node-loop-share-steady host-cores; do
		simrate=$rate
		[[ $mode == node-loop-share-2x ]] && simrate=$((2 * rate))
		[[ $mode == node-loop-share-steady ]] && simrate=$admitted
		flags=(-engine pob -shards 4 -committee 5 -host-cores 2 -produce-every 2 -latency 50us -bandwidth 0
			-rate "$simrate" -cross "$share" -warmup "$SIMWARM" -duration "$SIMDUR" -calibration "$OUT/calibration.json" -quiet)
		[[ $mode == node-loop* ]] && flags+=(-node-loop)
		[[ $mode == node-loop-share* ]] && flags+=(-host-share "$cpushare")
		"$OUT/sim" "${flags[@]}" >"$OUT/sim-$mode-$cross.json"
		log "sim $mode cross=$cross%: $(jq -c '.result | {throughput_tps, per_shard_tps, cpu_utilisation, final_blocks, backlog, node_cpu}' "$OUT/sim-$mode-$cross.json") (load $(load))"
	done
done

echo
echo "| cross-shard | node accepted | node finalized, generator's window (per shard) | node accepted → finalized in the CPU window (per shard) | CPU node + generator | sim -node-loop at that CPU share, node's accepted rate (per shard) | ratio sim/node (generator's window) | sim at that share, the CPU window's accepted rate (per shard) | ratio sim/node (CPU window) | sim at that share, twice the rate (per shard) | ratio | sim -node-loop, 2 dedicated cores (per shard) | sim -host-cores 2 (per shard) | load avg |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for cross in $CROSS; do
	read -r _ rate finrate nodecpu lgcpu l0a l0b l0c l1a l1b l1c <"$OUT/node-$cross.txt"
	steady=$(tr ' ' '\n' <"$OUT/node-counters-$cross.txt" | sed -n 's/^steady_tps=//p')
	admitted=$(tr ' ' '\n' <"$OUT/node-counters-$cross.txt" | sed -n 's/^accepted_tps=//p')
	simnl=$(jq '.result.per_shard_tps' "$OUT/sim-node-loop-$cross.json")
	simhc=$(jq '.result.per_shard_tps' "$OUT/sim-host-cores-$cross.json")
	simsh=$(jq '.result.per_shard_tps' "$OUT/sim-node-loop-share-$cross.json")
	simst=$(jq '.result.per_shard_tps' "$OUT/sim-node-loop-share-steady-$cross.json")
	sim2x=$(jq '.result.per_shard_tps' "$OUT/sim-node-loop-share-2x-$cross.json")
	awk -v c="$cross" -v r="$rate" -v f="$finrate" -v st="$steady" -v ad="$admitted" -v s="$simnl" -v h="$simhc" -v o="$simsh" -v ss="$simst" -v x="$sim2x" \
		-v cpu="$nodecpu + $lgcpu" -v l0="$l0a $l0b $l0c" -v l1="$l1a $l1b $l1c" \
		'BEGIN{printf "| %s %% | %s tx/s | %.1f tx/s (%.1f) | %s → %.1f tx/s (%.1f) | %s cores | %.1f tx/s (%.1f) | %.2f | %.1f tx/s (%.1f) | %.2f | %.1f tx/s (%.1f) | %.2f | %.1f tx/s (%.1f) | %.1f tx/s (%.1f) | %s → %s |\n",
			c, r, f, f/4, ad, st, st/4, cpu, o*4, o, o*4/f, ss*4, ss, ss*4/st, x*4, x, x*4/st, s*4, s, h*4, h, l0, l1}'
done | tee "$OUT/table.md"
