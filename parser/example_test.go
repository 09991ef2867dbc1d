package parser_test

import (
	"fmt"

	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

func ExampleParseFile() {
	f, err := parser.ParseFile("seed.flow", `
base = Normal([0, 0], [1, 1])
q = flow AffineAutoregressive(base)
r = fit q to Normal([5, 5], [0.5, 0.5]) { steps = 500
                                          lr = 0.05 }
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(ast.Format(f))
	fit := f.Stmts[2].(*ast.Assign).Value.(*ast.Fit)
	fmt.Println(fit.Objective(), fit.Options[1].Name, fit.Pos())
	// Output:
	// base = Normal([0, 0], [1, 1])
	// q = flow AffineAutoregressive(base)
	// r = fit q to Normal([5, 5], [0.5, 0.5]) { steps = 500, lr = 0.05 }
	// kl lr seed.flow:4:5
}

func ExampleParseFile_error() {
	_, err := parser.ParseFile("t.flow", "r = fit q to t by kll")
	fmt.Println(err)
	// Output:
	// t.flow:1:19: unknown objective "kll", expected one of kl, forward_kl, reverse_kl, elbo, simulation (did you mean "kl"?)
}

func ExampleIsIncomplete() {
	src := ""
	for _, line := range []string{"m = [[1, 2],", " [3, 4]]"} {
		src += line + "\n"
		f, err := parser.ParseInteractive("<stdin>", src)
		if parser.IsIncomplete(err) {
			fmt.Println("... more input needed")
			continue
		}
		fmt.Print(ast.Format(f))
	}
	// Output:
	// ... more input needed
	// m = [[1, 2], [3, 4]]
}
