#!/usr/bin/env bash
# Builds every fuzz target under Fuzz/ with libFuzzer and AddressSanitizer and runs each for FUZZ_SECONDS.
#
#   Fuzz/run.sh [TARGET...]          (default: every folder of Fuzz/ that holds a main.swift)
#   FUZZ_SECONDS=600 Fuzz/run.sh ModelFile
#
# A target is a folder Fuzz/<Target>/ with a main.swift defining LLVMFuzzerTestOneInput, compiled with
# Fuzz/Support/*.swift (fail/require); the Candor modules it imports (and theirs) are built as instrumented
# static libraries. Optional files beside it: `dict` (a libFuzzer
# dictionary) and `options` (more libFuzzer flags, one per line). Seeds are Fuzz/corpus/<Target>/ (committed);
# the inputs libFuzzer adds go to .build/fuzz/corpus/<Target>/, kept between runs but outside git. A crash is
# written to .build/fuzz/crashes/<Target>/ and makes the script exit 1.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-60}
work=$root/.build/fuzz
lib=$work/lib
swiftc=${SWIFTC:-swiftc}
# -assert-config Debug keeps the bounds checks of unsafe buffer pointers that -O removes.
# Yams (the YAML parser of report configs) and its C part, libyaml, come from SwiftPM's checkout of the package.
yams=$root/.build/checkouts/Yams/Sources
flags=(-O -assert-config Debug -g -sanitize=fuzzer,address -parse-as-library -I "$lib" -I "$root/Sources/COpenBLAS"
  -I "$yams/CYaml/include" -Xcc -DYAML_DECLARE_STATIC)
for flag in $(pkg-config --cflags-only-I openblas 2>/dev/null); do flags+=(-Xcc "$flag"); done
libs=($(pkg-config --libs openblas 2>/dev/null || echo -lopenblas))

mkdir -p "$lib" "$work/bin" "$work/logs"

# The C targets (SHA-256 and BLAKE3 in CDigests, the vector kernels in CKernels), instrumented too, linked into
# every target; each is rebuilt when its sources or this script change.
for ctarget in CDigests CKernels; do
  flags+=(-I "$root/Sources/$ctarget/include")
  archive=$lib/lib$ctarget.a
  if [[ ! -f $archive ]] || [[ -n $(find "Sources/$ctarget" "$0" -newer "$archive" | head -1) ]]; then
    objects=()
    for source in Sources/$ctarget/*.c; do
      object=$lib/$ctarget-$(basename "$source" .c).o
      "${CLANG:-clang}" -O2 -g -fsanitize=address -I "Sources/$ctarget/include" -c "$source" -o "$object"
      objects+=("$object")
    done
    rm -f "$archive"  # ar adds to an archive: a renamed source would leave its old object behind
    ar rcs "$archive" "${objects[@]}"
  fi
  libs+=("$archive")
done

# Yams and libyaml as instrumented static libraries (libyaml's C with ASan and libFuzzer's coverage), for the modules
# that import Yams; rebuilt when the checkout or this script changes.
build_yams() {
  [[ -d $yams ]] || swift package resolve >/dev/null
  local archive=$lib/libYams.a c object objects=()
  if [[ -f $archive ]] && [[ -z $(find "$yams" "$0" -newer "$archive" | head -1) ]]; then return; fi
  echo "fuzz: building Yams and libyaml (instrumented; log: $work/logs/Yams.build.log)"
  for c in "$yams"/CYaml/src/*.c; do
    object=$lib/cyaml-$(basename "$c" .c).o
    "${CLANG:-clang}" -O2 -g -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I "$yams/CYaml/include" -c "$c" -o "$object"
    objects+=("$object")
  done
  ar rcs "$lib/libCYaml.a" "${objects[@]}"
  # Yams imports CYaml only when built as a package (#if SWIFT_PACKAGE), as SwiftPM defines.
  "$swiftc" "${flags[@]}" -DSWIFT_PACKAGE -module-name Yams -emit-library -static -emit-module -emit-module-path "$lib/Yams.swiftmodule" \
    "$yams"/Yams/*.swift -o "$archive" >"$work/logs/Yams.build.log" 2>&1 || { cat "$work/logs/Yams.build.log"; exit 1; }
}

# The Candor modules that some Swift files import.
imports() { sed -n 's/^import \(Candor[A-Za-z]*\).*/\1/p' "$@" | sort -u; }

# Appends to `order` the modules that $@ import, each after the modules it imports itself.
order=()
add_modules() {
  local module sources
  for module in $(imports "$@"); do
    [[ " ${order[*]} " == *" $module "* ]] && continue
    mapfile -t sources < <(find "Sources/$module" -name '*.swift' | sort)
    add_modules "${sources[@]}"
    order+=("$module")
  done
}

# Builds module $1 from Sources/$1 as an instrumented static library, unless the library is newer than its
# sources, the libraries it imports and this script. Call in `order`.
build_module() {
  local module=$1 sources dep deps=()
  mapfile -t sources < <(find "Sources/$module" -name '*.swift' | sort)
  for dep in $(imports "${sources[@]}"); do deps+=("$lib/lib$dep.a"); done
  if grep -qs '^import Yams' "${sources[@]}"; then deps+=("$lib/libYams.a"); fi
  local archive=$lib/lib$module.a
  if [[ -f $archive ]] && [[ -z $(find "${sources[@]}" "${deps[@]}" "$0" -newer "$archive" | head -1) ]]; then return; fi
  echo "fuzz: building $module (instrumented; log: $work/logs/$module.build.log)"
  "$swiftc" "${flags[@]}" -module-name "$module" -emit-library -static -emit-module \
    -emit-module-path "$lib/$module.swiftmodule" "${sources[@]}" -o "$archive" \
    >"$work/logs/$module.build.log" 2>&1 || { cat "$work/logs/$module.build.log"; exit 1; }
}

# Builds Fuzz/$1 into $work/bin/fuzz-$1, linked with the libraries it imports (dependents first).
build_target() {
  local target=$1 sources module archives=()
  mapfile -t sources < <(find "Fuzz/$target" Fuzz/Support -name '*.swift' | sort)
  order=()
  add_modules "${sources[@]}"
  # Yams first, and linked last (after the modules that use it), when any module imports it.
  if grep -qs '^import Yams' $(for module in "${order[@]}"; do find "Sources/$module" -name '*.swift'; done); then
    build_yams
    archives=("$lib/libYams.a" "$lib/libCYaml.a")
  fi
  for module in "${order[@]}"; do
    build_module "$module"
    archives=("$lib/lib$module.a" "${archives[@]}")
  done
  local binary=$work/bin/fuzz-$target
  if [[ -f $binary ]] && [[ -z $(find "${sources[@]}" "${archives[@]}" -newer "$binary" | head -1) ]]; then return; fi
  echo "fuzz: linking $target"
  "$swiftc" "${flags[@]}" -module-name "Fuzz$target" "${sources[@]}" "${archives[@]}" "${libs[@]}" -o "$binary" \
    >"$work/logs/$target.build.log" 2>&1 || { cat "$work/logs/$target.build.log"; exit 1; }
}

targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for main in Fuzz/*/main.swift; do targets+=("$(basename "$(dirname "$main")")"); done
fi

# libFuzzer reports crashes itself; Swift's backtracer would only add a second, slower report.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:handle_abort=1:handle_sigill=1}

status=0
for target in "${targets[@]}"; do
  [[ -f Fuzz/$target/main.swift ]] || { echo "fuzz: no target Fuzz/$target/main.swift" >&2; exit 2; }
  build_target "$target"
  binary=$work/bin/fuzz-$target
  corpus=$work/corpus/$target crashes=$work/crashes/$target
  mkdir -p "$corpus" "$crashes" "Fuzz/corpus/$target"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/")
  [[ -f Fuzz/$target/dict ]] && options+=(-dict="Fuzz/$target/dict")
  [[ -f Fuzz/$target/options ]] && while read -r option; do [[ -n $option ]] && options+=("$option"); done <"Fuzz/$target/options"
  log=$work/logs/$target.log
  echo "fuzz: $target for ${seconds}s (log: $log)"
  if "$binary" "${options[@]}" "$corpus" "Fuzz/corpus/$target" >"$log" 2>&1; then
    # libFuzzer's last line: "#<executions> DONE cov: <edges> ft: <features> corp: <inputs>/<size> ...".
    summary=$(grep -aE '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | sed -E 's/^#([0-9]+)[[:space:]]+DONE +(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\1 executions, \2/')
    echo "fuzz: $target passed: $summary"
  else
    status=1
    echo "fuzz: $target FAILED; the input that crashed it:" >&2
    # The trap's message, the sanitizer's report with the first frames of its stack, and the input's file.
    grep -aE -A6 '^==[0-9]+==ERROR' "$log" | head -8 >&2 || true
    grep -aE '(Fatal error|fuzz invariant|^artifact_prefix)' "$log" >&2 || tail -40 "$log" >&2
    ls -1 "$crashes"/* 2>/dev/null >&2 || true
  fi
done
exit $status
