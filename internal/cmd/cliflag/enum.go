package cliflag

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// StringEnum binds a string flag whose value must be one of options.
func StringEnum(cmd *cobra.Command, p *string, name, shorthand, defaultValue string, options []string, usage string) {
	*p = defaultValue
	cmd.Flags().VarP(&enumValue{p: p, options: options}, name, shorthand,
		fmt.Sprintf("%s: {%s}", usage, strings.Join(options, "|")))
}

type enumValue struct {
	p       *string
	options []string
}

func (e *enumValue) String() string { return *e.p }
func (e *enumValue) Type() string   { return "string" }
func (e *enumValue) Set(v string) error {
	if !slices.Contains(e.options, v) {
		return fmt.Errorf("valid values are {%s}", strings.Join(e.options, "|"))
	}
	*e.p = v
	return nil
}
