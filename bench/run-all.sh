#!/bin/sh
# Reproduces docs/benchmarks.md: generates the datasets (10 k, 100 k, 1 M contacts) on SQLite and
# PostgreSQL, measures each with `python -m bench run`, then draws the tables and the chart.
#
#   bench/run-all.sh                      # everything (1 to 3 hours on 2 cores, most of it loading)
#   SIZES="10000" bench/run-all.sh        # one size
#   ENGINES=sqlite bench/run-all.sh       # one engine
#
# DATA (default /var/tmp/omnidesk-bench) holds the SQLite files; PGURL names a PostgreSQL server where
# databases bench_<size> may be created (default postgresql+psycopg://postgres@127.0.0.1:5432).
# A dataset that exists already is reused.
set -eu
cd "$(dirname "$0")/.."
OMNIDESK=${OMNIDESK:-.venv/bin/omnidesk}
PYTHON=${PYTHON:-.venv/bin/python}  # the one Omnidesk is installed in; runs the kit (python -m bench)
DATA=${DATA:-/var/tmp/omnidesk-bench}
PGURL=${PGURL:-postgresql+psycopg://postgres@127.0.0.1:5432}
SIZES=${SIZES:-10000 100000 1000000}
ENGINES=${ENGINES:-sqlite postgresql}
RESULTS=bench/results
mkdir -p "$DATA" "$RESULTS"

label() { case "$1" in 1000000) echo 1m ;; 100000) echo 100k ;; 10000) echo 10k ;; *) echo "$1" ;; esac; }

for engine in $ENGINES; do
  for size in $SIZES; do
    name=$(label "$size")
    if [ "$engine" = sqlite ]; then
      url="sqlite:///$DATA/bench_$name.sqlite3"
      fresh=$([ -e "$DATA/bench_$name.sqlite3" ] && echo no || echo yes)
    else
      url="$PGURL/bench_$name"
      host=$(echo "$PGURL" | sed 's|.*@||; s|:.*||') port=$(echo "$PGURL" | sed 's|.*:||')
      user=$(echo "$PGURL" | sed 's|.*://||; s|@.*||')
      fresh=no
      createdb -h "$host" -p "$port" -U "$user" "bench_$name" 2>/dev/null && fresh=yes
    fi
    if [ "$fresh" = yes ]; then
      "$PYTHON" -m bench generate --contacts "$size" --database-url "$url"
    fi
    # A dataset made by an older release is brought up to date first (the server would do it at start).
    OMNIDESK_DATABASE_URL="$url" "$OMNIDESK" migrate
    # As in docs/benchmarks.md: fewer samples at 1 M, where a name search takes a tenth of a second.
    if [ "$size" -ge 1000000 ]; then samples="--samples 60 --peer-samples 3"; else samples="--samples 100 --peer-samples 5"; fi
    # shellcheck disable=SC2086
    "$PYTHON" -m bench run --database-url "$url" $samples --output "$RESULTS/$engine-$name.json"
  done
done
"$PYTHON" -m bench report "$RESULTS"/*.json --chart docs/benchmarks.svg --markdown "$RESULTS/tables.md"
