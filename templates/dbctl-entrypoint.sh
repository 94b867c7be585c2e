#!/bin/sh
# Container entrypoint written by `dbctl init --entrypoint`.
# Applies pending migrations, then replaces itself with the app's command, so the app never
# starts on a schema it does not know. Safe with many replicas: dbctl's migration lock lets one
# apply each migration while the others wait, then find nothing pending.
#
#   ENTRYPOINT ["./dbctl-entrypoint.sh"]
#   CMD ["node", "dist/server.js"]
#
# DBCTL_ENV            environment to migrate (default: production)
# DBCTL_WAIT_FOR_DB    how long to wait for the database to accept connections (default: 60s)
# DBCTL_LOCK_WAIT      how long to wait for another replica's migration lock (default: 120s)
# DBCTL_MIGRATE_FLAGS  extra flags, e.g. --allow-destructive for a reviewed destructive release
# DBCTL_BIN            how to run dbctl (default: the project's node_modules/.bin/dbctl, which
#                      every package manager installs; else __RUN__)
set -eu

env_name="${DBCTL_ENV:-production}"
if [ -n "${DBCTL_BIN:-}" ]; then
  dbctl_bin="$DBCTL_BIN"
elif [ -x ./node_modules/.bin/dbctl ]; then
  dbctl_bin=./node_modules/.bin/dbctl
else
  dbctl_bin="__RUN__"
fi

echo "dbctl-entrypoint: migrating ${env_name} before starting the app" >&2
# shellcheck disable=SC2086
$dbctl_bin migrate --env "$env_name" \
  --wait-for-db "${DBCTL_WAIT_FOR_DB:-60s}" \
  --wait "${DBCTL_LOCK_WAIT:-120s}" \
  ${DBCTL_MIGRATE_FLAGS:-}

exec "$@"
