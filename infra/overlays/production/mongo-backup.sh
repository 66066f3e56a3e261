#!/bin/bash
# Dumps the replica set of the StatefulSet $STORE (e.g. auth-mongo) into
# /backups/$STORE-<UTC time>.archive.gz, then keeps only the newest $RETAIN
# dumps. Run by the CronJob <store>-backup (backups.yaml) as the MongoDB user
# `backup` (built-in role backup, created with the store: infra/k8s/mongo-users.yaml).
#
# --oplog makes the dump a consistent point in time across collections: restore
# it with `mongorestore --oplogReplay` (docs/deploy.md, "Restoring a backup").
# It reads from a secondary when one is healthy, so the primary is not loaded.
set -euo pipefail

: "${STORE:?STORE must name the StatefulSet, e.g. auth-mongo}"
: "${MEMBERS:?MEMBERS must be the number of members}"
: "${BACKUP_PASSWORD:?BACKUP_PASSWORD must be the password of the backup user}"
RETAIN="${RETAIN:-7}"
BACKUP_DIR="${BACKUP_DIR:-/backups}"
[[ "$RETAIN" =~ ^[1-9][0-9]*$ ]] || { echo "RETAIN must be a positive integer, not $RETAIN" >&2; exit 1; }

hosts=""
for ((i = 0; i < MEMBERS; i++)); do
  hosts="${hosts}${hosts:+,}${STORE}-${i}.${STORE}:27017"
done
uri="${MONGO_URI:-mongodb://${hosts}/?replicaSet=rs0&authSource=admin&readPreference=secondaryPreferred}"

# The password goes in a config file, not on the command line.
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
printf 'password: "%s"\n' "$BACKUP_PASSWORD" >"$config"

name="${STORE}-$(date -u +%Y%m%dT%H%M%SZ).archive.gz"
# Written under a temporary name: a dump cut short never counts as a backup.
mongodump --uri "$uri" --username backup --config "$config" --oplog --gzip \
  --archive="${BACKUP_DIR}/${name}.partial"
mv "${BACKUP_DIR}/${name}.partial" "${BACKUP_DIR}/${name}"
echo "wrote ${BACKUP_DIR}/${name} ($(du -h "${BACKUP_DIR}/${name}" | cut -f1))"

# Retention: the names sort by time; drop all but the newest $RETAIN, and any
# partial dump an earlier, interrupted run left behind.
rm -f "${BACKUP_DIR}/${STORE}-"*.archive.gz.partial
mapfile -t dumps < <(find "$BACKUP_DIR" -maxdepth 1 -name "${STORE}-*.archive.gz" | sort)
for ((i = 0; i < ${#dumps[@]} - RETAIN; i++)); do
  echo "removing ${dumps[i]} (keeping the newest ${RETAIN})"
  rm -f "${dumps[i]}"
done
