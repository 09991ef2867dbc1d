package stdlib

import (
	"fmt"
	"io"
	"strings"

	"github.com/flowppl/flowppl/lang"
)

func printBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("print", "print(a, ...): write the values separated by spaces and a newline", builtinPrint),
		def("type", "type(x): the name of x's kind, e.g. \"number\", \"vector\", \"flow\"", builtinType),
	}
}

func builtinType(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	x, err := argX("type", args, kwargs)
	if err != nil {
		return nil, err
	}
	return lang.String(x.Type()), nil
}

// printChunk is the length from which print writes an array in pieces.
const printChunk = 4096

// builtinPrint writes its arguments as their String forms (numbers in the
// shortest form that reads back exactly, strings without quotes, matrices
// one row per line) separated by spaces, then a newline.
func builtinPrint(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	if err := noKwargs("print", kwargs); err != nil {
		return nil, err
	}
	// One write for the whole line, unless an argument is a long array:
	// that one is written in pieces, between checks of the time limit.
	var sb strings.Builder
	for i, a := range args {
		if i > 0 {
			sb.WriteByte(' ')
		}
		if arr, ok := a.(*lang.Array); ok && arr.Len() > printChunk {
			if _, err := io.WriteString(th.Stdout, sb.String()); err != nil {
				return nil, fmt.Errorf("print: %v", err)
			}
			sb.Reset()
			if err := arr.WriteText(th, th.Stdout); err != nil {
				return nil, fmt.Errorf("print: %w", err)
			}
			continue
		}
		sb.WriteString(a.String())
	}
	sb.WriteByte('\n')
	if _, err := io.WriteString(th.Stdout, sb.String()); err != nil {
		return nil, fmt.Errorf("print: %v", err)
	}
	return lang.None, nil
}
