#!/usr/bin/env bash
# Fetches a few real photos that Debian ships into build/photos: darknet's
# dog.jpg, horses.jpg and eagle.jpg, scikit-image's chelsea.png (a cat).
# The packages are downloaded and unpacked, not installed: only the pictures
# are wanted, not darknet's OpenCV or scikit-image's SciPy.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build/photos
want=(dog.jpg horses.jpg eagle.jpg chelsea.png)
have=1
for f in "${want[@]}"; do [ -f "$dir/$f" ] || have=0; done
[ $have -eq 1 ] && exit 0
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
download() {
  (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download darknet python3-skimage >/dev/null)
}
if ! download; then
  $sudo apt-get update -qq
  download
fi
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
mkdir -p "$dir"
cp "$tmp"/root/usr/share/darknet/data/{dog,horses,eagle}.jpg "$dir/"
cp "$tmp"/root/usr/lib/python3/dist-packages/skimage/data/chelsea.png "$dir/"
echo "photos: $dir (${want[*]})"
