#!/usr/bin/env bash
# Back up the database and the uploaded files; keep the newest BACKUP_KEEP backups.
#
#   DATABASE_URL=postgres://… MEDIA_ROOT=/data/media deploy/backup.sh [BACKUP_DIR]
#
# Writes BACKUP_DIR/<UTC timestamp>/ with
#   database.dump   pg_dump custom format (compressed; pg_restore can pick tables from it)
#   media.tar.gz    everything under MEDIA_ROOT (delivery proofs, after-sales photos, imports)
#   SHA256SUMS      checksums, verified by deploy/restore.sh before it touches anything
#   INFO            when, which pg_dump, which code (git revision when known)
# The database is dumped first, then the files: a file uploaded in between is in the archive
# without a row pointing to it, never the reverse. A backup is written under a .partial name
# and renamed when complete, so an interrupted run never counts as a backup.
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL (postgres://user:password@host:port/name)}"
MEDIA_ROOT=${MEDIA_ROOT:-./media}
BACKUP_DIR=${1:-${BACKUP_DIR:-./backups}}
BACKUP_KEEP=${BACKUP_KEEP:-14}
case $BACKUP_KEEP in ''|*[!0-9]*|0) echo "BACKUP_KEEP must be a positive number" >&2; exit 2 ;; esac

stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$BACKUP_DIR/$stamp"
partial="$target.partial"
[ -e "$target" ] && { echo "backup $target already exists" >&2; exit 1; }
mkdir -p "$partial"
trap 'rm -rf "$partial"' EXIT

pg_dump --format=custom --compress=6 --no-owner --no-privileges \
  --file "$partial/database.dump" --dbname "$DATABASE_URL"
if [ -d "$MEDIA_ROOT" ]; then
  tar -C "$MEDIA_ROOT" -czf "$partial/media.tar.gz" .
else
  tar -czf "$partial/media.tar.gz" -T /dev/null
fi
{
  echo "created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "pg_dump=$(pg_dump --version)"
  echo "code=$(git -C "$(dirname "$0")/.." rev-parse HEAD 2>/dev/null || echo "${APP_VERSION:-unknown}")"
} > "$partial/INFO"
(cd "$partial" && sha256sum database.dump media.tar.gz > SHA256SUMS)
mv "$partial" "$target"
trap - EXIT
echo "backup written: $target ($(du -sh "$target" | cut -f1))"

# Retention: the newest BACKUP_KEEP complete backups stay, older ones go.
find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '*Z' | sort | head -n "-$BACKUP_KEEP" |
  while read -r old; do rm -rf "$old"; echo "removed old backup: $old"; done
