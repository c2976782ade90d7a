#!/bin/sh
# Runs once, when the PostgreSQL container starts on an empty volume (/docker-entrypoint-initdb.d).
# The hub logs in as `jingtu`, which owns its database and is no superuser (a superuser could take back the
# audit log's protections: README, "A real PostgreSQL server"); CREATEROLE lets the first migration create
# the role `jingtu_app` the hub's statements run as.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set password="$(cat /run/secrets/jingtu_db_password)" <<'SQL'
CREATE ROLE jingtu LOGIN CREATEROLE PASSWORD :'password';
CREATE DATABASE jingtu OWNER jingtu;
SQL
