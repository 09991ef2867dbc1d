package stdlib

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/lang"
)

// The save and load builtins are registered here rather than in universe()
// so that flow files stay in one file.
func init() {
	for _, b := range []*lang.Builtin{
		def("save", "save(q, path): write flow q (structure, options, permutations, parameters, base) to a JSON file that load reads back", builtinSave),
		def("load", "load(path): the flow saved by save(q, path); it samples and scores exactly as q did", builtinLoad),
	} {
		if _, dup := Universe[b.Name()]; dup {
			panic("stdlib: builtin " + b.Name() + " defined twice")
		}
		Universe[b.Name()] = b
	}
}

// builtinSave implements save(q, path).
func builtinSave(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var q lang.Value
	var path string
	if err := lang.UnpackArgs("save", args, kwargs, "q", &q, "path", &path); err != nil {
		return nil, err
	}
	f, ok := q.(*lang.Flow)
	if !ok {
		return nil, fmt.Errorf("save: got %s, want a flow", q.Type())
	}
	var buf bytes.Buffer
	if err := flows.Save(&buf, f.F); err != nil {
		return nil, fmt.Errorf("save: %s", strings.TrimPrefix(err.Error(), "flows.Save: "))
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("save: %v", err)
	}
	return lang.None, nil
}

// builtinLoad implements load(path).
func builtinLoad(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var path string
	if err := lang.UnpackArgs("load", args, kwargs, "path", &path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load: %v", err)
	}
	f, err := flows.Load(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("load: %s: %s", path, strings.TrimPrefix(err.Error(), "flows.Load: "))
	}
	return &lang.Flow{F: f}, nil
}
