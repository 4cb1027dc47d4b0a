//go:build race

package batontest

// raceEnabled: these tests run with the race detector, and so does the
// binary they build.
const raceEnabled = true
