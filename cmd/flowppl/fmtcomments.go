package main

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/flowppl/flowppl/lang/ast"
)

// The syntax tree has no comments (the parser's scanner drops them), so
// formatComments places them itself, from a scan of the source, at the
// granularity of top-level statements:
//
//   - full-line comments between statements stay where they are, before
//     the statement that follows them;
//   - a comment at the end of a one-line statement stays at its end, after
//     two spaces;
//   - a statement that spans several lines and has a comment inside it is
//     kept exactly as written (only the rest of the file is laid out);
//   - runs of blank lines become one blank line; blank lines at the start
//     and end go.
//
// The result parses to the same tree as the source and formats to itself.
// With parser support (comments kept as ast.File.Comments with their
// positions, and the printer interleaving them by line inside blocks too)
// this would move into ast.Format.

// lineInfo is what the comment scan finds on one source line.
type lineInfo struct {
	code    bool   // has text other than a comment
	comment string // the comment, from "#" to the end of the line, or ""
}

// scanLines finds the comment and whether there is code on each line (a
// "#" inside a string is not a comment).
func scanLines(src string) []lineInfo {
	lines := strings.Split(src, "\n")
	out := make([]lineInfo, len(lines))
	for n, l := range lines {
		l = strings.TrimRight(l, " \t\r")
		inStr := false
		for i := 0; i < len(l); i++ {
			c := l[i]
			switch {
			case inStr && c == '\\':
				i++
			case c == '"':
				inStr = !inStr
				out[n].code = true
			case !inStr && c == '#':
				out[n].comment = l[i:]
				i = len(l)
			case c != ' ' && c != '\t':
				out[n].code = true
			}
		}
	}
	return out
}

// stmtLines returns the first line of a statement: the smallest line of
// any position in it.
func stmtLines(st ast.Stmt) int {
	first := 0
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			if p, ok := v.Interface().(ast.Pos); ok {
				if p.Line > 0 && (first == 0 || p.Line < first) {
					first = p.Line
				}
				return
			}
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(st))
	return first
}

// formatComments lays out file (parsed from src) as ast.Format does,
// keeping the comments of src as described above.
func formatComments(file *ast.File, src string) (string, error) {
	info := scanLines(src)
	srcLines := strings.Split(src, "\n")
	var out []string
	blank := false // a blank line is pending
	emit := func(s string) {
		if blank && len(out) > 0 {
			out = append(out, "")
		}
		blank = false
		out = append(out, s)
	}
	// between emits the comments and blank lines of lines [from, to)
	// (0-based).
	between := func(from, to int) {
		for n := from; n < to && n < len(info); n++ {
			switch {
			case info[n].comment != "" && !info[n].code:
				emit(info[n].comment)
			case !info[n].code:
				blank = true
			}
		}
	}
	stmts := file.Stmts
	starts := make([]int, len(stmts)) // 0-based first lines
	for i, st := range stmts {
		starts[i] = stmtLines(st) - 1
	}
	prevEnd := 0 // first line after the previous statement
	for i, st := range stmts {
		start := starts[i]
		next := len(info)
		if i+1 < len(stmts) {
			next = starts[i+1]
		}
		// the last line with code of this statement
		last := start
		for n := start; n < next; n++ {
			if info[n].code {
				last = n
			}
		}
		if start >= prevEnd {
			between(prevEnd, start)
		}
		text := ast.FormatStmt(st)
		inner := false
		for n := start; n < last; n++ {
			inner = inner || info[n].comment != ""
		}
		switch {
		case inner:
			if (i > 0 && starts[i-1] == start) || (i+1 < len(stmts) && starts[i+1] <= last) {
				return "", fmt.Errorf("line %d: cannot keep the comments of a statement that shares its lines with another; use --drop-comments", start+1)
			}
			text = strings.Join(srcLines[start:last+1], "\n")
			text = strings.TrimRight(text, " \t\r")
		case info[last].comment != "" && (i+1 == len(stmts) || starts[i+1] > last):
			text += "  " + info[last].comment
		}
		emit(text)
		prevEnd = max(prevEnd, last+1)
	}
	between(prevEnd, len(info))
	if len(out) == 0 {
		return "", nil
	}
	return strings.Join(out, "\n") + "\n", nil
}
