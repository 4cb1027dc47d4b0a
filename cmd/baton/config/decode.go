package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// parseYAML reads the first YAML document of data into a node tree. A
// file with no document (empty, or only comments) and a syntax error are
// said in words an operator can act on: yaml.v3 says "EOF" for the one,
// and names the wrong line for the other (see syntaxError).
func parseYAML(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc)
	switch {
	case errors.Is(err, io.EOF):
		what := "the file is empty"
		if len(bytes.TrimSpace(data)) > 0 {
			what = "the file is empty (it holds only comments)"
		}
		return nil, fmt.Errorf("%s: at least one pool is required (see manifests/baton.example.yaml)", what)
	case err != nil:
		return nil, syntaxError(data, err)
	}
	return &doc, nil
}

// syntaxError is err, a yaml.v3 syntax error in data, said with the line
// the problem is on. yaml.v3 names the line where the block or flow
// around the problem starts, counted from 0 for a parser error, not the
// problem's own line (its parser.fail prefers the context mark to the
// problem mark, and exports neither): an indent off by one on line 4 of a
// pool that starts on line 2 is "line 1". So the line is found by
// parsing: the problem is on the first line from which every longer
// beginning of the file fails with the same problem. (The first
// beginning that fails would not do: one cut inside a quote that a later
// line closes fails too.) Config files are small, and this runs only on
// a file that is already refused.
func syntaxError(data []byte, err error) error {
	problem := yamlProblem(err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	first := len(lines)
	for n := len(lines); n >= 1; n-- {
		var doc yaml.Node
		e := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines[:n], nil))).Decode(&doc)
		if e == nil || errors.Is(e, io.EOF) || yamlProblem(e) != problem {
			break
		}
		first = n
	}
	return fmt.Errorf("not valid YAML: line %d: %s", first, problem)
}

// yamlProblem is a yaml.v3 syntax error's text without its "yaml: line
// N: " prefix.
func yamlProblem(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if _, problem, ok := strings.Cut(rest, ": "); ok {
			return problem
		}
	}
	return msg
}

// decodeStrict fills v from node like yaml.Node.Decode with KnownFields, but
// reports every problem with the full path of the key ("pools[1].channel"),
// because "field chanel not found in type config.pool" does not tell an
// operator which of ten pools to fix.
func decodeStrict(node *yaml.Node, v reflect.Value, path string) error {
	if node.Kind == yaml.DocumentNode {
		if len(node.Content) == 0 {
			return nil
		}
		return decodeStrict(node.Content[0], v, path)
	}
	if node.Kind == yaml.AliasNode {
		return decodeStrict(node.Alias, v, path)
	}
	if node.Tag == "!!null" {
		return nil // an empty key keeps its default
	}
	if v.CanAddr() {
		if d, ok := v.Addr().Interface().(nodeDecoder); ok {
			return d.decodeNode(node, path)
		}
	}
	if v.Type() == reflect.TypeFor[time.Duration]() {
		return decodeDuration(node, v, path)
	}
	switch v.Kind() {
	case reflect.Struct:
		return decodeStruct(node, v, path)
	case reflect.Slice:
		return decodeSlice(node, v, path)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return decodeStrict(node, v.Elem(), path)
	case reflect.String:
		if node.Kind != yaml.ScalarNode {
			return fmt.Errorf("%s: want a text value, got %s", path, kindName(node))
		}
		v.SetString(node.Value)
		return nil
	case reflect.Bool:
		b, err := strconv.ParseBool(node.Value)
		if node.Kind != yaml.ScalarNode || err != nil {
			return fmt.Errorf("%s: want true or false, got %q", path, node.Value)
		}
		v.SetBool(b)
		return nil
	case reflect.Int:
		n, err := strconv.Atoi(node.Value)
		if node.Kind != yaml.ScalarNode || err != nil {
			return fmt.Errorf("%s: want a whole number, got %q", path, node.Value)
		}
		v.SetInt(int64(n))
		return nil
	case reflect.Float64:
		f, err := strconv.ParseFloat(node.Value, 64)
		if node.Kind != yaml.ScalarNode || err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s: want a number, got %s", path, kindName(node))
		}
		v.SetFloat(f)
		return nil
	}
	return fmt.Errorf("%s: unsupported setting type %s", path, v.Type())
}

// nodeDecoder is a setting that takes more than one shape (a name or a
// list, say) and decodes itself, reporting problems under path.
type nodeDecoder interface {
	decodeNode(node *yaml.Node, path string) error
}

func decodeStruct(node *yaml.Node, v reflect.Value, path string) error {
	if node.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: want a map of settings, got %s", orRoot(path), kindName(node))
	}
	fields := map[string]reflect.Value{}
	for i := range v.NumField() {
		tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			fields[tag] = v.Field(i)
		}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key := node.Content[i].Value
		keyPath := join(path, key)
		field, ok := fields[key]
		if !ok {
			return fmt.Errorf("%s: unknown key (line %d)", keyPath, node.Content[i].Line)
		}
		if seen[key] {
			return fmt.Errorf("%s: set twice (line %d)", keyPath, node.Content[i].Line)
		}
		seen[key] = true
		if err := decodeStrict(node.Content[i+1], field, keyPath); err != nil {
			return err
		}
	}
	return nil
}

func decodeSlice(node *yaml.Node, v reflect.Value, path string) error {
	if node.Kind != yaml.SequenceNode {
		return fmt.Errorf("%s: want a list, got %s", path, kindName(node))
	}
	out := reflect.MakeSlice(v.Type(), len(node.Content), len(node.Content))
	for i, item := range node.Content {
		if err := decodeStrict(item, out.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

func decodeDuration(node *yaml.Node, v reflect.Value, path string) error {
	d, err := time.ParseDuration(node.Value)
	if node.Kind != yaml.ScalarNode || err != nil {
		return fmt.Errorf("%s: want a Go duration such as 60s, 15m or 48h, got %q", path, node.Value)
	}
	v.SetInt(int64(d))
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "the file"
	}
	return path
}

func kindName(node *yaml.Node) string {
	switch node.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("%q", node.Value)
	}
}
