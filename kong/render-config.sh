#!/bin/sh
# Kong container entrypoint (docker-compose.yml): renders the declarative config, then hands over
# to the image's own entrypoint with the original command (`kong docker-start`).
#
# kong/kong.yml holds the placeholder ${KONG_SHARED_SECRET} for the header Kong adds to every
# proxied request; the open-source request-transformer plugin does not resolve vault references,
# so the value is substituted here, from the environment, into a file outside the read-only mount.
#
# Consumer keys: kong/kong.yml gives every consumer a development key `dev-<consumer>-key`. When
# KONG_API_KEY_<CONSUMER> is set (the consumer's name upper-cased, `-` as `_`: KONG_API_KEY_WEB_STOREFRONT,
# KONG_API_KEY_LOADTEST...), its value replaces that key. KONG_DEV_KEYS=refuse (production) refuses
# to start while any consumer still has its development key.
#
# CORS: KONG_CORS_ORIGINS (comma-separated origins, e.g. https://office.example.com,https://shop.example.com)
# replaces the origins listed between the `cors-origins-begin` and `cors-origins-end` markers.
set -eu

template="${KONG_DECLARATIVE_TEMPLATE:-/kong-config/kong.yml}"
output="${KONG_DECLARATIVE_CONFIG:-/tmp/kong.yml}"

# Values go into the YAML, a header and sed replacements unescaped: a restricted alphabet only.
safe_token() {
  case "$1" in
    *[!A-Za-z0-9._~-]*) return 1 ;;
  esac
  return 0
}

if [ -z "${KONG_SHARED_SECRET:-}" ]; then
  echo "render-config: KONG_SHARED_SECRET is not set; refusing to start Kong without it" >&2
  exit 64
fi
if ! safe_token "$KONG_SHARED_SECRET"; then
  echo "render-config: KONG_SHARED_SECRET may contain only A-Z a-z 0-9 . _ ~ -" >&2
  exit 64
fi
if [ "${#KONG_SHARED_SECRET}" -lt 24 ]; then
  echo "render-config: KONG_SHARED_SECRET must be at least 24 characters" >&2
  exit 64
fi

# One sed expression per consumer whose key comes from the environment.
key_script=""
dev_consumers=""
for consumer in $(sed -n 's/^ *- key: dev-\([a-z0-9-]*\)-key$/\1/p' "$template"); do
  var="KONG_API_KEY_$(printf '%s' "$consumer" | tr 'a-z-' 'A-Z_')"
  # $var is built from [A-Z0-9_] only, so this eval reads one variable and nothing else.
  eval "value=\${$var:-}"
  if [ -z "$value" ]; then
    dev_consumers="$dev_consumers $consumer"
    continue
  fi
  if ! safe_token "$value" || [ "${#value}" -lt 24 ]; then
    echo "render-config: $var must be at least 24 characters of A-Z a-z 0-9 . _ ~ -" >&2
    exit 64
  fi
  key_script="$key_script
s/^\( *- key: \)dev-$consumer-key\$/\1$value/"
done
if [ -n "$dev_consumers" ]; then
  if [ "${KONG_DEV_KEYS:-allow}" = "refuse" ]; then
    echo "render-config: KONG_DEV_KEYS=refuse and these consumers have no KONG_API_KEY_<CONSUMER>:$dev_consumers" >&2
    exit 64
  fi
  echo "render-config: development API keys (public in the repository) for:$dev_consumers" >&2
fi

origins=""
if [ -n "${KONG_CORS_ORIGINS:-}" ]; then
  for origin in $(printf '%s' "$KONG_CORS_ORIGINS" | tr ',' ' '); do
    case "$origin" in
      http://* | https://*) ;;
      *)
        echo "render-config: KONG_CORS_ORIGINS: $origin is not an http(s) origin" >&2
        exit 64
        ;;
    esac
    if ! printf '%s' "${origin#*://}" | grep -Eq '^[A-Za-z0-9.-]+(:[0-9]+)?$'; then
      echo "render-config: KONG_CORS_ORIGINS: $origin is not an origin (scheme://host[:port])" >&2
      exit 64
    fi
    origins="$origins $origin"
  done
fi

# The rendered file holds the secret and the keys: readable by the Kong user only.
old_umask=$(umask)
umask 077
sed -e "s/\${KONG_SHARED_SECRET}/${KONG_SHARED_SECRET}/g" -e "$key_script" "$template" |
  awk -v origins="$origins" '
    /# cors-origins-begin/ {
      print
      if (origins != "") {
        match($0, /^ */)
        pad = substr($0, 1, RLENGTH)
        n = split(origins, list, " ")
        for (i = 1; i <= n; i++) print pad "- " list[i]
        skipping = 1
      }
      next
    }
    /# cors-origins-end/ { skipping = 0 }
    !skipping { print }
  ' >"$output"
umask "$old_umask"
if grep -q '\${' "$output"; then
  echo "render-config: unresolved \${...} placeholder left in $output" >&2
  exit 65
fi

# Fail fast with Kong's own validation rather than a crash loop on a bad file.
kong config parse "$output" >/dev/null

exec "${KONG_ENTRYPOINT:-/docker-entrypoint.sh}" "$@"
