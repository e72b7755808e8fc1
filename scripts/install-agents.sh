#!/usr/bin/env bash
# Installs the pinned coding-agent CLIs that test/agents/ drives, into a cache outside the repo.
# Usage: scripts/install-agents.sh [dir]   (default: $AGENTS_DIR or ~/.cache/switchyard-agents)
# Idempotent: a second run with the same pins is a no-op.
set -euo pipefail

dir="${1:-${AGENTS_DIR:-$HOME/.cache/switchyard-agents}}"
pins=(
  "@anthropic-ai/claude-code@2.1.332"
  "@openai/codex@0.171.0"
  "opencode-ai@1.18.33"
  "@qwen-code/qwen-code@0.24.4"
  "@google/gemini-cli@0.61.0"
)

mkdir -p "$dir"
stamp="$dir/.pins"
if [[ -f "$stamp" && "$(cat "$stamp")" == "${pins[*]}" && -d "$dir/node_modules/.bin" ]]; then
  echo "agents already installed in $dir"
  exit 0
fi
[[ -f "$dir/package.json" ]] || echo '{"private":true}' >"$dir/package.json"
# Postinstall scripts fetch the native binaries (Codex, opencode) from the npm registry itself.
npm install --prefix "$dir" --no-audit --no-fund --save-exact "${pins[@]}"
# opencode installs its plugin SDK into its config directory on first start: done here, so the
# tests (which point XDG_CONFIG_HOME at it) run offline.
mkdir -p "$dir/opencode-config/opencode"
echo '{"dependencies":{"@opencode-ai/plugin":"1.18.33"}}' >"$dir/opencode-config/opencode/package.json"
npm install --prefix "$dir/opencode-config/opencode" --no-audit --no-fund --no-save
echo "${pins[*]}" >"$stamp"
echo "agents installed in $dir"
