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

// hugeSum is the 1.5-million-term sum of the reliability report (6 MB): the
// parser must stop at the 5,001st operator without scanning or parsing the
// rest at full cost.
func hugeSum() string { return "x = " + strings.Repeat("1 + ", 1_500_000-1) + "1\n" }

func BenchmarkParseHuge(b *testing.B) {
	src := hugeSum()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := parser.ParseFile("huge.flow", src); err == nil {
			b.Fatal("no error")
		}
	}
}
