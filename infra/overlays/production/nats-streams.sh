#!/bin/sh
# Makes the streams of contract §4.1 keep 3 replicas on the NATS cluster.
#
# The services create TICKETING and TICKETING_DLQ with 1 replica when they are
# missing and use existing ones as they are. So this either creates them first,
# with the contract's settings and 3 replicas, or raises an existing stream to
# 3 replicas (durable consumers left at the default replica count follow it).
# Safe to run again.
set -eu

until nats stream ls --names >/dev/null 2>&1; do
  echo "waiting for JetStream at ${NATS_URL##*@}"  # without the password
  sleep 2
done

# ensure NAME SUBJECTS MAX_AGE
ensure() {
  if nats stream info "$1" >/dev/null 2>&1; then
    nats stream edit "$1" --replicas 3 --force
  else
    nats stream add "$1" --subjects "$2" --storage file --retention limits \
      --discard old --max-age "$3" --dupe-window 2m --replicas 3 --defaults
  fi
}

ensure TICKETING 'ticket.>,order.>,expiration.>,payment.>' 7d
ensure TICKETING_DLQ 'dlq.>' 30d
