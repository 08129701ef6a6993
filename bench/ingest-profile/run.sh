#!/bin/bash
# Ingest driver: starts `riskgate serve --demo` (fresh data dir, free port) under --cpu-prof, enrolls
# devices and sends signed full reports from bench/ingest-profile/load.ts, prints reports/s, p50/p90/p99,
# the server CPU seconds, and a profile summary of the load window in $OUT/summary-<tag>.txt.
# NOPROF=1: no profile. KEEP=1: keep the data folder.
# usage: run.sh <tag> [devices] [connections] [seconds]
set -e; mkdir -p ${OUT:-/tmp/ingest}
cd "$(dirname "$0")/../.."
TAG=$1; DEV=${2:-50}; CONN=${3:-64}; DUR=${4:-20}
DATA=$(mktemp -d); PORT=$(( 20000 + RANDOM % 20000 ))
PROF=${OUT:-/tmp/ingest}/prof-$TAG; rm -rf $PROF; mkdir -p $PROF
RISKGATE_DATA_DIR=$DATA RISKGATE_PORT=$PORT RISKGATE_HOST=127.0.0.1 ${LOGLEVEL:+RISKGATE_LOG_LEVEL=$LOGLEVEL} node $( [ -z "$NOPROF" ] && echo --cpu-prof --cpu-prof-dir=$PROF ) --import tsx packages/server/src/cli/main.ts serve --demo > ${OUT:-/tmp/ingest}/server-$TAG.out 2>${OUT:-/tmp/ingest}/server-$TAG.err &
SPID=$!
for i in $(seq 1 120); do grep -q "Enrollment token" ${OUT:-/tmp/ingest}/server-$TAG.out 2>/dev/null && break; sleep 0.5; done
TOKEN=$(grep "Enrollment token" ${OUT:-/tmp/ingest}/server-$TAG.out | awk '{print $3}')
node --import tsx bench/ingest-profile/load.ts http://127.0.0.1:$PORT $TOKEN $DEV $CONN $DUR | tee ${OUT:-/tmp/ingest}/result-$TAG.json
echo "server cpu $(cat /proc/$SPID/stat | awk "{print (\$14+\$15)/100}") s"; kill -INT $SPID; wait $SPID || true
[ -n "$KEEP" ] && echo "data $DATA" || rm -rf $DATA
ls $PROF/*.cpuprofile 2>/dev/null && node bench/ingest-profile/summary.mjs $(ls $PROF/*.0.001.cpuprofile | head -1) > ${OUT:-/tmp/ingest}/summary-$TAG.txt || true
