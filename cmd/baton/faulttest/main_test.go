// Package faulttest is Baton's fault suite: end-to-end tests of the real
// binary, through the fake Slack and a real PostgreSQL, under the faults
// DESIGN.md §6–7 promise to survive. Every test is named TestFault…, so
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
