package launcher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/store"
	"github.com/batonhq/baton/store/localpg"
)

// databaseUse says who opens the database: the bot, or a command that
// runs beside it (migrate, export).
type databaseUse int

const (
	// botUse is `baton run`: one per local data directory; it takes over
	// a local server a crashed bot left running, and stops it on exit.
	botUse databaseUse = iota
	// commandUse uses a local server another process runs and leaves it
	// running; one it had to start, it stops.
	commandUse
)

// openDatabase connects to DATABASE_URL, or opens the local PostgreSQL
// when it is unset, and migrates. The returned func closes the pool and
// ends this process's use of a local server (see localpg.Server.Stop).
func (m *Main) openDatabase(ctx context.Context, env Env, cfg config.Config, log zerolog.Logger, use databaseUse) (*pgxpool.Pool, func(), error) {
	url := env.DatabaseURL
	stopLocal := func() {}
	if url == "" {
		local, err := m.openLocalPostgres(ctx, cfg, log, use)
		if err != nil {
			return nil, nil, err
		}
		url = local.URL()
		stopLocal = func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := local.Stop(stopCtx); err != nil {
				log.Warn().Err(err).Msg("local PostgreSQL did not stop cleanly")
			}
		}
	}
	pool, err := store.Connect(ctx, url)
	if err != nil {
		stopLocal()
		return nil, nil, fmt.Errorf("database (DATABASE_URL): %w", err)
	}
	if err := store.MigrateWith(ctx, pool, store.MigrateOptions{Log: log}); err != nil {
		pool.Close()
		stopLocal()
		return nil, nil, err
	}
	return pool, func() { pool.Close(); stopLocal() }, nil
}

// openLocalPostgres starts, takes over or joins the local PostgreSQL in
// local_postgres.dir, and says which.
func (m *Main) openLocalPostgres(ctx context.Context, cfg config.Config, log zerolog.Logger, use databaseUse) (*localpg.Server, error) {
	dir := cfg.LocalPostgresDir
	log.Info().Str("dir", dir).Msg("DATABASE_URL is unset: opening the local PostgreSQL")
	local, err := localpg.Start(ctx, localpg.Options{DataDir: dir, Log: m.Stderr, Exclusive: use == botUse})
	switch {
	case errors.Is(err, localpg.ErrNoServerBinaries):
		return nil, fmt.Errorf("DATABASE_URL is unset and %w", err)
	case errors.Is(err, localpg.ErrInUse):
		return nil, fmt.Errorf("another baton run already runs on the local PostgreSQL in %s (one bot per data directory): stop it first, or give this one its own local_postgres.dir or a DATABASE_URL (%w)", dir, err)
	case err != nil:
		return nil, fmt.Errorf("DATABASE_URL is unset and the local PostgreSQL did not start: %w", err)
	}
	ev := log.Info().Str("dir", dir).Int("pid", local.PID())
	switch local.How() {
	case localpg.Started:
		ev.Msg("started the local PostgreSQL; it stops with this process")
	case localpg.TookOver:
		ev.Msg("taking over the local PostgreSQL already running (a process that used it ended without stopping it); it stops with this process")
	case localpg.Joined:
		ev.Msg("using the local PostgreSQL another process runs; it is left running")
	}
	return local, nil
}
