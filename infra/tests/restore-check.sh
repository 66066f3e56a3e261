#!/usr/bin/env bash
# Checks that the production backups can be restored, with real MongoDB tools:
#
#   infra/tests/restore-check.sh
#
# 1. starts a scratch mongod as a one-member replica set with --auth and a key
#    file (as in production), creates root and the `backup` user (the same
#    script as the pods: infra/k8s/mongo-users.yaml) and some orders;
# 2. runs infra/overlays/production/mongo-backup.sh against it three times with
#    RETAIN=2: two dumps must remain, the newest last;
# 3. restores the newest into a second, empty scratch mongod exactly as
#    docs/deploy.md says (mongorestore --gzip --oplogReplay) and compares every
#    collection's documents with the source.
# Needs mongod, mongosh, mongodump and mongorestore (MongoDB 7 and its database
# tools). Where they are missing it says so and exits 0: the check is skipped,
# not failed, since no package manager here provides MongoDB.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/tools.sh

missing=()
for tool in mongod mongosh mongodump mongorestore; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "restore check skipped: ${missing[*]} not installed (MongoDB 7 server, mongosh and database tools)"
  exit 0
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
secret() { python3 -c 'import secrets; print(secrets.token_hex(16))'; }
wait_mongod() {
  for _ in $(seq 1 100); do
    mongosh --quiet --norc --port "$1" --eval 'db.adminCommand({ping: 1})' >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  die "mongod on $1 did not start"
}

root_password=$(secret)
backup_password=$(secret)
src=$(port)
mkdir -p "$work/src" "$work/dst" "$work/backups"
(umask 0277 && secret >"$work/keyfile")
say "source: mongod --auth --replSet rs0 on $src"
mongod --dbpath "$work/src" --port "$src" --bind_ip 127.0.0.1 --replSet rs0 --auth --keyFile "$work/keyfile" \
  >"$work/src.log" 2>&1 &
pids+=($!)
wait_mongod "$src"
# The localhost exception: with no user yet, a local client may initiate the
# set and create the first user.
mongosh --quiet --norc --port "$src" --eval "
  rs.initiate({_id: 'rs0', members: [{_id: 0, host: '127.0.0.1:$src'}]});
  while (!db.hello().isWritablePrimary) { sleep(100); }
  db.getSiblingDB('admin').createUser({user: 'root', pwd: '$root_password', roles: ['root']});
" >/dev/null
# The users the pods get, by the pods' own script.
mongo=(mongosh --quiet --norc --port "$src" --username root --password "$root_password" --authenticationDatabase admin)
users_script=$(python3 -c '
import yaml
print(yaml.safe_load(open("infra/k8s/mongo-users.yaml"))["data"]["create-users.sh"])' 2>/dev/null ||
  sed -n '/create-users.sh: |/,$p' infra/k8s/mongo-users.yaml | tail -n +2 | sed 's/^    //')
SERVICE_DATABASE=orders SERVICE_PASSWORD=$(secret) BACKUP_PASSWORD=$backup_password bash -c "
  mongo=(${mongo[*]@Q})
  $users_script"
"${mongo[@]}" orders --eval '
  for (let i = 0; i < 500; i++) {
    db.orders.insertOne({_id: "order" + i, status: i % 3 ? "created" : "complete", version: i % 2});
  }
  db.outbox.insertOne({_id: "event1", subject: "order.created", sent: false});
  db.orders.createIndex({status: 1});
' >/dev/null

say "three backups with RETAIN=2 (infra/overlays/production/mongo-backup.sh)"
for _ in 1 2 3; do
  STORE=orders-mongo MEMBERS=1 RETAIN=2 BACKUP_DIR="$work/backups" BACKUP_PASSWORD=$backup_password \
    MONGO_URI="mongodb://127.0.0.1:$src/?replicaSet=rs0&authSource=admin" \
    bash infra/overlays/production/mongo-backup.sh
  sleep 1.1 # the names carry the time to the second
done
mapfile -t dumps < <(find "$work/backups" -name 'orders-mongo-*.archive.gz' | sort)
[ ${#dumps[@]} -eq 2 ] || die "RETAIN=2 left ${#dumps[@]} dumps: ${dumps[*]}"
newest=${dumps[1]}

dst=$(port)
say "restoring $(basename "$newest") into an empty mongod on $dst"
mongod --dbpath "$work/dst" --port "$dst" --bind_ip 127.0.0.1 >"$work/dst.log" 2>&1 &
pids+=($!)
wait_mongod "$dst"
mongorestore --port "$dst" --gzip --archive="$newest" --oplogReplay --nsExclude 'admin.system.*' --quiet

# Every collection of the service's database, document for document.
digest() {
  "$@" orders --eval '
    const out = {};
    for (const c of db.getCollectionNames().sort()) {
      out[c] = db[c].find().sort({_id: 1}).toArray();
    }
    print(EJSON.stringify(out));'
}
[ "$(digest "${mongo[@]}")" = "$(digest mongosh --quiet --norc --port "$dst")" ] ||
  die "the restored database differs from the source"
indexes=$(mongosh --quiet --norc --port "$dst" orders --eval 'print(db.orders.getIndexes().length)')
[ "$indexes" = 2 ] || die "the restored orders collection has $indexes indexes, not 2"
say "restore check passed: the newest of 2 dumps restores to the same documents and indexes"
