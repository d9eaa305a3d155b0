#!/usr/bin/env bash
# Builds the pinned Go tools (OpenTofu, the hashicorp providers, tflint,
# terraform-docs, the boring-registry module registry) from the Go module proxy into a cache outside the
# repository, lays the providers out as a filesystem mirror and writes the CLI
# configuration that makes `tofu init` (and `terraform init`) work offline.
#
# Usage: build-go-tools.sh CACHE_DIR [TOOL...]
# TOOL is tofu, tflint, terraform-docs, boring-registry or providers (with
# their mirror and CLI configuration); all of them by default. The registry toolchain builds only
# the linters that are not installed.
# Every artefact is keyed by version: a warm rerun builds nothing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=devkit/toolchain/versions.env
source "$here/versions.env"

usage="usage: build-go-tools.sh CACHE_DIR [tofu|tflint|terraform-docs|boring-registry|providers]..."
cache=${1:?$usage}
shift
tools=("$@")
(( ${#tools[@]} )) || tools=(tofu tflint terraform-docs boring-registry providers)
for tool in "${tools[@]}"; do
  [[ $tool =~ ^(tofu|tflint|terraform-docs|boring-registry|providers)$ ]] || { echo "error: unknown tool \"$tool\"; $usage" >&2; exit 2; }
done
# wanted TOOL: was TOOL asked for?
wanted() { [[ " ${tools[*]} " == *" $1 "* ]]; }
bin="$cache/bin"
stats="$cache/build-stats"
mirror="$cache/providers"
mkdir -p "$bin" "$stats" "$mirror" "$cache/plugin-cache"

# build MODULE VERSION PACKAGE OUTPUT LABEL [NOTE]
# Downloads MODULE@VERSION and builds PACKAGE inside it (the OpenTofu go.mod
# has replace directives, so `go install module@version` would refuse it).
# EXTRA_LDFLAGS, if set, is added to the linker flags. Prints a heartbeat
# while the compiler runs and records wall time and the peak resident memory
# of the largest build process in build-stats/.
build() {
  local module=$1 version=$2 package=$3 output=$4 label=$5 note=${6:-}
  if [[ -x $output ]]; then
    echo "  cached   $label"
    return
  fi
  command -v go >/dev/null || { echo "error: building $label needs Go on PATH (README: Requirements)" >&2; exit 1; }
  [[ -n $note ]] && echo "  note: $note"
  local dir
  dir=$(go mod download -json "$module@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [[ -d $dir ]] || { echo "error: go mod download $module@$version gave no source directory" >&2; exit 1; }

  echo "  building $label ($module@$version)"
  local started=$SECONDS stat_file
  stat_file="$stats/$(basename "$output").txt"
  local timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v -o "$stat_file")
  (cd "$dir" && "${timer[@]}" go build -trimpath -buildvcs=false -ldflags "-s -w ${EXTRA_LDFLAGS:-}" \
      -o "$output.partial" "$package") &
  local pid=$!
  while ! wait_up_to 60 "$pid"; do
    echo "    ... still building $label, $(( (SECONDS - started) / 60 )) min so far"
  done
  wait "$pid" || { echo "error: building $label failed" >&2; rm -f "$output.partial"; exit 1; }
  mv "$output.partial" "$output"

  local peak=""
  [[ -f $stat_file ]] && peak=$(awk -F': ' '/Maximum resident/ {printf ", peak memory %.1f GiB", $2/1048576}' "$stat_file")
  echo "  built    $label in $(( SECONDS - started )) s$peak, $(du -h "$output" | cut -f1) on disk"
}

# wait_up_to SECONDS PID: true once PID has exited, false after SECONDS.
wait_up_to() {
  local deadline=$(( SECONDS + $1 ))
  while kill -0 "$2" 2>/dev/null; do
    (( SECONDS >= deadline )) && return 1
    sleep 1
  done
  return 0
}

# provider NAME MODULE MODULE_VERSION VERSION
# Builds the provider once, then exposes it in the unpacked mirror layout under
# both registry hostnames, so `hashicorp/NAME` resolves for OpenTofu
# (registry.opentofu.org) and for Terraform (registry.terraform.io).
provider() {
  local name=$1 module=$2 module_version=$3 version=$4
  local built="$bin/terraform-provider-${name}_v$version" note="" platform
  [[ $name == aws ]] && note="the AWS provider is a very large Go build: about 25 min and 9 GiB of memory on 2 cores, once per version"
  build "$module" "$module_version" . "$built" "provider hashicorp/$name $version" "$note"
  platform="$(go env GOOS)_$(go env GOARCH)"
  local host
  for host in registry.opentofu.org registry.terraform.io; do
    local target="$mirror/$host/hashicorp/$name/$version/$platform"
    mkdir -p "$target"
    ln -f "$built" "$target/terraform-provider-${name}_v$version"
  done
}

echo "Go tools (cache: $cache): ${tools[*]}"
if wanted tofu; then
  # dev=no: a release build, so `tofu version` says 1.12.6, not 1.12.6-dev.
  EXTRA_LDFLAGS="-X $OPENTOFU_MODULE/version.dev=no" \
    build "$OPENTOFU_MODULE" "$OPENTOFU_VERSION" ./cmd/tofu "$bin/tofu-${OPENTOFU_VERSION#v}" "OpenTofu ${OPENTOFU_VERSION#v}"
fi
if wanted tflint; then
  build "$TFLINT_MODULE" "$TFLINT_VERSION" . "$bin/tflint-${TFLINT_VERSION#v}" "tflint ${TFLINT_VERSION#v}"
fi
if wanted terraform-docs; then
  build "$TERRAFORM_DOCS_MODULE" "$TERRAFORM_DOCS_VERSION" . "$bin/terraform-docs-${TERRAFORM_DOCS_VERSION#v}" "terraform-docs ${TERRAFORM_DOCS_VERSION#v}"
fi
if wanted boring-registry; then
  # Its version package reports the release it was built from (`boring-registry version`).
  EXTRA_LDFLAGS="-X $BORING_REGISTRY_MODULE/version.Version=$BORING_REGISTRY_VERSION" \
    build "$BORING_REGISTRY_MODULE" "$BORING_REGISTRY_VERSION" . "$bin/boring-registry-${BORING_REGISTRY_VERSION#v}" \
    "boring-registry ${BORING_REGISTRY_VERSION#v}"
fi
wanted providers || exit 0
provider local "$LOCAL_PROVIDER_MODULE" "$LOCAL_PROVIDER_MODULE_VERSION" "$LOCAL_PROVIDER_VERSION"
provider aws "$AWS_PROVIDER_MODULE" "$AWS_PROVIDER_MODULE_VERSION" "$AWS_PROVIDER_VERSION"

# No `direct {}` block: a provider that is not in the mirror fails init
# instead of silently reaching for a registry.
cat > "$cache/cli.tfrc.$$" <<EOF
# Written by devkit/toolchain/build-go-tools.sh; exported by the Makefile as TF_CLI_CONFIG_FILE.
plugin_cache_dir = "$cache/plugin-cache"
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.opentofu.org/hashicorp/*", "registry.terraform.io/hashicorp/*"]
  }
}
EOF
mv "$cache/cli.tfrc.$$" "$cache/cli.tfrc"
echo "  CLI config $cache/cli.tfrc"
