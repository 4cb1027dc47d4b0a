package config

import (
	"fmt"

	"github.com/batonhq/baton/routing"
)

// signalsFile is reports.signals: the early-warning thresholds of the
// weekly review and a manager's stats. A key left out keeps its default
// (routing.DefaultSignalThresholds).
type signalsFile struct {
	JoinedMin          *float64 `yaml:"joined_min"`
	DeclinedMax        *float64 `yaml:"declined_max"`
	TemplatedMax       *float64 `yaml:"templated_max"`
	AcceptanceMax      *float64 `yaml:"acceptance_max"`
	SALToSQLMin        *float64 `yaml:"sal_to_sql_min"`
	ReasonClusterMax   *float64 `yaml:"reason_cluster_max"`
	FirstPassMin       *float64 `yaml:"first_pass_min"`
	MultiOwnerMax      *float64 `yaml:"multi_owner_max"`
	UnmanagedMax       *int     `yaml:"unmanaged_reassign_max"`
	UnreviewedWeeksMax *int     `yaml:"unreviewed_weeks_max"`
	MinSample          *int     `yaml:"min_sample"`
}

// signalThresholds checks reports.signals over the defaults: a share is a
// fraction between 0 and 1 (0.70, not 70), a count is not negative.
func signalThresholds(f signalsFile) (routing.SignalThresholds, error) {
	t := routing.DefaultSignalThresholds
	shares := []struct {
		key string
		in  *float64
		out *float64
	}{
		{"joined_min", f.JoinedMin, &t.JoinedMin},
		{"declined_max", f.DeclinedMax, &t.DeclinedMax},
		{"templated_max", f.TemplatedMax, &t.TemplatedMax},
		{"acceptance_max", f.AcceptanceMax, &t.AcceptanceMax},
		{"sal_to_sql_min", f.SALToSQLMin, &t.SALToSQLMin},
		{"reason_cluster_max", f.ReasonClusterMax, &t.ReasonClusterMax},
		{"first_pass_min", f.FirstPassMin, &t.FirstPassMin},
		{"multi_owner_max", f.MultiOwnerMax, &t.MultiOwnerMax},
	}
	for _, s := range shares {
		if s.in == nil {
			continue
		}
		// NaN fails both comparisons' negation, so it is refused too.
		if !(*s.in >= 0 && *s.in <= 1) {
			return t, fmt.Errorf("reports.signals.%s: a share between 0 and 1 (0.70 for 70 %%), got %v", s.key, *s.in)
		}
		*s.out = *s.in
	}
	counts := []struct {
		key string
		in  *int
		out *int
		min int
	}{
		{"unmanaged_reassign_max", f.UnmanagedMax, &t.UnmanagedMax, 0},
		{"unreviewed_weeks_max", f.UnreviewedWeeksMax, &t.UnreviewedWeeksMax, 0},
		{"min_sample", f.MinSample, &t.MinSample, 1},
	}
	for _, c := range counts {
		if c.in == nil {
			continue
		}
		if *c.in < c.min {
			return t, fmt.Errorf("reports.signals.%s: a whole number of at least %d, got %d", c.key, c.min, *c.in)
		}
		*c.out = *c.in
	}
	return t, nil
}
