// Package config reads baton.yaml into the routing policy and the settings of
// the process, strictly: an unknown key or a bad value stops start-up with a
// message that names the key, because a typo in a routing rule silently
// ignored is a lead sent to the wrong team.
package config

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/batonhq/baton/bot/directory"
	"github.com/batonhq/baton/bot/outbox"
	"github.com/batonhq/baton/routing"
)

// Config is a loaded and validated configuration.
type Config struct {
	// Policy is what routing decides with: pools, clocks, digest.
	Policy routing.Policy
	// LocalPostgresDir is where the local PostgreSQL keeps its data when
	// DATABASE_URL is unset.
	LocalPostgresDir string
	// SweepInterval bounds how late an escalation step fires when this
	// process did not set its deadline (after a restart, another replica's).
	SweepInterval time.Duration
	// Presence makes Slack presence and Do Not Disturb count as away when a
	// lead is offered.
	Presence bool
	// MembersRefresh is how often user groups named in pools are read again.
	MembersRefresh time.Duration
	// SLASweep is the SLA sweep's cron schedule.
	SLASweep string
	// ChannelPace is how fast the outbox posts into one channel or DM.
	ChannelPace outbox.ChannelPace
	// OutboxRetention is how long a delivered or abandoned notice stays
	// in the outbox before the retention job deletes it.
	OutboxRetention time.Duration
	// Webhooks are the endpoints events are sent to (see webhooks.go).
	Webhooks []Webhook
}

// NeedsDirectory reports whether some pool names members by email or user
// group, which must be resolved to user IDs through Slack before use.
func (c Config) NeedsDirectory() bool {
	for _, p := range c.Policy.Pools {
		for _, m := range p.Members {
			if e, err := directory.ParseEntry(m); err == nil && e.Kind != directory.User {
				return true
			}
		}
	}
	return false
}

// HasHours reports whether some pool, or some member of one, has working
// hours: only then do time zones decide anything.
func (c Config) HasHours() bool {
	for _, p := range c.Policy.Pools {
		if len(p.Hours) > 0 {
			return true
		}
		for _, s := range p.Settings {
			if len(s.Hours) > 0 {
				return true
			}
		}
	}
	return false
}

// DefaultMembersRefresh is how often user groups are read again.
const DefaultMembersRefresh = directory.DefaultRefresh

// file mirrors baton.yaml. Keys are the outside contract; see
// manifests/baton.example.yaml for each one explained.
type file struct {
	Timezone string `yaml:"timezone"`
	Pools    []pool `yaml:"pools"`
	SLA      sla    `yaml:"sla"`
	Digest   digest `yaml:"digest"`
	Reports  struct {
		WeeklySchedule string      `yaml:"weekly_schedule"`
		Signals        signalsFile `yaml:"signals"`
	} `yaml:"reports"`
	// Checklist is the default qualification checklist; nil means the
	// default template.
	Checklist *checklistSpec `yaml:"checklist"`
	// Rules pick a lead's pool from its checklist answers.
	Rules []rule `yaml:"rules"`
	// Presence turns on Slack presence and DND as availability.
	Presence       bool           `yaml:"presence"`
	MembersRefresh *time.Duration `yaml:"members_refresh"`
	Escalation     struct {
		SweepInterval *time.Duration `yaml:"sweep_interval"`
		Ladder        []ladderStep   `yaml:"ladder"`
	} `yaml:"escalation"`
	LocalPostgres struct {
		Dir string `yaml:"dir"`
	} `yaml:"local_postgres"`
	ChannelPace struct {
		Burst    *int           `yaml:"burst"`
		Interval *time.Duration `yaml:"interval"`
	} `yaml:"channel_pace"`
	Outbox struct {
		Retention *time.Duration `yaml:"retention"`
	} `yaml:"outbox"`
	// Calendar fills in the calendar links of scheduled calls.
	Calendar calendarSpec `yaml:"calendar"`
	Webhooks []webhook    `yaml:"webhooks"`
}

type pool struct {
	Name     string   `yaml:"name"`
	Channel  string   `yaml:"channel"`
	Members  []string `yaml:"members"`
	Managers []string `yaml:"managers"`
	// Checklist is the pool's own checklist; nil means the default one.
	Checklist *checklistSpec `yaml:"checklist"`
	// Fallback names the pool the ladder's fallback action offers the
	// lead to; Ladder replaces escalation.ladder for this pool.
	Fallback string       `yaml:"fallback"`
	Ladder   []ladderStep `yaml:"ladder"`

	// The rotation: see routing.Rotation.
	Mode           string          `yaml:"mode"`
	PriorityWindow time.Duration   `yaml:"priority_window"`
	Reset          string          `yaml:"reset"`
	LapseLimit     int             `yaml:"lapse_limit"`
	Timezone       string          `yaml:"timezone"`
	Hours          []string        `yaml:"hours"`
	DailyCap       int             `yaml:"daily_cap"`
	OpenCap        int             `yaml:"open_cap"`
	MemberSettings []memberSetting `yaml:"member_settings"`
	// HideDetailsUntilClaimed keeps the contact details of the pool's
	// leads to their owner: see routing.Lead.WithoutDetails.
	HideDetailsUntilClaimed bool `yaml:"hide_details_until_claimed"`
}

// memberSetting is one member's terms in a pool, where they differ from
// the pool's.
type memberSetting struct {
	Member   string   `yaml:"member"`
	Weight   float64  `yaml:"weight"`
	DailyCap *int     `yaml:"daily_cap"`
	OpenCap  *int     `yaml:"open_cap"`
	Timezone string   `yaml:"timezone"`
	Hours    []string `yaml:"hours"`
}

// rotation builds a pool's rotation; at prefixes the keys in errors.
func (p pool) rotation(at string) (routing.Rotation, error) {
	r := routing.Rotation{
		Mode: routing.Mode(p.Mode), PriorityWindow: p.PriorityWindow, Reset: routing.ResetPeriod(p.Reset), LapseLimit: p.LapseLimit,
		Settings: map[string]routing.MemberSettings{},
	}
	var err error
	if r.Location, err = zone(at+".timezone", p.Timezone); err != nil {
		return r, err
	}
	if r.Hours, err = hours(at+".hours", p.Hours); err != nil {
		return r, err
	}
	if p.DailyCap < 0 || p.OpenCap < 0 {
		return r, fmt.Errorf("%s: daily_cap and open_cap must not be negative", at)
	}
	// The pool's caps are every member's unless a member has their own.
	for _, m := range p.Members {
		r.Settings[m] = routing.MemberSettings{DailyCap: p.DailyCap, OpenCap: p.OpenCap}
	}
	for i, ms := range p.MemberSettings {
		key := fmt.Sprintf("%s.member_settings[%d]", at, i)
		if !slices.Contains(p.Members, ms.Member) {
			return r, fmt.Errorf("%s.member: %q is not one of the pool's members", key, ms.Member)
		}
		if e, _ := directory.ParseEntry(ms.Member); e.Kind == directory.Group {
			return r, fmt.Errorf("%s.member: settings are per person: name a user ID or an email, not the group %s", key, ms.Member)
		}
		s := r.Settings[ms.Member]
		s.Weight = ms.Weight
		if ms.DailyCap != nil {
			s.DailyCap = *ms.DailyCap
		}
		if ms.OpenCap != nil {
			s.OpenCap = *ms.OpenCap
		}
		if s.Location, err = zone(key+".timezone", ms.Timezone); err != nil {
			return r, err
		}
		if s.Hours, err = hours(key+".hours", ms.Hours); err != nil {
			return r, err
		}
		r.Settings[ms.Member] = s
	}
	if err := r.Validate(); err != nil {
		return r, fmt.Errorf("%s.%w", at, err)
	}
	return r, nil
}

func zone(key, name string) (*time.Location, error) {
	if name == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %q is not an IANA time zone such as UTC or America/New_York", key, name)
	}
	return loc, nil
}

func hours(key string, ranges []string) (routing.WorkingHours, error) {
	var out routing.WorkingHours
	for i, h := range ranges {
		r, err := routing.ParseHoursRange(h)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

type ladderStep struct {
	At     *time.Duration `yaml:"at"`
	Do     []string       `yaml:"do"`
	Repeat int            `yaml:"repeat"`
	Every  time.Duration  `yaml:"every"`
}

// DefaultOutboxRetention keeps delivered and abandoned notices 30 days:
// long enough to look into what a person was or was not told last month.
const DefaultOutboxRetention = 30 * 24 * time.Hour

// DefaultSweepInterval is how often the escalation sweeper looks for steps
// this process did not schedule itself.
const DefaultSweepInterval = 5 * time.Second

// ladder converts a configured ladder, validating it; key prefixes errors.
// An empty list is nil: the default (or the pool's inherited) ladder.
func ladder(key string, steps []ladderStep) (routing.Ladder, error) {
	if steps == nil {
		return nil, nil
	}
	out := make(routing.Ladder, len(steps))
	for i, st := range steps {
		if st.At == nil {
			return nil, fmt.Errorf("%s[%d].at: required (the delay after the claim window closes, e.g. 0s or 60s)", key, i)
		}
		out[i] = routing.LadderStep{At: *st.At, Repeat: st.Repeat, Every: st.Every}
		for _, a := range st.Do {
			out[i].Do = append(out[i].Do, routing.EscalationAction(a))
		}
	}
	if err := out.Validate(); err != nil {
		var le *routing.LadderError
		if errors.As(err, &le) && le.Key == "" {
			return nil, fmt.Errorf("%s: %s", key, le.Msg)
		}
		return nil, fmt.Errorf("%s%w", key, err)
	}
	return out, nil
}

// sla's fields are pointers so that a key set to 0s is told apart from a
// key left out: the first is an error, the second takes the default.
type sla struct {
	ClaimWindow     *time.Duration `yaml:"claim_window"`
	PostDelayNotice *time.Duration `yaml:"post_delay_notice"`
	PostGrace       *time.Duration `yaml:"post_grace"`
	FirstTouch      *time.Duration `yaml:"first_touch"`
	OutcomeDue      *time.Duration `yaml:"outcome_due"`
	Reengage        *time.Duration `yaml:"reengage"`
	ManagerGrace    *time.Duration `yaml:"manager_grace"`
	OwnershipFreeze *time.Duration `yaml:"ownership_freeze"`
	BusinessHours   bool           `yaml:"business_hours"`
	SweepSchedule   string         `yaml:"sweep_schedule"`
}

type digest struct {
	Channel    string         `yaml:"channel"`
	Schedule   string         `yaml:"schedule"`
	PerSection int            `yaml:"per_section"`
	CatchUp    *time.Duration `yaml:"catch_up"`
}

// DefaultSLASweep looks at the SLA clocks every minute.
const DefaultSLASweep = "@every 1m"

// DefaultDigestCatchUp is how late a digest missed while Baton was down is
// still posted on start: a morning's digest, not yesterday's.
const DefaultDigestCatchUp = 6 * time.Hour

// DefaultDigestSchedule posts the stuck-leads digest at 09:00 on weekdays.
const DefaultDigestSchedule = "0 9 * * 1-5"

// DefaultWeeklySchedule posts the weekly review at 09:00 on Mondays.
const DefaultWeeklySchedule = "0 9 * * 1"

// DefaultLocalPostgresDir is where the local PostgreSQL lives by default,
// relative to the working directory.
const DefaultLocalPostgresDir = ".baton/postgres"

// Load reads and validates the configuration file at path.
func Load(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Config{}, fmt.Errorf("config %s: no such file (set BATON_CONFIG, or copy manifests/baton.example.yaml)", path)
		}
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	cfg, err := Parse(data)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse validates a configuration held in memory.
func Parse(data []byte) (Config, error) {
	doc, err := parseYAML(data)
	if err != nil {
		return Config{}, err
	}
	var f file
	if err := decodeStrict(doc, reflect.ValueOf(&f).Elem(), ""); err != nil {
		return Config{}, err
	}
	return f.validate()
}

func (f file) validate() (Config, error) {
	sla := routing.DefaultSLA()
	cfg := Config{LocalPostgresDir: cmp.Or(f.LocalPostgres.Dir, DefaultLocalPostgresDir)}

	loc, err := time.LoadLocation(cmp.Or(f.Timezone, "UTC"))
	if err != nil {
		return cfg, fmt.Errorf("timezone: %q is not an IANA time zone such as UTC or America/New_York", f.Timezone)
	}

	checklist, _ := routing.Template(routing.DefaultTemplate)
	if f.Checklist != nil {
		if checklist, err = f.Checklist.build("checklist", "custom"); err != nil {
			return cfg, err
		}
	}

	if len(f.Pools) == 0 {
		return cfg, errors.New("pools: at least one pool is required")
	}
	defaultLadder, err := ladder("escalation.ladder", f.Escalation.Ladder)
	if err != nil {
		return cfg, err
	}
	if defaultLadder == nil {
		defaultLadder = routing.DefaultLadder()
	}
	cfg.Presence = f.Presence
	cfg.MembersRefresh = DefaultMembersRefresh
	if mr := f.MembersRefresh; mr != nil {
		if *mr < time.Minute {
			return cfg, fmt.Errorf("members_refresh: at least 1m (Slack rate-limits usergroups.*), got %s", *mr)
		}
		cfg.MembersRefresh = *mr
	}
	cfg.ChannelPace = outbox.DefaultChannelPace
	if b := f.ChannelPace.Burst; b != nil {
		if *b < 0 || *b > 1000 {
			return cfg, fmt.Errorf("channel_pace.burst: from 0 (no pace) to 1000, got %d", *b)
		}
		cfg.ChannelPace.Burst = *b
	}
	if iv := f.ChannelPace.Interval; iv != nil {
		if *iv < 10*time.Millisecond || *iv > time.Minute {
			return cfg, fmt.Errorf("channel_pace.interval: between 10ms and 1m, got %s", *iv)
		}
		cfg.ChannelPace.Interval = *iv
	}
	cfg.OutboxRetention = DefaultOutboxRetention
	if r := f.Outbox.Retention; r != nil {
		if *r < time.Hour {
			return cfg, fmt.Errorf("outbox.retention: at least 1h, got %s", *r)
		}
		cfg.OutboxRetention = *r
	}
	cfg.SweepInterval = DefaultSweepInterval
	if si := f.Escalation.SweepInterval; si != nil {
		if *si < 100*time.Millisecond || *si > 10*time.Minute {
			return cfg, fmt.Errorf("escalation.sweep_interval: between 100ms and 10m, got %s", *si)
		}
		cfg.SweepInterval = *si
	}

	names := map[string]bool{}
	var pools []routing.Pool
	for i, p := range f.Pools {
		at := fmt.Sprintf("pools[%d]", i)
		switch {
		case strings.TrimSpace(p.Name) == "":
			return cfg, fmt.Errorf("%s.name: required", at)
		case names[p.Name]:
			return cfg, fmt.Errorf("%s.name: %q is used by another pool", at, p.Name)
		case !isChannelID(p.Channel):
			return cfg, fmt.Errorf("%s.channel: want a Slack channel ID such as C0123ABCD, got %q", at, p.Channel)
		case len(p.Members) == 0:
			return cfg, fmt.Errorf("%s.members: at least one member is required", at)
		}
		names[p.Name] = true
		if err := checkMembers(at+".members", p.Members); err != nil {
			return cfg, err
		}
		if err := checkUsers(at+".managers", p.Managers); err != nil {
			return cfg, err
		}
		poolLadder, err := ladder(at+".ladder", p.Ladder)
		if err != nil {
			return cfg, err
		}
		if poolLadder == nil {
			poolLadder = defaultLadder
		}
		rotation, err := p.rotation(at)
		if err != nil {
			return cfg, err
		}
		rotation.PoolZone = rotation.Location != nil
		if rotation.Location == nil {
			// Hours and "today" are read in the top-level timezone when
			// neither the pool, the member nor their Slack profile names one.
			rotation.Location = loc
		}
		pool := routing.Pool{Name: p.Name, Channel: p.Channel, Members: p.Members, Managers: p.Managers,
			Ladder: poolLadder, Fallback: p.Fallback, Rotation: rotation, HideDetails: p.HideDetailsUntilClaimed}
		if p.Checklist != nil {
			if pool.Checklist, err = p.Checklist.build(at+".checklist", "custom:"+p.Name); err != nil {
				return cfg, err
			}
		}
		pools = append(pools, pool)
	}
	for i, p := range pools {
		switch {
		case p.Fallback == "":
		case p.Fallback == p.Name:
			return cfg, fmt.Errorf("pools[%d].fallback: a pool cannot fall back to itself", i)
		case !names[p.Fallback]:
			return cfg, fmt.Errorf("pools[%d].fallback: no pool is named %q", i, p.Fallback)
		}
	}

	for _, c := range []struct {
		key string
		set *time.Duration
		dst *time.Duration
	}{
		{"sla.claim_window", f.SLA.ClaimWindow, &sla.ClaimWindow}, {"sla.first_touch", f.SLA.FirstTouch, &sla.FirstTouch},
		{"sla.post_delay_notice", f.SLA.PostDelayNotice, &sla.PostDelayNotice}, {"sla.post_grace", f.SLA.PostGrace, &sla.PostGrace},
		{"sla.outcome_due", f.SLA.OutcomeDue, &sla.OutcomeDue}, {"sla.reengage", f.SLA.Reengage, &sla.Reengage},
		{"sla.manager_grace", f.SLA.ManagerGrace, &sla.ManagerGrace}, {"sla.ownership_freeze", f.SLA.OwnershipFreeze, &sla.OwnershipFreeze},
	} {
		if c.set == nil {
			continue // the default
		}
		if *c.set <= 0 {
			return cfg, fmt.Errorf("%s: must be positive, got %s", c.key, *c.set)
		}
		*c.dst = *c.set
	}
	if sla.ClaimWindow < time.Second {
		return cfg, fmt.Errorf("sla.claim_window: at least 1s, got %s", sla.ClaimWindow)
	}
	if sla.PostDelayNotice >= sla.PostGrace {
		// The passer would never hear of a queued post before its window
		// started without it.
		return cfg, fmt.Errorf("sla.post_delay_notice: must be shorter than sla.post_grace (%s), got %s", sla.PostGrace, sla.PostDelayNotice)
	}

	sla.BusinessHours, sla.Location = f.SLA.BusinessHours, loc
	cfg.SLASweep = cmp.Or(f.SLA.SweepSchedule, DefaultSLASweep)
	if _, err := cron.ParseStandard(cfg.SLASweep); err != nil {
		return cfg, fmt.Errorf("sla.sweep_schedule: %q is not a cron schedule (e.g. \"@every 1m\"): %v", cfg.SLASweep, err)
	}

	dg := routing.Digest{
		Channel: cmp.Or(f.Digest.Channel, pools[0].Channel), Schedule: cmp.Or(f.Digest.Schedule, DefaultDigestSchedule),
		PerSection: cmp.Or(f.Digest.PerSection, routing.DefaultDigestPerSection), CatchUp: DefaultDigestCatchUp,
	}
	if !isChannelID(dg.Channel) {
		return cfg, fmt.Errorf("digest.channel: want a Slack channel ID such as C0123ABCD, got %q", dg.Channel)
	}
	if _, err := cron.ParseStandard(dg.Schedule); err != nil {
		return cfg, fmt.Errorf("digest.schedule: %q is not a cron schedule (e.g. \"0 9 * * 1-5\" or \"@every 1h\"): %v", dg.Schedule, err)
	}
	if dg.PerSection < 1 || dg.PerSection > routing.MaxDigestPerSection {
		return cfg, fmt.Errorf("digest.per_section: between 1 and %d (the digest must fit in one Slack message), got %d", routing.MaxDigestPerSection, dg.PerSection)
	}
	if c := f.Digest.CatchUp; c != nil {
		if *c < 0 {
			return cfg, fmt.Errorf("digest.catch_up: must not be negative (0s turns catching up off), got %s", *c)
		}
		dg.CatchUp = *c
	}

	reports := routing.Reports{WeeklySchedule: cmp.Or(f.Reports.WeeklySchedule, DefaultWeeklySchedule)}
	if _, err := cron.ParseStandard(reports.WeeklySchedule); err != nil {
		return cfg, fmt.Errorf("reports.weekly_schedule: %q is not a cron schedule (e.g. \"0 9 * * 1\" or \"@every 168h\"): %v", reports.WeeklySchedule, err)
	}
	if reports.Signals, err = signalThresholds(f.Reports.Signals); err != nil {
		return cfg, err
	}

	calendar, err := f.Calendar.build()
	if err != nil {
		return cfg, err
	}

	cfg.Policy = routing.Policy{Location: loc, Pools: pools, SLA: sla, Digest: dg, Reports: reports, Checklist: checklist, CalendarLinks: calendar}
	if cfg.Policy.Rules, err = rules(f.Rules, cfg.Policy); err != nil {
		return cfg, err
	}
	if err := checkFormSizes(f, cfg.Policy); err != nil {
		return cfg, err
	}
	if cfg.Webhooks, err = webhooks(f.Webhooks); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// isChannelID accepts public (C), private (G) channel IDs: the places a
// handoff or digest can be posted for a team to see.
func isChannelID(s string) bool {
	return len(s) >= 2 && len(s) <= 32 && (s[0] == 'C' || s[0] == 'G') && isIDChars(s)
}

// checkMembers accepts user IDs, emails and @user-group handles: the forms
// Baton resolves to user IDs through Slack.
func checkMembers(key string, entries []string) error {
	seen := map[string]bool{}
	for i, m := range entries {
		e, err := directory.ParseEntry(m)
		if err != nil {
			return fmt.Errorf("%s[%d]: %w", key, i, err)
		}
		if seen[e.String()] {
			return fmt.Errorf("%s[%d]: %s is listed twice", key, i, m)
		}
		seen[e.String()] = true
	}
	return nil
}

func checkUsers(key string, ids []string) error {
	seen := map[string]bool{}
	for i, id := range ids {
		if len(id) < 2 || len(id) > 32 || (id[0] != 'U' && id[0] != 'W') || !isIDChars(id) {
			return fmt.Errorf("%s[%d]: want a Slack user ID such as U0123ABCD, got %q", key, i, id)
		}
		if seen[id] {
			return fmt.Errorf("%s[%d]: %s is listed twice", key, i, id)
		}
		seen[id] = true
	}
	return nil
}

func isIDChars(s string) bool {
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}
