package infer

// WithTapeBudget runs f with the tape budget set to b values.
func WithTapeBudget(b int, f func()) { withBudget(b, f) }

// DrawProbe is drawProbe, the smallest chunk of draws.
const DrawProbe = drawProbe
