package parser_test

import (
	"strings"
	"testing"

	"github.com/flowppl/flowppl/parser"
)

// bigScript returns a script of about n lines built from the language
// reference's snippets.
func bigScript(n int) string {
	var b strings.Builder
	lines := 0
	for lines < n {
		b.WriteString(allFormsSrc)
		b.WriteString("\n")
		lines += strings.Count(allFormsSrc, "\n") + 1
	}
	return b.String()
}

func BenchmarkParseFile1000Lines(b *testing.B) {
	src := bigScript(1000)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := parser.ParseFile("bench.flow", src); err != nil {
			b.Fatal(err)
		}
	}
}
