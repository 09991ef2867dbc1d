// Package docs holds the language reference, language.md. Its test checks
// the reference against the tables the interpreter reads: every builtin,
// distribution, bijector, fit option, bijector option and REPL command
// must appear in it, and its option and bijector tables are generated
// from infer.FitOptions, flows.FlowOptions and the bijectors'
// registrations (`go generate ./docs` rewrites them).
package docs

//go:generate go test -run TestReferenceTables -update
