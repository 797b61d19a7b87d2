#!/usr/bin/env bash
# A scripted walk-through on a fresh SQLite database: one problem from assigned to closed,
# its history, the audit chain verified, then edited by hand and caught.
set -euo pipefail
cd "$(dirname "$0")/.."
S=.venv/bin/supervise
DIR=${SUPERVISE_DEMO_DIR:-var/demo}
rm -rf "$DIR" && mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
export SUPERVISE_DATABASE_URL="sqlite:///$DIR/supervise.db"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
refused() { printf '\n\033[1m$ %s\033[0m   # expected to be refused\n' "$*"; if "$@"; then echo "unexpectedly accepted" >&2; exit 1; fi; }

echo "整改证明材料 / evidence of the fix" > "$DIR/evidence.txt"
step $S init
step $S import examples/walkthrough.yaml
step $S problems
step $S advance 13 start --actor 李四
refused $S advance 13 submit --actor 李四 --note "已完成整改"
step $S advance 13.1 finish --actor 李四 --evidence "$DIR/evidence.txt"
step $S advance 13.2 finish --actor 李四 --evidence "$DIR/evidence.txt"
step $S advance 13 submit --actor 李四 --note "已完成整改 / fixed, see evidence"
refused $S advance 13 verify --actor 李四
step $S advance 13 verify --actor 赵六 --note "现场核验属实 / checked on site"
step $S advance 13 close --actor 张三 --note "同意销号 / signed off"
step $S show 13
step $S audit verify

printf '\n\033[1m# Someone edits a row of the history by hand (the table refuses updates, so they drop its guard first):\033[0m\n'
"$(dirname "$S")/python" - "$DIR/supervise.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DROP TRIGGER events_no_update")
db.execute("UPDATE events SET actor_name = '王五' WHERE trigger = 'verify'")
db.commit()
print("UPDATE events SET actor_name = '王五' WHERE trigger = 'verify'")
PY
printf '\n\033[1m$ %s\033[0m   # now fails, naming the edited event\n' "$S audit verify"
if $S audit verify; then echo "tampering went unnoticed" >&2; exit 1; fi
printf '\nThe database is at %s\n' "$DIR/supervise.db"
