#!/bin/sh
# Kong container entrypoint (docker-compose.yml): renders the declarative config, then hands over
# to the image's own entrypoint with the original command (`kong docker-start`).
#
# kong/kong.yml holds the placeholder ${KONG_SHARED_SECRET} for the header Kong adds to every
# proxied request; the open-source request-transformer plugin does not resolve vault references,
# so the value is substituted here, from the environment, into a file outside the read-only mount.
set -eu

template="${KONG_DECLARATIVE_TEMPLATE:-/kong-config/kong.yml}"
output="${KONG_DECLARATIVE_CONFIG:-/tmp/kong.yml}"

if [ -z "${KONG_SHARED_SECRET:-}" ]; then
  echo "render-config: KONG_SHARED_SECRET is not set; refusing to start Kong without it" >&2
  exit 64
fi
# Restricted alphabet: the value goes into a header and a sed replacement unescaped.
case "$KONG_SHARED_SECRET" in
  *[!A-Za-z0-9._~-]*)
    echo "render-config: KONG_SHARED_SECRET may contain only A-Z a-z 0-9 . _ ~ -" >&2
    exit 64
    ;;
esac
if [ "${#KONG_SHARED_SECRET}" -lt 24 ]; then
  echo "render-config: KONG_SHARED_SECRET must be at least 24 characters" >&2
  exit 64
fi

# The rendered file holds the secret: readable by the Kong user only.
old_umask=$(umask)
umask 077
sed "s/\${KONG_SHARED_SECRET}/${KONG_SHARED_SECRET}/g" "$template" > "$output"
umask "$old_umask"
if grep -q '\${' "$output"; then
  echo "render-config: unresolved \${...} placeholder left in $output" >&2
  exit 65
fi

# Fail fast with Kong's own validation rather than a crash loop on a bad file.
kong config parse "$output" >/dev/null

exec "${KONG_ENTRYPOINT:-/docker-entrypoint.sh}" "$@"
