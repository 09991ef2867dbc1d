package dist

import (
	"strings"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// TestFamiliesTable checks the table's entries: a family is built either by
// its rules and new (one rule per parameter, at most the 3 Build keeps on
// the stack) or by its own build, never both; lazy, vector and check only
// go with rules; and a family built by rules from valid constants prints
// its name and the table's parameter names (familyString).
func TestFamiliesTable(t *testing.T) {
	for _, f := range Families {
		if (f.new == nil) == (f.build == nil) {
			t.Errorf("%s: has new %v and build %v, want exactly one", f.Name, f.new != nil, f.build != nil)
		}
		if f.new == nil {
			if f.rules != nil || f.lazy || f.vector || f.check != nil {
				t.Errorf("%s: rules, lazy, vector or check without new", f.Name)
			}
			continue
		}
		if len(f.rules) != len(f.Params) || len(f.Params) > 3 {
			t.Errorf("%s: %d rules for %d parameters (at most 3)", f.Name, len(f.rules), len(f.Params))
			continue
		}
		args := make([]*tensor.Tensor, len(f.Params))
		for i := range args {
			// 0.25, 0.5, 0.75: valid for every rule but countArg, and
			// increasing (Uniform's low < high).
			v := 0.25 * float64(i+1)
			if f.rules[i].want == countArg.want {
				v = 3
			}
			args[i] = sc(v)
			if f.vector {
				args[i] = vec(v, 1-v)
			}
		}
		d, err := f.Build(args, true)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		s := d.String()
		if !strings.HasPrefix(s, f.Name+"(") {
			t.Errorf("%s: String() = %q", f.Name, s)
		}
		for _, p := range f.Params {
			if !strings.Contains(s, p+"=") {
				t.Errorf("%s: String() = %q lacks %s=", f.Name, s, p)
			}
		}
	}
}
