#!/bin/sh
# Demo data for docker-compose.yml: two customers and three SKUs, created through the services' admin APIs.
# Only what does not exist yet is created, so an `up` after `down` does not reset credit or stock that orders used.
set -eu
put_once() {  # put_once <url> <token> <json>: PUT unless a GET of the same URL answers 200
  status=$(curl -s -o /dev/null -w '%{http_code}' "$1")
  if [ "$status" = 200 ]; then
    echo "exists: $1"
    return
  fi
  curl -fsS -X PUT "$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3" >/dev/null
  echo "created: $1"
}
put_once http://order-service:8081/customers/alice "$ORDER_ADMIN_TOKEN" '{"name":"Alice","creditLimitCents":10000000}'
put_once http://order-service:8081/customers/frugal "$ORDER_ADMIN_TOKEN" '{"name":"Frugal","creditLimitCents":1000}'
put_once http://inventory-service:8082/stock/SKU-1 "$INVENTORY_ADMIN_TOKEN" '{"unitPriceCents":1250,"available":100000}'
put_once http://inventory-service:8082/stock/SKU-2 "$INVENTORY_ADMIN_TOKEN" '{"unitPriceCents":300,"available":100000}'
put_once http://inventory-service:8082/stock/SKU-3 "$INVENTORY_ADMIN_TOKEN" '{"unitPriceCents":9900,"available":5}'
