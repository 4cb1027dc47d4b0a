// Command baton runs Baton, the Slack bot for hot sales handoffs.
//
//	baton [run]        run the bot (default)
//	baton migrate      apply database migrations and exit
//	baton check-config validate the configuration file without connecting
//	baton loadtest     run baton against a fake Slack under load and report
//	baton help         show this help
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "baton:", err)
		stop()
		os.Exit(1)
	}
}
