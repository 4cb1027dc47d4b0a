package launcher

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/batonhq/baton/bot/metrics"
	"github.com/batonhq/baton/store"
)

// channelDetails are the lines /readyz adds about the channels Baton must
// post into and is not a member of: membership.Watch.
type channelDetails interface {
	Details(ctx context.Context) ([]string, error)
}

// serveHTTP starts the probes: /healthz says the process is up; /readyz says
// it can do its job, with the database answering and Socket Mode connected,
// and names the channels Baton is not in, one line each, without making it
// unready: a replica that cannot post into one pool's channel still serves
// the others; /metrics serves Baton's Prometheus metrics.
func (m *Main) serveHTTP(addr string, st *store.Store, b runningBot, channels channelDetails, meters *metrics.Metrics, log zerolog.Logger) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", meters.Handler(func(err error) {
		log.Warn().Err(err).Msg("metrics scrape incomplete")
	}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		var problems []string
		if err := st.Ping(ctx); err != nil {
			problems = append(problems, "database unreachable")
		}
		if !b.Connected() {
			problems = append(problems, "socket mode not connected")
		}
		var details []string
		if channels != nil && len(problems) == 0 {
			// Read from the database, which just answered; a failure here
			// leaves the details out rather than the replica unready.
			details, _ = channels.Details(ctx)
		}
		if len(problems) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, strings.Join(problems, "; "))
			return
		}
		fmt.Fprintln(w, "ready")
		for _, d := range details {
			fmt.Fprintln(w, d)
		}
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("BATON_HTTP_ADDR %s: %w", addr, err)
	}
	bound := ln.Addr().String()
	m.addr.Store(&bound)
	close(m.listening)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error().Err(err).Msg("http server stopped")
		}
	}()
	log.Info().Str("addr", bound).Msg("http probes and metrics listening")
	return srv, nil
}
