package docs

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/repl"
	"github.com/flowppl/flowppl/stdlib"
)

var update = flag.Bool("update", false, "rewrite the generated tables of language.md")

const reference = "language.md"

// generated are the sections of language.md written from the tables,
// each between `<!-- begin NAME -->` and `<!-- end NAME -->`.
var generated = []struct {
	name string
	text func() string
}{
	{"fit options", infer.FitOptions.Markdown},
	{"bijectors", bijectorTable},
	{"bijector options", flows.FlowOptions.Markdown},
	{"sample options", stdlib.SampleOptionTable.Markdown},
}

// bijectorTable is the table of bijectors: name, options, description.
func bijectorTable() string {
	var b strings.Builder
	b.WriteString("| bijector | options | what it does |\n|---|---|---|\n")
	for _, name := range flows.Names() {
		doc, opts, _ := flows.Doc(name)
		o := "none"
		if len(opts) > 0 {
			o = "`" + strings.Join(opts, "`, `") + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", name, o, strings.ReplaceAll(doc, "|", `\|`))
	}
	return b.String()
}

// TestReferenceTables compares each generated section of language.md
// with the text its table gives now; -update rewrites them.
func TestReferenceTables(t *testing.T) {
	data, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, g := range generated {
		begin, end := "<!-- begin "+g.name+" -->\n", "<!-- end "+g.name+" -->"
		i, j := strings.Index(text, begin), strings.Index(text, end)
		if i < 0 || j < i {
			t.Errorf("%s has no section %q...%q", reference, begin, end)
			continue
		}
		want := g.text()
		if got := text[i+len(begin) : j]; got != want {
			if *update {
				text = text[:i+len(begin)] + want + text[j:]
				continue
			}
			t.Errorf("the %s table of %s is out of date (go generate ./docs rewrites it); it should read:\n%s", g.name, reference, want)
		}
	}
	if *update {
		if err := os.WriteFile(reference, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReferenceComplete checks that every name of the language's tables
// appears in language.md in code (`name`, or a code block).
func TestReferenceComplete(t *testing.T) {
	data, err := os.ReadFile(reference)
	if err != nil {
		t.Fatal(err)
	}
	inCode := codeWords(string(data))
	if inCode["no_such_name"] || !inCode["help"] || !inCode[":help"] {
		t.Fatal("codeWords does not find exactly the words in code")
	}
	var commands []string
	for _, c := range repl.Commands {
		commands = append(commands, c.Name)
	}
	for _, group := range []struct {
		what  string
		names []string
	}{
		{"builtin", stdlib.Names()},
		{"distribution", dist.FamilyNames()},
		{"bijector", flows.Names()},
		{"fit option", infer.FitOptions.Names()},
		{"bijector option", flows.FlowOptions.Names()},
		{"sample option", stdlib.SampleOptionTable.Names()},
		{"REPL command", commands},
		{"keyword", repl.Keywords},
	} {
		for _, n := range group.names {
			if !inCode[n] {
				t.Errorf("the %s %s is not in %s", group.what, n, reference)
			}
		}
	}
}

var (
	codeBlock = regexp.MustCompile("(?s)```.*?```")
	codeSpan  = regexp.MustCompile("`[^`\n]+`")
	word      = regexp.MustCompile(`:?[A-Za-z_][A-Za-z0-9_]*`)
)

// codeWords returns the identifiers (and :commands) inside the code
// blocks and code spans of a Markdown text.
func codeWords(md string) map[string]bool {
	out := map[string]bool{}
	add := func(code string) {
		for _, w := range word.FindAllString(code, -1) {
			out[w] = true
			out[strings.TrimPrefix(w, ":")] = true
		}
	}
	for _, b := range codeBlock.FindAllString(md, -1) {
		add(b)
	}
	for _, s := range codeSpan.FindAllString(codeBlock.ReplaceAllString(md, ""), -1) {
		add(s)
	}
	return out
}
