#!/usr/bin/env bash
# Installs the browser that the review page's browser test drives
# (devkit/tests/local_aws/test_review_page_browser.py): Debian's chromium and
# chromium-driver, only the ones missing. `make setup` runs it.
#
# Why system packages and not a Python or npm one: a browser is no Python
# package, and Selenium Manager or a browser installer downloads a build from
# the browser's vendor, which this project's machines cannot reach (they reach
# package registries only). Debian builds chromedriver from the same source
# package as chromium, so the driver always matches the browser's version, and
# apt keeps both patched with the system's security updates.
set -euo pipefail

packages=(chromium chromium-driver)

installed() {
  [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]
}

missing=()
for package in "${packages[@]}"; do
  installed "$package" || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  echo "  present  ${packages[*]} $(dpkg-query -W -f='${Version}' chromium) (Debian packages, for the browser test)"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "error: the browser test needs Debian's ${missing[*]} and this system has no apt-get:" \
    "install Chromium and the chromedriver of the same version as /usr/bin/chromium and /usr/bin/chromedriver" >&2
  exit 1
fi

as_root=()
((EUID == 0)) || as_root=(sudo)
# Another apt run (unattended upgrades, another setup) may hold the lock: wait for it instead of failing.
apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300)

echo "  installing ${missing[*]} (Debian packages, for the browser test; about 300 MB, a minute or two)"
started=$SECONDS
"${apt[@]}" update >/dev/null
"${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
echo "  installed ${missing[*]} $(dpkg-query -W -f='${Version}' chromium) in $((SECONDS - started)) s"
