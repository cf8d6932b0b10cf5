#!/usr/bin/env bash
# The libraries export the public API alone (issue 17): the global symbols
# that libsenet.a, libsenet_data.a, libsenet.so and libsenet_data.so define
# are exactly the functions their headers declare (all senet_*), so a
# program that links them cannot clash with an internal helper's name. Then a program that defines internal names of its
# own (conv2d_forward, rng_next, aligned_free) links the static archives.
#   symbols_test.sh BUILD_DIR SOURCE_DIR [LINK_FLAGS]
# LINK_FLAGS: what the sanitizer build's objects need to link (-fsanitize=...).
set -u
build=$1 src=$2 extra=${3:-}
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# Global defined symbols of a file: nm prints "value type name"; weak (W, V)
# and common ones count too; the data floor's codecs are not in these files.
exported() {
  case $1 in
    *.so) nm -D --defined-only "$1" ;;
    *) nm -g --defined-only "$1" ;;
  esac | awk 'NF == 3 { print $3 }' | sort -u
}
# The functions a header declares (SENET_API ... name(...)).
declared() { grep -ho '^SENET_API[^(;]*(' "$@" | sed 's/($//; s/.*[ *]//' | sort -u; }
core=$(declared "$src/include/senet.h")
both=$(declared "$src/include/senet.h" "$src/include/senet_data.h")
for lib in libsenet.a libsenet_data.a libsenet.so libsenet_data.so; do
  path=$build/$lib
  if [ ! -f "$path" ]; then
    fail "$lib was not built"
    continue
  fi
  case $lib in libsenet_data*) want=$both ;; *) want=$core ;; esac
  names=$(exported "$path")
  others=$(comm -23 <(printf '%s\n' "$names") <(printf '%s\n' "$want") | grep -v '^$')
  missing=$(comm -13 <(printf '%s\n' "$names") <(printf '%s\n' "$want") | grep -v '^$')
  if [ -n "$others" ]; then
    fail "$lib exports $(printf '%s\n' "$others" | wc -l) names its headers do not declare: $(printf '%s\n' "$others" | head -8 | tr '\n' ' ')"
  elif [ -n "$missing" ]; then
    fail "$lib lacks declared functions: $(printf '%s\n' "$missing" | head -8 | tr '\n' ' ')"
  else
    ok
    echo "$lib: exports exactly the $(printf '%s\n' "$want" | wc -l) functions of its headers"
  fi
done

# A program with its own conv2d_forward, rng_next and aligned_free links both
# archives statically and still runs the library's own.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/clash.c" <<'C'
#include "senet.h"
#include "senet_data.h"
#include <stdio.h>
#include <string.h>
int conv2d_forward(void) { return 7; }
unsigned long rng_next(void *r) { (void)r; return 42; }
void aligned_free(void *p) { (void)p; }
int main(void)
{
    senet_config cfg;
    senet_net *net = NULL;
    float x[3 * 32 * 32] = {0}, logits[10];
    int status = senet_config_default("se_resnet20", &cfg) || senet_net_create(&cfg, &net) ||
                 senet_net_init(net, 1) || senet_net_forward(net, x, 1, 32, 32, logits);
    printf("%s %d %lu %s\n", status ? senet_last_error() : "ok", conv2d_forward(), rng_next(NULL), senet_version());
    senet_net_free(net);
    return status || strcmp(senet_version(), SENET_VERSION) != 0;
}
C
# shellcheck disable=SC2086
if cc $extra -I"$src/include" "$tmp/clash.c" "$build/libsenet_data.a" "$build/libsenet.a" -ljpeg -lpng -lz -lm \
  -fopenmp -pthread -o "$tmp/clash" 2>"$tmp/cc.log"; then
  got=$("$tmp/clash")
  case $got in
    "ok 7 42 "*) ok ;;
    *) fail "the program with clashing names printed '$got'" ;;
  esac
else
  fail "a program defining conv2d_forward, rng_next and aligned_free does not link the archives: $(head -5 "$tmp/cc.log")"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
