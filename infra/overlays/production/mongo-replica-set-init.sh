#!/bin/bash
# Initiates the replica set rs0 of the StatefulSet $SET (e.g. auth-mongo), whose
# $MEMBERS members are $SET-0, $SET-1, ... behind the headless Service $SET.
# Waits until all of them answer, then initiates from member 0 unless the set is
# already initiated. Safe to run again.
set -euo pipefail

: "${SET:?SET must name the StatefulSet, e.g. auth-mongo}"
: "${MEMBERS:?MEMBERS must be the number of members}"
: "${MONGO_ROOT_PASSWORD:?MONGO_ROOT_PASSWORD must be the password of the root user}"

# As root: every member created that user on its first start (the image's
# entrypoint), before it joined a set. The password stays out of the URL.
login=(--username root --password "$MONGO_ROOT_PASSWORD" --authenticationDatabase admin)

members=""
for ((i = 0; i < MEMBERS; i++)); do
  host="${SET}-${i}.${SET}:27017"
  until mongosh --quiet --norc "${login[@]}" "mongodb://${host}/?directConnection=true" \
    --eval 'db.adminCommand({ ping: 1 })' >/dev/null 2>&1; do
    echo "waiting for ${host}"
    sleep 2
  done
  members="${members}${members:+, }{ _id: ${i}, host: '${host}' }"
done

mongosh --quiet --norc "${login[@]}" "mongodb://${SET}-0.${SET}:27017/?directConnection=true" --eval "
  try {
    print('replica set ' + rs.status().set + ' is already initiated');
  } catch (error) {
    if (error.codeName !== 'NotYetInitialized') { throw error; }
    rs.initiate({ _id: 'rs0', members: [${members}] });
    print('replica set rs0 initiated with ${MEMBERS} members of ${SET}');
  }
"
