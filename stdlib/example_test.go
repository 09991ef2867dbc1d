package stdlib_test

import (
	"os"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
)

// Calling builtins from Go: the interpreter does the same for quantile(x, p)
// and print(...).
func Example() {
	th := &lang.Thread{Stdout: os.Stdout}
	th.Init()
	call := func(name string, args ...lang.Value) lang.Value {
		v, err := stdlib.Universe[name].(lang.Callable).CallInternal(th, args, nil)
		if err != nil {
			panic(err)
		}
		return v
	}
	x := lang.NewVector([]float64{1, 2, 3, 4, 10})
	m := lang.NewMatrix(2, 2, []float64{1, 2, 3, 4})
	call("print", lang.String("median"), call("quantile", x, lang.Number(0.5)), lang.String("sd"), call("sd", x))
	call("print", call("mean", m))
	call("print", m)
	// Output:
	// median 3 sd 3.5355339059327378
	// [2, 3]
	// [[1, 2],
	//  [3, 4]]
}
