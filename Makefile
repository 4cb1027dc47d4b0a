# Baton. `make run` runs the bot; `make test` runs what CI runs.
GO ?= go

.PHONY: run build build-static demo screenshots test fault vet fmt-check fuzz clean

build:
	$(GO) build -o bin/baton ./cmd/baton

# A static binary (no cgo), for the distroless image and the systemd unit.
build-static:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o bin/baton ./cmd/baton

run: build
	./bin/baton run

# Try Baton without Slack: the real bot against a sandbox workspace in the
# browser (no tokens, no DATABASE_URL, no config). Ctrl-C stops it.
demo: build
	./bin/baton demo

# The sandbox's screens as PNGs under docs/screenshots, taken by the same
# browser test that make test runs (needs chromium).
screenshots:
	$(GO) test -count=1 -run '^TestSandboxInTheBrowser$$' ./cmd/baton/demo -args -screenshots=$(CURDIR)/docs/screenshots

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt wants to rewrite:"; echo "$$out"; exit 1; fi

# The whole suite, with the race detector, against real PostgreSQL (started
# by the tests themselves) and the project's fake Slack. No network, no tokens.
test: fmt-check vet
	$(GO) test -race -count=1 -timeout 20m ./...

# The fault suite alone (it is part of test too): the real binary under
# Slack's 429s, 500s, hung calls and duplicate deliveries.
fault:
	$(GO) test -race -count=1 -run Fault ./...

# A short run of every fuzz target: the payload decoders (interactions,
# /handoff text, modal metadata, Slack's answers), user text through every
# rendered message and form, and the config loader. FUZZTIME=5m runs longer.
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./bot -run '^$$' -fuzz '^FuzzParseInteraction$$' -fuzztime $(FUZZTIME)
	$(GO) test ./bot -run '^$$' -fuzz '^FuzzSlashCommand$$' -fuzztime $(FUZZTIME)
	$(GO) test ./bot -run '^$$' -fuzz '^FuzzViewMetadata$$' -fuzztime $(FUZZTIME)
	$(GO) test ./bot -run '^$$' -fuzz '^FuzzTrimEcho$$' -fuzztime $(FUZZTIME)
	$(GO) test ./bot/render -run '^$$' -fuzz '^FuzzUserTextRenders$$' -fuzztime $(FUZZTIME)
	$(GO) test ./bot/render/calendar -run '^$$' -fuzz '^FuzzLinks$$' -fuzztime $(FUZZTIME)
	$(GO) test ./cmd/baton/config -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME)
	$(GO) test ./bot/webhook -run '^$$' -fuzz '^FuzzBodyFromUserText$$' -fuzztime $(FUZZTIME)

clean:
	rm -rf bin
