package config_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/routing"
)

const signalsPool = "pools:\n  - {name: a, channel: C1, members: [U1]}\n"

func TestSignalsDefaultsAndOverrides(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse([]byte(signalsPool))
	require.NoError(t, err)
	require.Equal(t, routing.DefaultSignalThresholds, cfg.Policy.Reports.Signals)

	cfg, err = config.Parse([]byte(signalsPool + `reports:
  signals:
    joined_min: 0.8
    declined_max: 0
    templated_max: 1
    acceptance_max: 0.95
    sal_to_sql_min: 0.25
    reason_cluster_max: 0.6
    first_pass_min: 0.5
    multi_owner_max: 0.2
    unmanaged_reassign_max: 2
    unreviewed_weeks_max: 0
    min_sample: 10
`))
	require.NoError(t, err)
	require.Equal(t, routing.SignalThresholds{
		JoinedMin: 0.8, DeclinedMax: 0, TemplatedMax: 1, AcceptanceMax: 0.95, SALToSQLMin: 0.25, ReasonClusterMax: 0.6,
		FirstPassMin: 0.5, MultiOwnerMax: 0.2, UnmanagedMax: 2, UnreviewedWeeksMax: 0, MinSample: 10,
	}, cfg.Policy.Reports.Signals)

	cfg, err = config.Parse([]byte(signalsPool + "reports:\n  signals:\n    joined_min: 0.5\n"))
	require.NoError(t, err)
	want := routing.DefaultSignalThresholds
	want.JoinedMin = 0.5
	require.Equal(t, want, cfg.Policy.Reports.Signals, "a key left out keeps its default")
}

func TestSignalsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ yaml, want string }{
		{"joined_min: 70", "reports.signals.joined_min: a share between 0 and 1 (0.70 for 70 %), got 70"},
		{"declined_max: -0.1", "reports.signals.declined_max: a share between 0 and 1"},
		{"templated_max: 1.01", "reports.signals.templated_max: a share between 0 and 1"},
		{"acceptance_max: .nan", "reports.signals.acceptance_max: want a number"},
		{"acceptance_max: 70%", "reports.signals.acceptance_max: want a number"},
		{"sal_to_sql_min: 2", "reports.signals.sal_to_sql_min"},
		{"reason_cluster_max: 50", "reports.signals.reason_cluster_max"},
		{"first_pass_min: -1", "reports.signals.first_pass_min"},
		{"multi_owner_max: 10", "reports.signals.multi_owner_max"},
		{"unmanaged_reassign_max: -1", "reports.signals.unmanaged_reassign_max: a whole number of at least 0, got -1"},
		{"unreviewed_weeks_max: -2", "reports.signals.unreviewed_weeks_max"},
		{"min_sample: 0", "reports.signals.min_sample: a whole number of at least 1, got 0"},
		{"joined: 0.7", "reports.signals.joined: unknown key"},
	} {
		_, err := config.Parse([]byte(signalsPool + "reports:\n  signals:\n    " + tc.yaml + "\n"))
		require.ErrorContains(t, err, tc.want, tc.yaml)
	}
}
