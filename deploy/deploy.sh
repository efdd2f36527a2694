#!/usr/bin/env bash
# Deploy picmatix: build, migrate, compile messages, collect static files, restart.
#
#   deploy/deploy.sh [--dry-run] [--env staging|production] [--target compose|systemd]
#
# --env    staging (the default) or production: production is never deployed unless named, and
#          every release goes to staging first (docs/operations.md, "Staging").
# compose  (default) the whole stack on this host with deploy/compose.yaml; settings from
#          deploy/env/<env>.env (copied from the .example beside it). The images compile the
#          messages and collect the static files while they are built. The render worker is the
#          GPU one (compose profile gpu); PICMATIX_COMPOSE_PROFILE=cpu runs it on the CPU.
# systemd  a bare host with the code in /opt/picmatix and settings in /etc/picmatix/picmatix.env
#          (override: PICMATIX_HOME, PICMATIX_ENV_FILE); restarts whichever picmatix units are
#          installed here (web, beat, default worker, one render worker per GPU).
#
# --dry-run prints every command and changes nothing. Render workers get SIGTERM on restart and
# finish or hand back their job within the grace period (docs/operations.md).
set -euo pipefail

usage() {
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
}

DRY_RUN=0
TARGET=compose
ENVIRONMENT=staging
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --env) ENVIRONMENT="${2:?--env needs staging or production}"; shift ;;
        --target) TARGET="${2:?--target needs compose or systemd}"; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "deploy.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
case "$ENVIRONMENT" in staging | production) ;; *) echo "deploy.sh: --env must be staging or production" >&2; exit 2 ;; esac
case "$TARGET" in compose | systemd) ;; *) echo "deploy.sh: --target must be compose or systemd" >&2; exit 2 ;; esac

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

run() {
    echo "+ $*"
    if [[ $DRY_RUN -eq 0 ]]; then
        "$@"
    fi
}

step() {
    echo "== $*"
}

# A secret key must be set and shared by every host of an environment: signed links made by one
# host (emails are sent by workers) must open on every other.
preflight() {
    local env_file="$1"
    if [[ ! -f "$env_file" ]]; then
        if [[ $DRY_RUN -eq 1 ]]; then
            echo "(dry run: $env_file does not exist yet)"
            return
        fi
        echo "deploy.sh: $env_file is missing (copy it from deploy/env/$ENVIRONMENT.env.example)" >&2
        exit 1
    fi
    if ! grep -Eq '^SECRET_KEY=.+' "$env_file"; then
        echo "deploy.sh: SECRET_KEY is empty in $env_file" >&2
        exit 1
    fi
}

deploy_compose() {
    local env_file="$REPO/deploy/env/$ENVIRONMENT.env"
    preflight "$env_file"
    local profile="${PICMATIX_COMPOSE_PROFILE:-gpu}"
    case "$profile" in gpu | cpu) ;; *) echo "deploy.sh: PICMATIX_COMPOSE_PROFILE must be gpu or cpu" >&2; exit 2 ;; esac
    local compose=(docker compose -f "$REPO/deploy/compose.yaml" -p "picmatix-$ENVIRONMENT" --profile "$profile")
    export PICMATIX_ENV_FILE="$env_file"
    step "build the web and worker images (compilemessages and collectstatic run inside)"
    run "${compose[@]}" build
    step "migrate"
    run "${compose[@]}" up -d db redis
    run "${compose[@]}" run --rm migrate
    step "restart"
    run "${compose[@]}" up -d --remove-orphans
    run "${compose[@]}" ps
}

deploy_systemd() {
    local home="${PICMATIX_HOME:-/opt/picmatix}"
    local env_file="${PICMATIX_ENV_FILE:-/etc/picmatix/picmatix.env}"
    preflight "$env_file"
    local python="$home/.venv/bin/python"
    local lock="requirements/web.txt"
    if ls /dev/nvidia0 >/dev/null 2>&1; then
        lock="requirements/worker.txt"
    fi
    # Load the same settings as the services, for the manage.py commands below.
    if [[ -f "$env_file" ]]; then
        set -a
        # shellcheck disable=SC1090
        source "$env_file"
        set +a
    fi
    step "build (install the code and its dependencies into $home/.venv)"
    # The hashed lock file, then the code alone (--no-deps): exactly the versions CI tested.
    run "$python" -m pip install --quiet --require-hashes -r "$home/$lock"
    run "$python" -m pip install --quiet --no-deps --no-build-isolation -e "$home"
    step "migrate"
    run "$python" "$home/manage.py" migrate --noinput
    step "compilemessages"
    run "$python" "$home/manage.py" compilemessages --ignore=.venv --verbosity 0
    step "collectstatic"
    run "$python" "$home/manage.py" collectstatic --noinput --verbosity 0
    step "restart"
    local units=()
    local unit
    for unit in picmatix-web.service picmatix-beat.service picmatix-worker-default.service; do
        if systemctl cat "$unit" >/dev/null 2>&1; then
            units+=("$unit")
        fi
    done
    # Templated render workers: restart the instances that run (one per GPU).
    while read -r unit _; do
        units+=("$unit")
    done < <(systemctl list-units --plain --no-legend 'picmatix-worker@*.service' 2>/dev/null || true)
    if [[ ${#units[@]} -eq 0 ]]; then
        echo "(no picmatix units installed on this host: see deploy/systemd/)"
        return
    fi
    run sudo systemctl restart "${units[@]}"
}

echo "picmatix: deploying $ENVIRONMENT with $TARGET$([[ $DRY_RUN -eq 1 ]] && echo ' (dry run)')"
"deploy_$TARGET"
echo "picmatix: done; check $([[ $TARGET == compose ]] && echo 'docker compose logs -f' || echo 'journalctl -u "picmatix-*" -f') and /readyz"
