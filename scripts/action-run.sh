#!/usr/bin/env bash
# Run step of the swclint GitHub Action (action.yml). Runs swclint to a SARIF file without failing,
# so the upload step still runs, and reports sarif-file, sarif-written, findings-count and exit-code
# to $GITHUB_OUTPUT; the action's last step exits with exit-code.
# Inputs arrive as environment variables (never interpolated into the script, so a crafted input
# cannot inject shell): SWCLINT_TARGET, SWCLINT_FAIL_ON, SWCLINT_SARIF_FILE, SWCLINT_LLM,
# SWCLINT_ADAPTER, SWCLINT_SOLC_VERSION, SWCLINT_EXTRA_ARGS, SWCLINT_DIFF_BASE and
# SWCLINT_PR_BASE_SHA (the pull request's base commit, empty on other events).
set -uo pipefail

output="${GITHUB_OUTPUT:-/dev/null}"
cd "${GITHUB_WORKSPACE:-.}" || { echo "::error::swclint action: cannot enter GITHUB_WORKSPACE"; exit 2; }

sarif="${SWCLINT_SARIF_FILE:-swclint.sarif}"
args=(--format sarif --output "$sarif" --fail-on "${SWCLINT_FAIL_ON:-high}")
case "${SWCLINT_LLM:-off}" in
  off | false | "") args+=(--no-llm) ;;
  on | true) args+=(--llm) ;;
  *) echo "::error::swclint action: input 'llm' must be 'on' or 'off', got '${SWCLINT_LLM}'"; exit 2 ;;
esac
if [ -n "${SWCLINT_ADAPTER:-}" ]; then args+=(--adapter "$SWCLINT_ADAPTER"); fi
if [ -n "${SWCLINT_SOLC_VERSION:-}" ]; then args+=(--solc-version "$SWCLINT_SOLC_VERSION"); fi

# diff-base: "auto" means the pull request's base on pull_request events, everything elsewhere.
base="${SWCLINT_DIFF_BASE:-}"
if [ "$base" = "auto" ]; then
  base="${SWCLINT_PR_BASE_SHA:-}"
  if [ -z "$base" ]; then echo "swclint action: not a pull request, reporting findings on all lines"; fi
fi
if [ -n "$base" ]; then
  case "$base" in
    -*) echo "::error::swclint action: input 'diff-base' must be a git revision, got '${base}'"; exit 2 ;;
  esac
  # actions/checkout fetches a single commit by default; git diff needs the base commit's tree.
  # Fetching runs no code from the repository (no hooks; .git is never part of the checkout).
  if ! git -c core.hooksPath=/dev/null cat-file -e "${base}^{commit}" 2>/dev/null; then
    echo "swclint action: fetching the base commit ${base}"
    git -c core.hooksPath=/dev/null -c protocol.version=2 fetch --quiet --no-tags --no-recurse-submodules \
      --depth=1 origin "$base" \
      || echo "::warning::swclint action: could not fetch ${base}; use actions/checkout with fetch-depth: 0"
  fi
  args+=(--diff-base "$base")
fi
# Space-separated lists; `read -a` splits words without globbing or evaluating them.
read -r -a targets <<< "${SWCLINT_TARGET:-.}"
read -r -a extra <<< "${SWCLINT_EXTRA_ARGS:-}"

rm -f "$sarif"
echo "swclint ${targets[*]} ${args[*]} ${extra[*]}"
swclint "${targets[@]}" "${args[@]}" "${extra[@]}"
code=$?

count=0
written=false
if [ -s "$sarif" ]; then
  written=true
  py="$(command -v python3 || command -v python)"
  # Unsuppressed results only: baseline and inline-suppressed findings stay in the log but don't count.
  count="$("$py" -c 'import json, sys; d = json.load(open(sys.argv[1], encoding="utf-8")); print(sum(1 for r in d.get("runs", []) for x in r.get("results", []) if not x.get("suppressions")))' "$sarif")" \
    || { echo "::warning::swclint action: could not read $sarif"; count=0; }
fi

{
  echo "sarif-file=$sarif"
  echo "sarif-written=$written"
  echo "findings-count=$count"
  echo "exit-code=$code"
} >> "$output"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  echo "**swclint**: $count finding(s), exit code $code" >> "$GITHUB_STEP_SUMMARY"
fi
echo "swclint: $count finding(s), exit code $code"
exit 0
