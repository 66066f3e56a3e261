#!/bin/sh
# Makes the streams of contract §4.1 keep 3 replicas on the NATS cluster.
#
# The services create TICKETING and TICKETING_DLQ with 1 replica when they are
# missing and use existing ones as they are. So this either creates them first,
# with the contract's settings and 3 replicas, or raises an existing stream to
# 3 replicas and the contract's limits (durable consumers left at the default
# replica count follow it).
# Safe to run again.
set -eu

until nats stream ls --names >/dev/null 2>&1; do
  echo "waiting for JetStream at ${NATS_URL##*@}"  # without the password
  sleep 2
done

# TICKETING's byte limit (contract 4.1, 5): when full it refuses new events,
# which stay in the services' outboxes, rather than dropping unread ones. The
# same default as the services' NATS_STREAM_MAX_BYTES: half a 2Gi volume.
max_bytes="${NATS_STREAM_MAX_BYTES:-1073741824}"

# ensure NAME SUBJECTS MAX_AGE DISCARD MAX_BYTES (-1: no limit)
ensure() {
  if nats stream info "$1" >/dev/null 2>&1; then
    nats stream edit "$1" --replicas 3 --discard "$4" --max-bytes "$5" --force
  else
    nats stream add "$1" --subjects "$2" --storage file --retention limits \
      --discard "$4" --max-bytes "$5" --max-age "$3" --dupe-window 2m --replicas 3 --defaults
  fi
}

ensure TICKETING 'ticket.>,order.>,expiration.>,payment.>' 7d new "$max_bytes"
ensure TICKETING_DLQ 'dlq.>' 30d old -1
