package launcher

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/cmd/baton/export"
	"github.com/batonhq/baton/store"
)

// exportHandoffs writes the handoffs created in a period to Stdout, for a CRM
// import or a spreadsheet: baton export --since 2026-01-01 [--until
// 2026-02-01] [--format csv|json].
func (m *Main) exportHandoffs(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	// Help goes to Stdout, when asked for; an error is returned, not
	// followed by the flags.
	fs.SetOutput(m.Stdout)
	fs.Usage = func() {}
	since := fs.String("since", "", "first day (YYYY-MM-DD, in timezone) or instant (RFC 3339) of the handoffs' creation; required")
	until := fs.String("until", "", "day or instant the period ends before (default: now)")
	format := fs.String("format", export.CSV, "csv (a header row, one answer column per checklist question) or json (one array of objects)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(m.Stdout, exportHelp)
			fs.PrintDefaults()
			return nil
		}
		return fmt.Errorf("export: %w (baton export --help)", flagError(err, args))
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export: unexpected argument %q", fs.Arg(0))
	}
	if *format != export.CSV && *format != export.JSON {
		return fmt.Errorf("export: --format %q: csv or json", *format)
	}
	log, err := m.logger(env)
	if err != nil {
		return err
	}
	cfg, err := config.Load(env.ConfigPath)
	if err != nil {
		return err
	}
	loc := cfg.Policy.Location
	if *since == "" {
		return errors.New("export: --since is required (YYYY-MM-DD, e.g. --since 2026-01-01)")
	}
	from, err := export.ParseDay(*since, loc)
	if err != nil {
		return fmt.Errorf("export: --since: %w", err)
	}
	to := m.now()
	if *until != "" {
		if to, err = export.ParseDay(*until, loc); err != nil {
			return fmt.Errorf("export: --until: %w", err)
		}
	}
	if !to.After(from) {
		return errors.New("export: --until must be after --since")
	}
	pool, closeDB, err := m.openDatabase(ctx, env, cfg, log, commandUse)
	if err != nil {
		return err
	}
	defer closeDB()
	out := bufio.NewWriterSize(m.Stdout, 64<<10)
	if err := export.Write(ctx, out, store.New(pool), *format, cfg.Policy, from, to); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("export: write: %w", err)
	}
	return nil
}

// flagError is err, from the flag package, said with the flag as given:
// `unknown flag "--csv"` rather than "flag provided but not defined: -csv".
func flagError(err error, args []string) error {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return err
	}
	for _, a := range args {
		given, _, _ := strings.Cut(a, "=")
		if strings.TrimLeft(given, "-") == name && strings.HasPrefix(given, "-") {
			return fmt.Errorf("unknown flag %q", given)
		}
	}
	return fmt.Errorf("unknown flag %q", "-"+name)
}

func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}
