//go:build !race

package batontest

// raceEnabled: these tests run without the race detector.
const raceEnabled = false
