package stdlib

import (
	"fmt"

	"github.com/flowppl/flowppl/lang"
)

func recordBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("record", "record(name = value, ...): a record with these fields, in this order", builtinRecord),
	}
}

// builtinRecord makes a record of its keyword arguments: record(a = 1,
// b = [2, 3]) is {a: 1, b: [2, 3]}, as write_csv writes (one row when
// every field is a number) and a.b reads.
func builtinRecord(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	if len(args) > 0 {
		return nil, fmt.Errorf("record: fields are named: record(name = value, ...), got %d positional argument%s", len(args), plural(len(args), "", "s"))
	}
	r := lang.NewRecord()
	for _, kw := range kwargs {
		if _, dup := r.Fields[kw.Name]; dup {
			return nil, fmt.Errorf("record: field %q given twice", kw.Name)
		}
		if _, ok := kw.Value.(*lang.Batch); ok {
			return nil, fmt.Errorf("record: field %q depends on a latent variable (a record cannot be built inside a model from per-draw values)", kw.Name)
		}
		r.Set(kw.Name, kw.Value)
	}
	return r, nil
}
