#!/bin/bash
# Runs once, when the PostgreSQL container initialises its data directory. Least privilege: each service gets its
# own role owning its own database (its migrations create its tables and the outbox publication there); the relay
# role may replicate and nothing else until the service's migration has created the outbox table, when the
# relay-grants step grants it SELECT on that one table.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v relay_password="$OUTBOX_RELAY_DB_PASSWORD" \
  -v order_password="$ORDER_DB_PASSWORD" \
  -v inventory_password="$INVENTORY_DB_PASSWORD" <<'SQL'
CREATE ROLE outbox_relay WITH LOGIN REPLICATION PASSWORD :'relay_password';
CREATE ROLE order_service WITH LOGIN PASSWORD :'order_password';
CREATE ROLE inventory_service WITH LOGIN PASSWORD :'inventory_password';
CREATE DATABASE orders OWNER order_service;
CREATE DATABASE inventory OWNER inventory_service;
SQL
