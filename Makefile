# Suanpan: `make run` serves the app on http://127.0.0.1:3000; `make test` runs every test.
# Both install what is missing first (see `tools`) and skip what is already there.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

CARGO_LEPTOS_VERSION := 0.3.10
# cargo-leptos calls the wasm-bindgen CLI, which must equal the crate version locked in Cargo.lock.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/version = "\(.*\)"/\1/p}' Cargo.lock)
CARGO_BIN := $(HOME)/.cargo/bin
# end2end/node_modules/.bin first: its wasm-opt (binaryen 132 from npm) understands the reference
# types rustc emits; Debian bookworm's binaryen 108 corrupts wasm-bindgen's externref table.
export PATH := $(CURDIR)/end2end/node_modules/.bin:$(CARGO_BIN):$(PATH)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# cargo-leptos sets LEPTOS_OUTPUT_NAME for its builds and leptos reads it with option_env!, so a
# `cargo test` without it compiles the whole leptos stack a second time: set it for every target.
export LEPTOS_OUTPUT_NAME := suanpan

# The app store's SQL is checked at compile time (sqlx::query!) against the query data checked in
# under app/.sqlx, never against a database: a DATABASE_URL in the environment changes nothing.
# After changing a query or migrations/app, run `make sqlx-prepare` and commit app/.sqlx.
export SQLX_OFFLINE := true

SERVER := target/release/suanpan
SITE := target/site
# The conformance suite's interpreter (3.11, as pinned SDKs expect) and where cargo puts binaries.
PYTHON := $(shell command -v python3.11 || echo python3)
CONFORMANCE_VENV := conformance/.venv
CARGO_TARGET := $(or $(CARGO_TARGET_DIR),target)

.PHONY: run test build tools tools-test rust-tools chromium python npm bench e2e unit conformance clean-data sqlx-prepare

# A local demo needs no set-up step: unless the caller's environment names an admin, the first
# `make run` makes one with a random password, kept (owner-only) in the data folder and printed.
DATA_DIR := $(or $(SUANPAN_DATA_DIR),data)
DEMO_LOGIN := $(DATA_DIR)/demo-admin.txt
run: tools build
	@if [ -z "$${SUANPAN_ADMIN_USER:-}" ] && [ ! -f $(DEMO_LOGIN) ]; then \
	  mkdir -p $(DATA_DIR) && umask 077 && \
	  printf 'admin\n%s\n' "$$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')" > $(DEMO_LOGIN); \
	fi
	@if [ -z "$${SUANPAN_ADMIN_USER:-}" ]; then \
	  echo "演示管理员 / demo admin: user $$(sed -n 1p $(DEMO_LOGIN)), password $$(sed -n 2p $(DEMO_LOGIN)) (from $(DEMO_LOGIN))"; \
	fi
	SUANPAN_SITE_ROOT=$(SITE) \
	SUANPAN_SIM_SPEEDUP="$${SUANPAN_SIM_SPEEDUP:-60}" \
	SUANPAN_ADMIN_USER="$${SUANPAN_ADMIN_USER:-$$(sed -n 1p $(DEMO_LOGIN) 2>/dev/null)}" \
	SUANPAN_ADMIN_PASSWORD="$${SUANPAN_ADMIN_PASSWORD:-$$(sed -n 2p $(DEMO_LOGIN) 2>/dev/null)}" \
	$(SERVER)

test: tools tools-test unit conformance build e2e

# --precompress writes .br and .gz beside every site file; the server sends them to browsers that
# accept them (the WASM and ECharts shrink to about a quarter), and compresses the rest on the fly.
build: public/echarts.min.js
	cargo leptos build --release --precompress

unit:
	cargo test --workspace --release

e2e: public/echarts.min.js
	cd end2end && playwright test

# The providers' official Python SDKs against the simulators (conformance/run.sh starts them from
# the server binary and stops them). The binary comes from the same build as `unit` (a plain
# `cargo build -p suanpan` resolves other features and would compile the app again).
conformance: python $(CONFORMANCE_VENV)/.installed
	cargo test --workspace --release --no-run
	conformance/run.sh $(CARGO_TARGET)/release/suanpan

# Writes app/.sqlx again (what `cargo sqlx prepare` does, without sqlx-cli): a scratch SQLite with
# migrations/app applied, then the app compiled with the macros online; with SQLX_OFFLINE_DIR set
# they write one query-<hash>.json per query. Cargo does not see the macros' inputs, hence the touch.
SQLX_DB := $(abspath $(CARGO_TARGET))/sqlx-prepare.sqlite
sqlx-prepare:
	mkdir -p $(dir $(SQLX_DB)) app/.sqlx
	rm -f $(SQLX_DB) app/.sqlx/query-*.json
	$(PYTHON) -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); [db.executescript(open(f).read()) for f in sys.argv[2:]]' \
	  $(SQLX_DB) $(sort $(wildcard migrations/app/*.sql))
	touch app/src/lib.rs
	SQLX_OFFLINE=false DATABASE_URL=sqlite://$(SQLX_DB) SQLX_OFFLINE_DIR=$(CURDIR)/app/.sqlx cargo test --workspace --release --no-run

# Times the five analyses on the embedded store at scale 1 and 10 beside the seed's SQL.
bench: tools build
	cargo run --release -p suanpan --bin suanpan-bench -- --scales 1,10
	cargo run --release -p suanpan --bin suanpan-bench -- --suite ai --scales 1
	cargo run --release -p suanpan --bin suanpan-bench -- --suite quota
	@echo "First page, gzip -9 bytes: WASM $$(gzip -9c $(SITE)/pkg/suanpan.wasm | wc -c)," \
	  "JS $$(gzip -9c $(SITE)/pkg/suanpan.js | wc -c), ECharts $$(gzip -9c $(SITE)/echarts.min.js | wc -c)," \
	  "CSS $$(gzip -9c $(SITE)/pkg/suanpan.css | wc -c)"

tools: rust-tools npm
tools-test: chromium python

rust-tools:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@cargo leptos --version 2>/dev/null | grep -q " $(CARGO_LEPTOS_VERSION)" || \
	  cargo install cargo-leptos --locked --version $(CARGO_LEPTOS_VERSION) --features no_downloads
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)" || \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

# Chromium for the browser tests, and CJK and emoji fonts so the screenshots show the UI as users see it.
chromium:
	@{ command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK' && fc-list 2>/dev/null | grep -qi 'Noto Color Emoji'; } || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji; }

# Python with venv for the conformance suite (Debian's python3 is 3.11 on bookworm).
python:
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3 python3-venv; }

# The pinned SDKs in their own venv, made again only when the pins change.
$(CONFORMANCE_VENV)/.installed: conformance/requirements.txt
	rm -rf $(CONFORMANCE_VENV)
	$(PYTHON) -m venv $(CONFORMANCE_VENV)
	$(CONFORMANCE_VENV)/bin/pip install -q --disable-pip-version-check -r conformance/requirements.txt
	@touch $@

# echarts, binaryen (wasm-opt) and @playwright/test (no browser download: Debian's chromium), pinned in
# end2end/package-lock.json.
npm: end2end/node_modules/.package-lock.json
end2end/node_modules/.package-lock.json: end2end/package.json end2end/package-lock.json
	cd end2end && npm ci --no-audit --no-fund
	@touch $@

public/echarts.min.js: end2end/node_modules/.package-lock.json
	cp end2end/node_modules/echarts/dist/echarts.min.js $@

clean-data:
	rm -rf data
