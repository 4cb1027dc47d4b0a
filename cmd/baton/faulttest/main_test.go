// Package faulttest is Baton's fault suite: end-to-end tests of Baton in
// child processes (batontest's Options.Process), which a test may kill,
// freeze or stop, through the fake Slack and a real PostgreSQL, under the
// faults Baton promises to survive. Every test is named TestFault…, so
//
//	go test ./... -run Fault
//
// runs the suite alone.
package faulttest

import (
	"os"
	"testing"

	"github.com/batonhq/baton/cmd/baton/batontest"
)

func TestMain(m *testing.M) { os.Exit(batontest.Main(m)) }
