package main

import (
	"fmt"
	"io"
	"os"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
)

// fmtCmd prints each script in canonical layout (ast.Format, which keeps
// the comments), or with -w rewrites the files; --drop-comments drops the
// comments.
func fmtCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("fmt", stderr)
	write := fs.Bool("w", false, "rewrite the files instead of printing them")
	drop := fs.Bool("drop-comments", false, "format scripts with comments, dropping the comments")
	files, ok := parseArgs(fs, args, true, stderr)
	if !ok {
		return exitUsage
	}
	code := exitOK
	for _, name := range files {
		filename, src, ok := readScript(name, stdin, stderr)
		if !ok {
			return exitUsage
		}
		file, err := parser.ParseFile(filename, string(src))
		if err != nil {
			fmt.Fprintln(stderr, interp.FormatErrorSource(err, sourceOf(filename, src)))
			code = exitError
			continue
		}
		if *drop {
			file.Comments = nil
		}
		out := ast.Format(file)
		if *write && name != "-" {
			if out != string(src) {
				if err := os.WriteFile(name, []byte(out), 0o644); err != nil {
					fmt.Fprintf(stderr, "flowppl fmt: %v\n", err)
					code = exitError
				}
			}
			continue
		}
		fmt.Fprint(stdout, out)
	}
	return code
}
