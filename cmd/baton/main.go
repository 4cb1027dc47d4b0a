// Command baton runs Baton, the Slack bot for hot sales handoffs.
//
//	baton [run]                run the bot (default)
//	baton migrate              apply database migrations and exit
//	baton check-config [FILE]  validate the configuration file without connecting
//	baton init                 write a minimal baton.yaml (flags, or picked from Slack)
//	baton doctor               check tokens, scopes, channels and people against Slack
//	baton export               write the handoffs of a period as CSV or JSON
//	baton loadtest             run baton against a fake Slack under load and report
//	baton help [COMMAND]       show the usage, or a command's
//
// Each command prints its help with --help and refuses what it does not take.
//
// The program is cmd/baton/launcher; this is its entry point.
package main

import (
	"os"

	"github.com/batonhq/baton/cmd/baton/launcher"
)

func main() { os.Exit(launcher.New().Exec(os.Args[1:])) }
