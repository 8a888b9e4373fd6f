# lanvpn — see README.md. `make demo` and `make test` do all their own set-up (as root on Debian).
.PHONY: setup build test demo bench clean typecheck format-check ipk soak

setup:
	@scripts/setup.sh

build: setup
	@npm run --silent build

typecheck: setup
	@npx tsc -p tsconfig.json --noEmit

format-check: setup
	@npm run --silent format:check

# Every test: unit, golden, transitions, host contract (Node and the native qjs), rpc contract,
# the dev router, web UI, and the end-to-end lab and browser tests (root), with the ten-minute
# load test beside them (scripts/test.sh).
test: build typecheck format-check
	@scripts/test.sh

# The ten-minute load test alone (issue 8): five UI pollers, a hundred devices a second.
soak: build
	@npx vitest run --project soak

demo: build
	@scripts/demo.sh

# dist/lanvpn_<version>-<release>_all.ipk (openwrt-package/README.md)
ipk: build
	@node scripts/ipk.mjs

bench: build
	@npm run --silent bench

clean:
	rm -rf dist bench/results.md
