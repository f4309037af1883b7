package cliflag

import (
	"encoding/json"
	"strings"

	"github.com/keyward/keyward/internal/cmd/cmderror"
)

// ParseArgs reads repeated --arg values into one object: "k=v" sets k to
// the string v, "k:=JSON" to the JSON value (numbers kept exact, as
// json.Number). It never returns a nil map without an error; a malformed
// pair is a flag error.
func ParseArgs(pairs []string) (map[string]any, error) {
	m := make(map[string]any, len(pairs))
	for _, p := range pairs {
		if k, v, ok := strings.Cut(p, ":="); ok && k != "" && !strings.Contains(k, "=") {
			var val any
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(&val); err != nil || dec.More() {
				return nil, cmderror.FlagErrorf("--arg %s: the value after := must be JSON", k)
			}
			m[k] = val
			continue
		}
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, cmderror.FlagErrorf("--arg %q: want k=v or k:=JSON", p)
		}
		m[k] = v
	}
	return m, nil
}
