package demo

import (
	"cmp"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/config"
)

// Config is the sandbox's built-in configuration: one pool of four
// closers and a manager posting in #hot-leads, the digest in
// #lead-digest. Its clocks are the ones a team would run with; the page's
// skip control moves time to each of them.
const Config = `# The sandbox's built-in configuration (baton demo).
timezone: UTC
pools:
  - name: closers
    channel: C0HOTLEADS
    members: [U0ALEX, U0JORDAN, U0MAYA, U0CHRIS]
    managers: [U0MORGAN]
sla:
  claim_window: 90s
  first_touch: 1h
  outcome_due: 24h
  manager_grace: 30m
  # Every few seconds, so that a skip past a clock shows at once.
  sweep_schedule: "@every 2s"
digest:
  channel: C0DIGEST
  schedule: "0 9 * * 1-5"
escalation:
  sweep_interval: 1s
`

// SalesChannel is where the reps type /handoff.
const SalesChannel = "C0SALES"

// Person is someone in the sandbox workspace.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Role is what they do in the demo: rep, closer or manager.
	Role string `json:"role"`
}

// Room is a channel of the sandbox workspace.
type Room struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Members are its people; the bot is in it too.
	Members []string `json:"members"`
}

// reps pass leads; they are in every workspace the sandbox builds.
var reps = []Person{
	{ID: "U0SAM", Name: "Sam Rivera", Role: "rep"},
	{ID: "U0PRIYA", Name: "Priya Patel", Role: "rep"},
	{ID: "U0LEO", Name: "Leo Park", Role: "rep"},
}

// names are the display names of the built-in configuration's people; a
// configuration of one's own shows its IDs.
var names = map[string]string{
	"U0ALEX": "Alex Chen", "U0JORDAN": "Jordan Blake", "U0MAYA": "Maya Singh",
	"U0CHRIS": "Chris Ortiz", "U0MORGAN": "Morgan Lee",
}

// roomNames are the built-in configuration's channel names.
var roomNames = map[string]string{"C0HOTLEADS": "hot-leads", "C0DIGEST": "lead-digest"}

// Workspace is the sandbox's people and channels, built from the
// configuration: the reps, every pool's members and managers, #sales, every
// pool's channel and the digest's.
type Workspace struct {
	People []Person `json:"people"`
	Rooms  []Room   `json:"channels"`
}

// newWorkspace builds the workspace cfg runs in. Members named by email or
// user group are left out: the sandbox has user IDs only.
func newWorkspace(cfg config.Config) Workspace {
	w := Workspace{People: slices.Clone(reps)}
	seen := map[string]bool{}
	for _, p := range w.People {
		seen[p.ID] = true
	}
	add := func(id, role string) {
		if seen[id] || !strings.HasPrefix(id, "U") {
			return
		}
		seen[id] = true
		w.People = append(w.People, Person{ID: id, Name: cmp.Or(names[id], id), Role: role})
	}
	everyone := func() []string {
		var ids []string
		for _, p := range w.People {
			ids = append(ids, p.ID)
		}
		return ids
	}
	for _, p := range cfg.Policy.Pools {
		for _, m := range p.Members {
			add(m, "closer")
		}
		for _, m := range p.Managers {
			add(m, "manager")
		}
	}
	w.Rooms = append(w.Rooms, Room{ID: SalesChannel, Name: "sales"})
	rooms := map[string]bool{SalesChannel: true}
	addRoom := func(id string) {
		if id == "" || rooms[id] {
			return
		}
		rooms[id] = true
		w.Rooms = append(w.Rooms, Room{ID: id, Name: cmp.Or(roomNames[id], strings.ToLower(id))})
	}
	for _, p := range cfg.Policy.Pools {
		addRoom(p.Channel)
	}
	addRoom(cfg.Policy.Digest.Channel)
	for i := range w.Rooms {
		w.Rooms[i].Members = everyone()
	}
	return w
}

// person is the person with id, and whether there is one.
func (w Workspace) person(id string) (Person, bool) {
	i := slices.IndexFunc(w.People, func(p Person) bool { return p.ID == id })
	if i < 0 {
		return Person{}, false
	}
	return w.People[i], true
}

// room reports whether id is one of the workspace's channels or a DM of
// the bot's with one of its people.
func (w Workspace) room(id string) bool {
	if strings.HasPrefix(id, "D") {
		_, ok := w.person(strings.TrimPrefix(id, "D"))
		return ok
	}
	return slices.ContainsFunc(w.Rooms, func(r Room) bool { return r.ID == id })
}

// populate declares the workspace in fake: its people, with names and a
// time zone, and its channels, the bot invited to each.
func (w Workspace) populate(fake *slackfake.Server) {
	for _, p := range w.People {
		u := slack.User{ID: p.ID, TeamID: slackfake.TeamID, Name: strings.ToLower(strings.ReplaceAll(p.Name, " ", ".")),
			RealName: p.Name, TZ: "UTC", TZLabel: "Coordinated Universal Time"}
		u.Profile.RealName, u.Profile.DisplayName = p.Name, p.Name
		u.Profile.Email = strings.ToLower(strings.ReplaceAll(p.Name, " ", ".")) + "@sandbox.example"
		fake.AddUser(u)
	}
	for _, r := range w.Rooms {
		fake.AddChannel(slackfake.Channel{ID: r.ID, Name: r.Name, BotMember: true, Members: r.Members})
	}
}
