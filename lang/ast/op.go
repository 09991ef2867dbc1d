package ast

// Op is a unary or binary operator.
type Op int

// The operators, in no particular order. Neg and Not are unary; Sub is binary
// minus.
const (
	Or     Op = iota + 1 // or
	And                  // and
	Not                  // not (unary)
	Eq                   // ==
	Ne                   // !=
	Lt                   // <
	Le                   // <=
	Gt                   // >
	Ge                   // >=
	Add                  // +
	Sub                  // - (binary)
	Mul                  // *
	Div                  // /
	MatMul               // @
	Pow                  // ^
	Neg                  // - (unary)
)

var opText = [...]string{
	Or: "or", And: "and", Not: "not",
	Eq: "==", Ne: "!=", Lt: "<", Le: "<=", Gt: ">", Ge: ">=",
	Add: "+", Sub: "-", Mul: "*", Div: "/", MatMul: "@", Pow: "^", Neg: "-",
}

// String returns the operator as written in source.
func (op Op) String() string {
	if op > 0 && int(op) < len(opText) {
		return opText[op]
	}
	return "?"
}

// Precedence levels, lowest to highest. Postfix operators (calls, indexes,
// fields) and atoms bind tightest; a fit expression binds loosest.
const (
	PrecFit     = 0 // fit ... to ...
	PrecOr      = 1 // or
	PrecAnd     = 2 // and
	PrecNot     = 3 // not
	PrecCompare = 4 // == != < <= > >= (not associative)
	PrecAdd     = 5 // + -
	PrecMul     = 6 // * / @
	PrecNeg     = 7 // unary -
	PrecPow     = 8 // ^ (right associative)
	PrecPostfix = 9 // calls, indexes, fields, atoms
)

// Precedence returns the binding strength of op, one of the Prec constants.
func (op Op) Precedence() int {
	switch op {
	case Or:
		return PrecOr
	case And:
		return PrecAnd
	case Not:
		return PrecNot
	case Eq, Ne, Lt, Le, Gt, Ge:
		return PrecCompare
	case Add, Sub:
		return PrecAdd
	case Mul, Div, MatMul:
		return PrecMul
	case Neg:
		return PrecNeg
	case Pow:
		return PrecPow
	}
	return PrecPostfix
}

// IsComparison reports whether op is one of == != < <= > >=.
func (op Op) IsComparison() bool { return op.Precedence() == PrecCompare }
