#!/usr/bin/env bash
# What an embedder does with an installed senet: `cmake --install` into a
# fresh prefix, then build against it examples/classify.c (through
# pkg-config senet_data, shared; and statically from the .a files),
# examples/train.c, a CMake project that finds the package (senet::data,
# senet::data_static), a C++ program that includes both headers, and a C
# program that links only libsenet (which must not pull in an image codec).
# The programs run; the installed classify example prints what the build
# tree's prints. The installed CLI classifies with its installed default model.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR WEIGHTS CIFAR10_JPEG_ARCHIVE
set -u
build=$1 src=$2 weights=$3 archive=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$archive" -C "$tmp" test/cat/0000.jpg || exit 1
image=$tmp/test/cat/0000.jpg
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() {
  failed=$((failed + 1))
  echo "FAIL: $*"
}
# The sanitizer build's libraries need the programs that link them built alike.
flags=()
[ -n "${SENET_TEST_SANITIZED:-}" ] && flags=(-fsanitize=address,undefined)

prefix=$tmp/prefix
if cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then ok; else
  fail "cmake --install: $(tail -3 "$tmp/install.log")"
fi
for f in include/senet.h include/senet_data.h bin/senet; do
  [ -e "$prefix/$f" ] && ok || fail "$f is not installed"
done
# The default models, without their training logs; the installed CLI finds
# its default from its own place, run from a folder outside the source tree
# (and only in $SENET_MODELS_DIR when that is set).
models=$prefix/share/senet/models
for f in se_resnet20_cifar10.safetensors resnet20_cifar10.safetensors; do
  [ -f "$models/$f" ] && ok || fail "$f is not installed in share/senet/models"
done
[ -z "$(find "$prefix" -name '*.jsonl.gz')" ] && ok || fail "training logs were installed"
want_cli=$("$build/senet" classify --arch se_resnet20 --weights "$weights" "$image" 2>&1)
got_cli=$(cd "$tmp" && env -u SENET_MODELS_DIR "$prefix/bin/senet" classify "$image" 2>&1)
[ -n "$want_cli" ] && [ "$got_cli" = "$want_cli" ] && ok ||
  fail "installed senet classify without --weights: '$got_cli', with the weights: '$want_cli'"
mkdir -p "$tmp/no_models"
got_cli=$(cd "$tmp" && SENET_MODELS_DIR=$tmp/no_models "$prefix/bin/senet" classify "$image" 2>&1)
[ $? -eq 2 ] && printf '%s' "$got_cli" | grep -q 'SENET_MODELS_DIR' && ok ||
  fail "SENET_MODELS_DIR without the model: '$got_cli'"
got_cli=$(cd "$tmp" && SENET_MODELS_DIR=$models "$prefix/bin/senet" classify "$image" 2>&1)
[ "$got_cli" = "$want_cli" ] && ok || fail "SENET_MODELS_DIR=$models: '$got_cli'"

pcdir=$(dirname "$(find "$prefix" -name senet_data.pc | head -1)")
lib=$(dirname "$pcdir")
pc() { PKG_CONFIG_PATH=$pcdir pkg-config --define-variable=prefix="$prefix" "$@"; }
[ -f "$lib/libsenet_data.so" ] && [ -f "$lib/libsenet_data.a" ] && [ -f "$lib/libsenet.a" ] && ok ||
  fail "libraries missing in $lib"
export LD_LIBRARY_PATH=$lib

want=$("$build/example_classify" se_resnet20 "$weights" "$image" 2>&1)
# shellcheck disable=SC2046
if cc "${flags[@]}" -O2 "$src/examples/classify.c" -o "$tmp/classify" $(pc --cflags --libs senet_data) -lm 2>"$tmp/cc.log"; then
  got=$("$tmp/classify" se_resnet20 "$weights" "$image" 2>&1)
  [ "$got" = "$want" ] && [ -n "$want" ] && ok || fail "installed example (shared): '$got', build tree: '$want'"
else
  fail "building the example with pkg-config senet_data: $(head -5 "$tmp/cc.log")"
fi

# shellcheck disable=SC2046
if cc "${flags[@]}" -O2 "$src/examples/classify.c" -o "$tmp/classify_static" $(pc --cflags senet_data) \
  "$lib/libsenet_data.a" "$lib/libsenet.a" -ljpeg -lpng -lz -lm -fopenmp -pthread 2>"$tmp/cc.log"; then
  got=$("$tmp/classify_static" se_resnet20 "$weights" "$image" 2>&1)
  [ "$got" = "$want" ] && ok || fail "installed example (static): '$got', build tree: '$want'"
  ldd "$tmp/classify_static" | grep -q senet && fail "the static example still loads a senet .so" || ok
else
  fail "building the example statically: $(head -5 "$tmp/cc.log")"
fi

# shellcheck disable=SC2046
cc "${flags[@]}" "$src/examples/train.c" -o "$tmp/train" $(pc --cflags --libs senet_data) 2>"$tmp/cc.log" && ok ||
  fail "building examples/train.c with pkg-config senet_data: $(head -5 "$tmp/cc.log")"

# A CMake project: find_package(senet), senet::data (shared) and senet::data_static.
mkdir -p "$tmp/consumer"
cat >"$tmp/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(senet 0.1 REQUIRED)
add_executable(classify ${EXAMPLE})
target_link_libraries(classify PRIVATE senet::data m)
add_executable(classify_static ${EXAMPLE})
target_link_libraries(classify_static PRIVATE senet::data_static m)
CMAKE
if cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$prefix" -DEXAMPLE="$src/examples/classify.c" \
  -DCMAKE_C_FLAGS="${flags[*]}" -DCMAKE_EXE_LINKER_FLAGS="${flags[*]}" >"$tmp/cmake.log" 2>&1 &&
  cmake --build "$tmp/consumer/build" >>"$tmp/cmake.log" 2>&1; then
  for exe in classify classify_static; do
    got=$("$tmp/consumer/build/$exe" se_resnet20 "$weights" "$image" 2>&1)
    [ "$got" = "$want" ] && ok || fail "CMake consumer $exe: '$got', build tree: '$want'"
  done
else
  fail "find_package(senet) and a build against it: $(tail -5 "$tmp/cmake.log")"
fi

cat >"$tmp/both.cpp" <<'CPP'
#include <senet.h>
#include <senet_data.h>
#include <cstdio>
#include <cstring>
int main()
{
    senet_transform *t = nullptr;
    int status = senet_transform_create("no-such-pipeline", 0, nullptr, &t);
    std::printf("%d %s\n", status, senet_last_error());
    return status == SENET_ERR_ARGUMENT && std::strstr(senet_last_error(), "no-such-pipeline") ? 0 : 1;
}
CPP
# shellcheck disable=SC2046
if c++ "${flags[@]}" "$tmp/both.cpp" -o "$tmp/both" $(pc --cflags --libs senet_data) 2>"$tmp/cc.log"; then
  "$tmp/both" >/dev/null && ok || fail "C++ program: $("$tmp/both")"
else
  fail "C++ with both headers: $(head -5 "$tmp/cc.log")"
fi

cat >"$tmp/core.c" <<'C'
#include <senet.h>
#include <stdio.h>
int main(void)
{
    senet_config cfg;
    senet_net *net;
    if (senet_config_default("se_resnet20", &cfg) || senet_net_create(&cfg, &net))
        return 1;
    printf("%zu\n", senet_net_num_params(net));
    senet_net_free(net);
    return 0;
}
C
# shellcheck disable=SC2046
if cc "${flags[@]}" "$tmp/core.c" -o "$tmp/core" $(pc --cflags --libs senet) 2>"$tmp/cc.log"; then
  [ "$("$tmp/core")" = 274847 ] && ok || fail "core-only program: $("$tmp/core" 2>&1)"
  ldd "$lib/libsenet.so" | grep -Eq 'jpeg|png|libz' && fail "libsenet.so links an image codec" || ok
else
  fail "building against pkg-config senet: $(head -5 "$tmp/cc.log")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
