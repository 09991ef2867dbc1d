package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/stdlib"
)

// setFlags collects --set name=value flags in order (interp.ParseSet,
// applied by interp.ApplySets).
type setFlags []interp.Set

func (s *setFlags) String() string { return "" }

func (s *setFlags) Set(v string) error {
	set, err := interp.ParseSet(v)
	if err != nil {
		return err
	}
	*s = append(*s, set)
	return nil
}

// plotFits makes th write the loss plot of every fit it runs to
// plotsDir, wherever the fit is (at the top level, in a function, in a
// loop): DIR/NAME.svg for `NAME = fit ...`, DIR/fit-LINE.svg for a fit
// whose report is not assigned to a name; a name already written gets a
// suffix (NAME-2.svg, NAME-3.svg, ...) so that a fit run many times keeps
// every plot.
func plotFits(th *lang.Thread, plotsDir string) error {
	if err := os.MkdirAll(plotsDir, 0o755); err != nil {
		return fmt.Errorf("--plots: %v", err)
	}
	seen := map[string]int{}
	th.OnFit = func(name string, pos ast.Pos, rec *lang.Record) error {
		if name == "" {
			name = fmt.Sprintf("fit-%d", pos.Line)
		}
		seen[name]++
		file := name
		if n := seen[name]; n > 1 {
			file = fmt.Sprintf("%s-%d", name, n)
		}
		path := filepath.Join(plotsDir, file+".svg")
		plot := stdlib.Universe["plot"].(*lang.Builtin)
		if _, err := plot.CallInternal(th, lang.Tuple{rec, lang.String(path)}, []lang.Kwarg{{Name: "title", Value: lang.String(file)}}); err != nil {
			return fmt.Errorf("--plots: %v", err)
		}
		return nil
	}
	return nil
}
