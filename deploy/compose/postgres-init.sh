#!/bin/sh
# docker-compose.yml only: on the first start of an empty volume, the postgres
# image runs this to give each Cascade service its own role and its own
# database, cascade_<service>, as in production. CASCADE_DB_PASSWORD is a
# DEV-ONLY default set in docker-compose.yml.
set -eu

for service in calls applications payments reporting; do
    psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        --set role="$service" --set database="cascade_$service" \
        --set password="$CASCADE_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
-- Only its owner connects: one service never reads another's database.
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
SQL
done
