package repl

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
)

// Keywords are the keywords of the language (LANGUAGE.md, Lexical).
var Keywords = []string{"flow", "fit", "to", "by", "model", "fn", "for", "in", "if", "else",
	"return", "true", "false", "none", "and", "or", "not"}

// Help writes the help for topic: with no topic, the commands and the
// lists of builtins, distributions, bijectors and options; with a topic,
// the signature and description of that builtin, distribution, bijector,
// fit option, sample option or bijector option (from stdlib's docs,
// dist.Families, flows' registrations, infer.FitOptions,
// stdlib.SampleOptionTable and flows.FlowOptions, the tables the
// interpreter uses), or
// the builtins and distributions whose name or description mention it.
// An unknown topic gets a hint and an error.
func Help(w io.Writer, topic string) error {
	topic = strings.TrimSpace(topic)
	if topic == "" {
		fmt.Fprintln(w, "Commands:")
		for _, c := range Commands {
			fmt.Fprintf(w, "  %-16s %s\n", strings.TrimSpace(c.Name+" "+c.Args), c.Doc)
		}
		fmt.Fprintln(w, "\nBuiltins (:help NAME for one):")
		writeColumns(w, builtinNames())
		fmt.Fprintln(w, "\nDistributions:")
		writeColumns(w, dist.FamilyNames())
		fmt.Fprintln(w, "\nBijectors (inside flow):")
		writeColumns(w, flows.Names())
		fmt.Fprintln(w, "\nFit options (fit q to t { name = value }):")
		writeColumns(w, infer.FitOptions.Names())
		fmt.Fprintln(w, "\nSample options (sample(x, n, method = \"nuts\", name = value)):")
		writeColumns(w, append([]string{"guide"}, stdlib.SampleOptionTable.Names()...))
		fmt.Fprintln(w, "\nBijector options (flow B(base, name = value)):")
		writeColumns(w, flows.FlowOptions.Names())
		fmt.Fprintln(w, "\nKeywords:")
		writeColumns(w, Keywords)
		return nil
	}
	if f, err := dist.LookupFamily(topic); err == nil {
		fmt.Fprintf(w, "%s\n    %s (distribution)\n", f.Signature(), f.Doc)
		return nil
	}
	for _, c := range stdlib.Constants {
		if c.Name == topic {
			fmt.Fprintf(w, "%s = %v\n    %s (constant)\n", c.Name, c.Value, c.Doc)
			return nil
		}
	}
	if b, ok := stdlib.Universe[topic].(*lang.Builtin); ok {
		sig, doc := splitDoc(topic, b.Doc)
		fmt.Fprintf(w, "%s\n    %s\n", sig, doc)
		return nil
	}
	if doc, opts, ok := flows.Doc(topic); ok {
		takes := "no options"
		if len(opts) > 0 {
			takes = "options " + strings.Join(opts, ", ")
		}
		fmt.Fprintf(w, "flow %s(base, ...)\n    %s (bijector; %s)\n", topic, doc, takes)
		return nil
	}
	found := false
	if o, err := infer.FitOptions.Lookup(topic); err == nil {
		fmt.Fprintf(w, "fit q to t { %s = ... }\n    %s: %s; default %s (fit option)\n", topic, o.RangeText(), o.Doc, o.Default)
		found = true
	}
	if o, err := stdlib.SampleOptionTable.Lookup(topic); err == nil {
		fmt.Fprintf(w, "sample(x, n, %s = ...)\n    %s: %s; default %s (sample option)\n", topic, o.RangeText(), o.Doc, o.Default)
		found = true
	}
	if found {
		return nil
	}
	if o, err := flows.FlowOptions.Lookup(topic); err == nil {
		fmt.Fprintf(w, "flow B(base, %s = ...)\n    %s: %s; default %s (bijector option)\n", topic, o.RangeText(), o.Doc, o.Default)
		return nil
	}
	if slices.Contains(Keywords, topic) {
		fmt.Fprintf(w, "%s is a keyword; see docs/language.md\n", topic)
		return nil
	}
	// Search descriptions (for words of three letters or more).
	var hits []string
	low := strings.ToLower(topic)
	if len(topic) < 3 {
		low = "\x00" // matches nothing
	}
	for _, n := range builtinNames() {
		b := stdlib.Universe[n].(*lang.Builtin)
		if strings.Contains(strings.ToLower(b.Doc), low) {
			sig, doc := splitDoc(n, b.Doc)
			hits = append(hits, fmt.Sprintf("  %-28s %s", sig, doc))
		}
	}
	for _, f := range dist.Families {
		if strings.Contains(strings.ToLower(f.Doc), low) {
			hits = append(hits, fmt.Sprintf("  %-28s %s", f.Signature(), f.Doc))
		}
	}
	if len(hits) > 0 {
		fmt.Fprintf(w, "no builtin called %s; these mention it:\n%s\n", topic, strings.Join(hits, "\n"))
		return nil
	}
	all := append(append(builtinNames(), dist.FamilyNames()...), flows.Names()...)
	all = append(append(all, infer.FitOptions.Names()...), flows.FlowOptions.Names()...)
	all = append(all, stdlib.SampleOptionTable.Names()...)
	return fmt.Errorf("no help for %q%s", topic, spell.Hint(topic, all))
}

// builtinNames returns the builtins that are not distribution families.
func builtinNames() []string {
	var out []string
	for _, n := range stdlib.Names() {
		if _, err := dist.LookupFamily(n); err == nil {
			continue
		}
		if _, ok := stdlib.Universe[n].(*lang.Builtin); ok {
			out = append(out, n)
		}
	}
	return out
}

// splitDoc splits a builtin's doc "f(x): does this" into the signature
// and the description; a doc without a signature gets "name(...)".
func splitDoc(name, doc string) (sig, desc string) {
	if strings.HasPrefix(doc, name+"(") {
		if i := strings.Index(doc, "): "); i >= 0 {
			return doc[:i+1], doc[i+3:]
		}
	}
	return name + "(...)", doc
}

// writeColumns writes names in rows of up to 6, padded.
func writeColumns(w io.Writer, names []string) {
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	per := max(1, 78/(width+2))
	for i := 0; i < len(names); i += per {
		row := names[i:min(i+per, len(names))]
		var b strings.Builder
		b.WriteString("  ")
		for j, n := range row {
			if j < len(row)-1 {
				fmt.Fprintf(&b, "%-*s", width+2, n)
			} else {
				b.WriteString(n)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}
