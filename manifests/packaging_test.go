// The packaging files (the top-level Dockerfile, docker-compose.yaml,
// kubernetes/, systemd/) cannot be run here: no image can be pulled. This
// test checks that they agree with the binary instead: every environment
// variable they set is one Baton reads, the ports agree, the probe paths
// are ones `baton run` serves (it runs Baton and asks them), the
// configuration they ship passes check-config, the migration step is
// `baton migrate` and works from DATABASE_URL_FILE, and the Slack app
// manifest grants the scopes Baton needs.
package manifests_test

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/batonhq/baton/bot/slackfake"
	"github.com/batonhq/baton/cmd/baton/batontest"
	"github.com/batonhq/baton/cmd/baton/config"
	"github.com/batonhq/baton/cmd/baton/doctor"
	"github.com/batonhq/baton/cmd/baton/launcher"
	"github.com/batonhq/baton/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(batontest.Main(m)) }

// The port and paths every packaging file must agree on.
const (
	port       = "8080"
	configPath = "/etc/baton/baton.yaml"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func decode(t *testing.T, path string, v any) {
	t.Helper()
	require.NoError(t, yaml.Unmarshal([]byte(read(t, path)), v), path)
}

// container is the part of a Kubernetes container this test reads.
type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Env   []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	Ports []struct {
		ContainerPort int `yaml:"containerPort"`
	} `yaml:"ports"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	StartupProbe   *probe `yaml:"startupProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port int    `yaml:"port"`
	} `yaml:"httpGet"`
}

func (c container) env() map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		out[e.Name] = e.Value
	}
	return out
}

func (c container) mount(name string) string {
	for _, m := range c.VolumeMounts {
		if m.Name == name {
			return m.MountPath
		}
	}
	return ""
}

type deployment struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Spec struct {
		Replicas int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Spec struct {
				TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
				InitContainers                []container `yaml:"initContainers"`
				Containers                    []container `yaml:"containers"`
				Volumes                       []struct {
					Name   string `yaml:"name"`
					Secret *struct {
						SecretName string `yaml:"secretName"`
					} `yaml:"secret"`
					ConfigMap *struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// known are the variables the binary reads.
func known() map[string]bool {
	out := map[string]bool{}
	for _, n := range launcher.EnvNames() {
		out[n] = true
	}
	return out
}

// checkEnv fails for a variable Baton does not read, and checks
// BATON_HTTP_ADDR's port and BATON_CONFIG's path.
func checkEnv(t *testing.T, where string, env map[string]string) {
	t.Helper()
	names := known()
	for name, value := range env {
		require.True(t, names[name], "%s sets %s, which baton does not read (it reads %v)", where, name, launcher.EnvNames())
		switch name {
		case "BATON_HTTP_ADDR":
			_, p, err := net.SplitHostPort(value)
			require.NoError(t, err, where)
			require.Equal(t, port, p, "%s: BATON_HTTP_ADDR's port", where)
		case "BATON_CONFIG":
			require.Equal(t, configPath, value, "%s: BATON_CONFIG", where)
		case "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN":
			t.Errorf("%s puts %s in the environment: use %s_FILE", where, name, name)
		}
	}
}

// isCommand says baton has the subcommand: its --help works.
func isCommand(t *testing.T, name string) {
	t.Helper()
	_, err := batontest.RunCommand(t, nil, name, "--help")
	require.NoError(t, err, "baton %s", name)
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	df := read(t, "../Dockerfile")
	froms := regexp.MustCompile(`(?m)^FROM (\S+)`).FindAllStringSubmatch(df, -1)
	require.Len(t, froms, 2, "multi-stage: a build stage and the runtime")
	require.Equal(t, "gcr.io/distroless/static-debian12:nonroot", froms[1][1])
	require.Regexp(t, `(?m)^RUN CGO_ENABLED=0 go build .* ./cmd/baton$`, df, "a static binary")
	require.Regexp(t, `(?m)^USER nonroot`, df)
	require.Regexp(t, `(?m)^EXPOSE `+port+`$`, df)
	require.Regexp(t, `(?m)^ENTRYPOINT \["/baton"\]$`, df)
	require.Regexp(t, `(?m)^CMD \["run"\]$`, df)
	isCommand(t, "run")
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`([A-Z_]+)=(\S+)`).FindAllStringSubmatch(regexp.MustCompile(`(?ms)^ENV .*?[^\\]$`).FindString(df), -1) {
		env[m[1]] = m[2]
	}
	require.NotEmpty(t, env)
	checkEnv(t, "Dockerfile", env)
}

func TestKubernetes(t *testing.T) {
	t.Parallel()
	var kust struct {
		Resources          []string `yaml:"resources"`
		ConfigMapGenerator []struct {
			Name  string   `yaml:"name"`
			Files []string `yaml:"files"`
		} `yaml:"configMapGenerator"`
	}
	decode(t, "kubernetes/kustomization.yaml", &kust)
	require.ElementsMatch(t, []string{"deployment.yaml", "poddisruptionbudget.yaml"}, kust.Resources)
	require.Len(t, kust.ConfigMapGenerator, 1)
	cm := kust.ConfigMapGenerator[0]
	require.Equal(t, []string{filepath.Base(configPath)}, cm.Files, "the ConfigMap's key is BATON_CONFIG's file name")

	var d deployment
	decode(t, "kubernetes/deployment.yaml", &d)
	require.Equal(t, "Deployment", d.Kind)
	require.Equal(t, 2, d.Spec.Replicas)
	spec := d.Spec.Template.Spec
	require.Greater(t, spec.TerminationGracePeriodSeconds, int(launcher.DefaultShutdownTimeout.Seconds()))
	volumes := map[string]string{}
	for _, v := range spec.Volumes {
		switch {
		case v.Secret != nil:
			volumes[v.Name] = "secret"
		case v.ConfigMap != nil:
			require.Equal(t, cm.Name, v.ConfigMap.Name)
			volumes[v.Name] = "configMap"
		}
	}

	require.Len(t, spec.Containers, 1)
	c := spec.Containers[0]
	isCommand(t, c.Args[0])
	require.Equal(t, []string{"run"}, c.Args)
	env := c.env()
	checkEnv(t, "deployment.yaml", env)
	// Tokens and the database URL come from the secret, as files.
	secretDir := c.mount("secrets")
	require.Equal(t, "secret", volumes["secrets"])
	for _, name := range []string{"SLACK_BOT_TOKEN_FILE", "SLACK_APP_TOKEN_FILE", "DATABASE_URL_FILE"} {
		require.Equal(t, secretDir, filepath.Dir(env[name]), "%s is in the mounted secret", name)
	}
	require.Equal(t, "configMap", volumes["config"])
	require.Equal(t, filepath.Dir(configPath), c.mount("config"), "BATON_CONFIG is in the mounted ConfigMap")

	require.Len(t, c.Ports, 1)
	require.Equal(t, port, itoa(c.Ports[0].ContainerPort))
	require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	require.Equal(t, "/healthz", c.StartupProbe.HTTPGet.Path)
	for _, p := range []*probe{c.LivenessProbe, c.ReadinessProbe, c.StartupProbe} {
		require.Equal(t, port, itoa(p.HTTPGet.Port))
	}
	// docs/performance.md: 14.9 MB idle, 41.6 MB at the heaviest load's peak.
	require.Equal(t, "64Mi", c.Resources.Requests["memory"])
	require.Equal(t, "128Mi", c.Resources.Limits["memory"])

	// The migration step runs before the bot, with the same database and
	// configuration.
	require.Len(t, spec.InitContainers, 1)
	mig := spec.InitContainers[0]
	require.Equal(t, c.Image, mig.Image)
	require.Equal(t, []string{"migrate"}, mig.Args)
	isCommand(t, "migrate")
	checkEnv(t, "deployment.yaml (migrate)", mig.env())
	require.Equal(t, env["DATABASE_URL_FILE"], mig.env()["DATABASE_URL_FILE"])
	require.Equal(t, env["BATON_CONFIG"], mig.env()["BATON_CONFIG"])
	require.Equal(t, c.mount("secrets"), mig.mount("secrets"))
	require.Equal(t, c.mount("config"), mig.mount("config"))

	var pdb struct {
		Kind string `yaml:"kind"`
		Spec struct {
			MinAvailable int `yaml:"minAvailable"`
			Selector     struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
		} `yaml:"spec"`
	}
	decode(t, "kubernetes/poddisruptionbudget.yaml", &pdb)
	require.Equal(t, "PodDisruptionBudget", pdb.Kind)
	require.Equal(t, 1, pdb.Spec.MinAvailable)
	require.Equal(t, d.Spec.Selector.MatchLabels, pdb.Spec.Selector.MatchLabels)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestShippedConfigs: the configuration the Kubernetes ConfigMap carries
// passes check-config, and so does the example.
func TestShippedConfigs(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"kubernetes/baton.yaml", "baton.example.yaml"} {
		out, err := batontest.RunCommand(t, nil, "check-config", path)
		require.NoError(t, err, path)
		require.Contains(t, out, path+" is valid")
	}
}

func TestCompose(t *testing.T) {
	t.Parallel()
	var compose struct {
		Services map[string]struct {
			Build       string            `yaml:"build"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Secrets     []string          `yaml:"secrets"`
			Ports       []string          `yaml:"ports"`
			Volumes     []string          `yaml:"volumes"`
			DependsOn   map[string]struct {
				Condition string `yaml:"condition"`
			} `yaml:"depends_on"`
		} `yaml:"services"`
		Secrets map[string]any `yaml:"secrets"`
	}
	decode(t, "docker-compose.yaml", &compose)
	require.Contains(t, compose.Services, "postgres")
	baton, mig := compose.Services["baton"], compose.Services["migrate"]
	require.Equal(t, []string{"run"}, baton.Command)
	require.Equal(t, []string{"migrate"}, mig.Command)
	require.Equal(t, "service_completed_successfully", baton.DependsOn["migrate"].Condition)
	require.Equal(t, "service_healthy", mig.DependsOn["postgres"].Condition)
	checkEnv(t, "docker-compose.yaml (baton)", baton.Environment)
	checkEnv(t, "docker-compose.yaml (migrate)", mig.Environment)
	require.Equal(t, baton.Environment["DATABASE_URL"], mig.Environment["DATABASE_URL"])
	for _, s := range baton.Secrets {
		require.Contains(t, compose.Secrets, s)
	}
	for _, name := range []string{"SLACK_BOT_TOKEN_FILE", "SLACK_APP_TOKEN_FILE"} {
		require.True(t, slices.Contains(baton.Secrets, filepath.Base(baton.Environment[name])), "%s names a compose secret", name)
		require.Equal(t, "/run/secrets", filepath.Dir(baton.Environment[name]))
	}
	require.Equal(t, []string{"127.0.0.1:" + port + ":" + port}, baton.Ports)
	require.Equal(t, []string{"./baton.yaml:" + configPath + ":ro"}, baton.Volumes)
}

func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	unit := read(t, "systemd/baton.service")
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^Environment=([A-Z_]+)=(\S+)$`).FindAllStringSubmatch(unit, -1) {
		env[m[1]] = m[2]
	}
	checkEnv(t, "baton.service", env)
	creds := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^LoadCredential=([a-z-]+):`).FindAllStringSubmatch(unit, -1) {
		creds[m[1]] = true
	}
	for _, name := range []string{"SLACK_BOT_TOKEN_FILE", "SLACK_APP_TOKEN_FILE", "DATABASE_URL_FILE"} {
		v, ok := strings.CutPrefix(env[name], "%d/")
		require.True(t, ok, "%s is in the credentials directory", name)
		require.True(t, creds[v], "%s names a loaded credential", name)
	}
	require.Regexp(t, `(?m)^ExecStartPre=/usr/local/bin/baton migrate$`, unit)
	require.Regexp(t, `(?m)^ExecStart=/usr/local/bin/baton run$`, unit)
	require.Regexp(t, `(?m)^ExecReload=/bin/kill -HUP \$MAINPID$`, unit)
	require.Regexp(t, `(?m)^TimeoutStopSec=30s$`, unit)
}

// TestProbesServed runs baton with the shipped configuration and asks the
// probe paths the Deployment names.
func TestProbesServed(t *testing.T) {
	t.Parallel()
	cfg := read(t, "kubernetes/baton.yaml")
	a := batontest.Start(t, batontest.Options{Config: cfg})
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(a.HTTP + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
}

// TestMigrationStep runs the migration step as the Deployment and the
// unit give it: baton migrate, DATABASE_URL from a file.
func TestMigrationStep(t *testing.T) {
	t.Parallel()
	url, _ := storetest.NewDatabase(t)
	file := filepath.Join(t.TempDir(), "database-url")
	require.NoError(t, os.WriteFile(file, []byte(url+"\n"), 0o400))
	out, err := batontest.RunCommand(t, map[string]string{"DATABASE_URL_FILE": file, "BATON_CONFIG": "kubernetes/baton.yaml"}, "migrate")
	require.NoError(t, err)
	require.Contains(t, out, "migrations applied")
}

// TestSlackAppScopes: the app manifest asks for the scopes the fake
// grants by default, and for every scope doctor may require.
func TestSlackAppScopes(t *testing.T) {
	t.Parallel()
	var app struct {
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
	}
	decode(t, "slack-app.yaml", &app)
	require.ElementsMatch(t, slackfake.DefaultScopes, app.OAuth.Scopes.Bot)
	path := filepath.Join(t.TempDir(), "baton.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`timezone: UTC
presence: true
pools:
  - name: closers
    channel: C0CLOSERS1
    members: [U0DANA0001, dana@acme.com, "@closers"]
`), 0o600))
	cfg, err := config.Load(path)
	require.NoError(t, err)
	var needed []string
	for _, n := range doctor.NeededScopes(cfg) {
		needed = append(needed, n.Scope)
	}
	require.ElementsMatch(t, app.OAuth.Scopes.Bot, needed, "a configuration using everything needs every scope the app asks for")
}
