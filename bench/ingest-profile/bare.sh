#!/bin/bash
# The same load against bench/ingest-profile/bare.ts (a Fastify route that only parses the body).
# usage: bare.sh <tag> [devices] [connections] [seconds]
cd "$(dirname "$0")/../.."; mkdir -p ${OUT:-/tmp/ingest}; TAG=$1; DEV=${2:-50}; CONN=${3:-64}; DUR=${4:-20}; PORT=$(( 20000 + RANDOM % 20000 ))
node --import tsx bench/ingest-profile/bare.ts $PORT > ${OUT:-/tmp/ingest}/server-$TAG.out 2>&1 &
SPID=$!
for i in $(seq 1 60); do grep -q "Enrollment token" ${OUT:-/tmp/ingest}/server-$TAG.out 2>/dev/null && break; sleep 0.5; done
node --import tsx bench/ingest-profile/load.ts http://127.0.0.1:$PORT bare $DEV $CONN $DUR | tee ${OUT:-/tmp/ingest}/result-$TAG.json
kill -INT $SPID; wait $SPID
