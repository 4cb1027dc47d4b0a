package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

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
