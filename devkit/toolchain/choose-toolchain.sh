#!/usr/bin/env bash
# Decides where `make setup` gets the Terraform engine and the providers from,
# and says why.
#
# Usage: choose-toolchain.sh CACHE_DIR [auto|source|registry]
# Prints one line, "CHOICE ENGINE REASON...":
#   registry  ENGINE (terraform, else tofu, on PATH) runs and `init` fetches
#             the providers from its registry; nothing is built from Go but
#             the linters that are not installed.
#   source    OpenTofu and the providers are built from Go modules and served
#             by a local mirror (ENGINE is "-").
# auto (the default) is registry when an engine is on PATH and its registry
# serves the service-discovery document, else source. The probe's answer is
# cached in CACHE_DIR/toolchain-choice for that engine and URL: delete the
# file to probe again.
#
# TOOLCHAIN_REGISTRY_URL overrides the probed URL (the tests point it at
# loopback); TOOLCHAIN_PROBE_SECONDS limits the probe (default 5).
set -euo pipefail

cache=${1:?usage: choose-toolchain.sh CACHE_DIR [auto|source|registry]}
mode=${2:-auto}
cache_file="$cache/toolchain-choice"
built="OpenTofu and the providers are built from Go modules"

engine=$(command -v terraform || command -v tofu || true)

case $mode in
  source)
    echo "source - TOOLCHAIN=source: $built"
    exit 0 ;;
  registry)
    [[ -n $engine ]] || { echo "error: TOOLCHAIN=registry needs terraform or tofu on PATH" >&2; exit 1; }
    echo "registry $engine TOOLCHAIN=registry: init fetches the providers from the registry"
    exit 0 ;;
  auto) ;;
  *)
    echo "error: TOOLCHAIN must be auto, source or registry, not \"$mode\"" >&2
    exit 2 ;;
esac

if [[ -z $engine ]]; then
  echo "source - neither terraform nor tofu is on PATH: $built"
  exit 0
fi

name=$(basename "$engine")
url=https://registry.terraform.io/.well-known/terraform.json
[[ $name == tofu ]] && url=https://registry.opentofu.org/.well-known/terraform.json
url=${TOOLCHAIN_REGISTRY_URL:-$url}
seconds=${TOOLCHAIN_PROBE_SECONDS:-5}

# Keyed by engine and URL: installing another engine or pointing elsewhere
# probes again; a cached answer costs nothing on every later `make`.
key="$engine $url"
if [[ -f $cache_file ]] && IFS=$'\t' read -r cached_key decision <"$cache_file" && [[ $cached_key == "$key" ]]; then
  echo "$decision (cached; delete $cache_file to probe again)"
  exit 0
fi

# Only the discovery document names the provider API: an error page from a
# proxy or captive portal does not count as an answer.
body=$(curl --silent --fail --location --max-time "$seconds" "$url" 2>/dev/null) || body=""
if [[ $body == *'"providers.v1"'* ]]; then
  decision="registry $engine $name is installed and $url answers: init fetches the providers from the registry"
else
  decision="source - $url gave no registry discovery document (limit $seconds s): $built"
fi
mkdir -p "$cache"
printf '%s\t%s\n' "$key" "$decision" >"$cache_file.$$"
mv "$cache_file.$$" "$cache_file"
echo "$decision"
