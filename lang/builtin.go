package lang

// BuiltinFunc is the implementation of a builtin. It returns plain errors;
// the interpreter adds the position and call stack.
type BuiltinFunc func(th *Thread, b *Builtin, args Tuple, kwargs []Kwarg) (Value, error)

// Builtin is a function of the standard library.
type Builtin struct {
	name string
	fn   BuiltinFunc
	// Doc is a one-line description shown by help.
	Doc string
}

var _ Callable = (*Builtin)(nil)

// NewBuiltin returns a builtin called name.
func NewBuiltin(name string, fn BuiltinFunc) *Builtin { return &Builtin{name: name, fn: fn} }

// Name returns the builtin's name.
func (b *Builtin) Name() string { return b.name }

// String returns "<builtin name>".
func (b *Builtin) String() string { return "<builtin " + b.name + ">" }

// Type returns "function".
func (*Builtin) Type() string { return "function" }

// CallInternal calls the builtin.
func (b *Builtin) CallInternal(th *Thread, args Tuple, kwargs []Kwarg) (Value, error) {
	return b.fn(th, b, args, kwargs)
}
