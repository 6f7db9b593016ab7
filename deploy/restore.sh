#!/usr/bin/env bash
# Restore a backup of deploy/backup.sh into an EMPTY database and an empty MEDIA_ROOT.
#
#   DATABASE_URL=postgres://…/ordermgmt_restored MEDIA_ROOT=/data/media-restored \
#     deploy/restore.sh BACKUP_DIR/20261205T020000Z
#
# Refuses a database that already has tables and a MEDIA_ROOT that already has files (a
# restore never mixes with live data); checks the checksums before anything is written; the
# database is restored in one transaction (all or nothing). Create the empty database first
# (createdb, or CREATE DATABASE … OWNER …). Afterwards run `python manage.py migrate` when
# the code is newer than the backup, then point the application at the restored database.
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL to the empty database to restore into}"
MEDIA_ROOT=${MEDIA_ROOT:-./media}
backup=${1:?usage: deploy/restore.sh BACKUP_PATH}
[ -f "$backup/SHA256SUMS" ] || { echo "$backup is not a complete backup (no SHA256SUMS)" >&2; exit 2; }

(cd "$backup" && sha256sum --check --quiet SHA256SUMS) || { echo "checksums do not match: $backup is damaged" >&2; exit 1; }

tables=$(psql "$DATABASE_URL" -At -v ON_ERROR_STOP=1 -c \
  "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
if [ "$tables" != "0" ]; then
  echo "refusing to restore: the database already has $tables tables (restore into an empty database)" >&2
  exit 1
fi
if [ -d "$MEDIA_ROOT" ] && [ -n "$(ls -A "$MEDIA_ROOT")" ]; then
  echo "refusing to restore: $MEDIA_ROOT is not empty" >&2
  exit 1
fi

pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname "$DATABASE_URL" "$backup/database.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$backup/media.tar.gz"
echo "restored $backup: database $(psql "$DATABASE_URL" -At -c 'SELECT current_database()'), files into $MEDIA_ROOT"
