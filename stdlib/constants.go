package stdlib

import (
	"math"

	"github.com/flowppl/flowppl/lang"
)

// Constant is a predeclared value of the language, such as pi. Like a
// builtin, a script may rebind its name.
type Constant struct {
	Name  string
	Value lang.Value
	Doc   string // one line, for help
}

// Constants lists the predeclared constants; Universe maps each name to
// its value.
var Constants = []Constant{
	{"pi", lang.Number(math.Pi), "π, the ratio of a circle's circumference to its diameter (3.141592653589793)"},
	{"inf", lang.Number(math.Inf(1)), "positive infinity; -inf is negative infinity"},
}
