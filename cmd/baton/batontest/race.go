//go:build race

package batontest

// raceEnabled: these tests run with the race detector, and so do the
// child processes that re-execute them.
const raceEnabled = true
