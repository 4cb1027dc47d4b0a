// Package config reads baton.yaml into the routing policy and the settings of
// the process, strictly: an unknown key or a bad value stops start-up with a
// message that names the key, because a typo in a routing rule silently
// ignored is a lead sent to the wrong team.
package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/batonhq/baton/routing"
)

// Config is a loaded and validated configuration.
type Config struct {
	// Policy is what routing decides with: pools, clocks, digest.
	Policy routing.Policy
	// LocalPostgresDir is where the local PostgreSQL keeps its data when
	// DATABASE_URL is unset.
	LocalPostgresDir string
}

// file mirrors baton.yaml. Keys are the outside contract; see
// manifests/baton.example.yaml for each one explained.
type file struct {
	Timezone string `yaml:"timezone"`
	Pools    []pool `yaml:"pools"`
	SLA      sla    `yaml:"sla"`
	Digest   digest `yaml:"digest"`
	// Checklist is the default qualification checklist; nil means the
	// default template.
	Checklist     *checklistSpec `yaml:"checklist"`
	LocalPostgres struct {
		Dir string `yaml:"dir"`
	} `yaml:"local_postgres"`
}

type pool struct {
	Name     string   `yaml:"name"`
	Channel  string   `yaml:"channel"`
	Members  []string `yaml:"members"`
	Managers []string `yaml:"managers"`
	// Checklist is the pool's own checklist; nil means the default one.
	Checklist *checklistSpec `yaml:"checklist"`
}

// sla's fields are pointers so that a key set to 0s is told apart from a
// key left out: the first is an error, the second takes the default.
type sla struct {
	ClaimWindow *time.Duration `yaml:"claim_window"`
	FirstTouch  *time.Duration `yaml:"first_touch"`
	OutcomeDue  *time.Duration `yaml:"outcome_due"`
}

type digest struct {
	Channel  string `yaml:"channel"`
	Schedule string `yaml:"schedule"`
}

// DefaultDigestSchedule posts the stuck-leads digest at 09:00 on weekdays.
const DefaultDigestSchedule = "0 9 * * 1-5"

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
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return Config{}, fmt.Errorf("not valid YAML: %w", err)
	}
	var f file
	if err := decodeStrict(&doc, reflect.ValueOf(&f).Elem(), ""); err != nil {
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
		if err := checkUsers(at+".members", p.Members); err != nil {
			return cfg, err
		}
		if err := checkUsers(at+".managers", p.Managers); err != nil {
			return cfg, err
		}
		pool := routing.Pool{Name: p.Name, Channel: p.Channel, Members: p.Members, Managers: p.Managers}
		if p.Checklist != nil {
			if pool.Checklist, err = p.Checklist.build(at+".checklist", "custom:"+p.Name); err != nil {
				return cfg, err
			}
		}
		pools = append(pools, pool)
	}

	for _, c := range []struct {
		key string
		set *time.Duration
		dst *time.Duration
	}{{"sla.claim_window", f.SLA.ClaimWindow, &sla.ClaimWindow}, {"sla.first_touch", f.SLA.FirstTouch, &sla.FirstTouch}, {"sla.outcome_due", f.SLA.OutcomeDue, &sla.OutcomeDue}} {
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

	dg := routing.Digest{Channel: cmp.Or(f.Digest.Channel, pools[0].Channel), Schedule: cmp.Or(f.Digest.Schedule, DefaultDigestSchedule)}
	if !isChannelID(dg.Channel) {
		return cfg, fmt.Errorf("digest.channel: want a Slack channel ID such as C0123ABCD, got %q", dg.Channel)
	}
	if _, err := cron.ParseStandard(dg.Schedule); err != nil {
		return cfg, fmt.Errorf("digest.schedule: %q is not a cron schedule (e.g. \"0 9 * * 1-5\" or \"@every 1h\"): %v", dg.Schedule, err)
	}

	cfg.Policy = routing.Policy{Location: loc, Pools: pools, SLA: sla, Digest: dg, Checklist: checklist}
	return cfg, nil
}

// isChannelID accepts public (C), private (G) channel IDs: the places a
// handoff or digest can be posted for a team to see.
func isChannelID(s string) bool {
	return len(s) >= 2 && len(s) <= 32 && (s[0] == 'C' || s[0] == 'G') && isIDChars(s)
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
