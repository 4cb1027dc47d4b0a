// Package drive runs Baton against the fake Slack (bot/slackfake) and
// drives it as Slack's users would, for the end-to-end tests, the fault
// suite (through cmd/baton/batontest) and baton loadtest: the environment
// that points Baton at the fake and a database, Baton in a child process
// (its log, its HTTP address, SIGTERM, SIGKILL, SIGSTOP), and a filled-in
// handoff form.
//
// It imports no testing package: baton loadtest links it into the binary.
package drive
