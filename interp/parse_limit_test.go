package interp_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang/ast"
)

// hugeSum is the 1.5-million-term sum of the reliability report (6 MB).
func hugeSum() string { return "x = " + strings.Repeat("1 + ", 1_500_000-1) + "1\n" }

// TestExecHugeSum: the 1.5-million-term sum (6 MB) through an embedded
// interpreter with a 1 s time limit is refused before parsing by the
// default source size limit (1 MiB); with no source limit it is the
// parser's depth error at the 5,001st "+" (the parse stopped there: the
// scanner keeps the tokens only that far), not the time limit, a crash or
// an out-of-memory; Eval of the same expression likewise, and the
// interpreter is usable afterwards.
func TestExecHugeSum(t *testing.T) {
	src := hugeSum()
	err := interp.New(interp.Options{Timeout: time.Second}).Exec(context.Background(), "huge.flow", src)
	if !errors.Is(err, interp.ErrSourceLimit) || err.Error() != "huge.flow: the script is longer than the limit of 1048576 bytes (Options.MaxSource): source size limit reached" {
		t.Errorf("default limit: err = %.300v", err)
	}
	err = interp.New(interp.Options{MaxSource: 1000}).Exec(context.Background(), "r.flow", strings.NewReader(src))
	if !errors.Is(err, interp.ErrSourceLimit) {
		t.Errorf("reader: err = %.300v", err)
	}
	// The time limit here is generous: on a loaded machine scanning 6 MB can
	// take over a second, and the point is the depth error, not the clock
	// (the probe sweep measures the 1 s limit; bench/RESULTS.md).
	in := interp.New(interp.Options{Timeout: time.Minute, MaxSource: -1})
	err = in.Exec(context.Background(), "huge.flow", src)
	want := fmt.Sprintf("huge.flow:1:%d: expression nested deeper than %d levels", 7+4*ast.MaxDepth, ast.MaxDepth)
	var list ast.ErrorList
	if !errors.As(err, &list) || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("Exec: err = %.300v, want an ast.ErrorList %s...", err, want)
	}
	_, err = in.Eval(context.Background(), src[4:len(src)-1])
	if want := fmt.Sprintf("<eval>:1:%d: expression nested deeper", 3+4*ast.MaxDepth); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Eval: err = %.300v, want %s...", err, want)
	}
	if v, err := in.Eval(context.Background(), "1 + 2"); err != nil || v.String() != "3" {
		t.Errorf("Eval after: %v, %v", v, err)
	}
}

// TestExecParseInterrupted: parsing looks at the Exec context: a long
// valid script under a cancelled context stops in the scanner, near its
// start, with an error that wraps context.Canceled and nothing runs.
func TestExecParseInterrupted(t *testing.T) {
	src := strings.Repeat("x = 1 + 2\n", 5000) + "y = 1\n"
	in := interp.New(interp.Options{Timeout: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := in.Exec(ctx, "long.flow", src)
	if err == nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), ": parsing stopped: interrupted") || !strings.HasPrefix(err.Error(), "long.flow:") {
		t.Fatalf("err = %v", err)
	}
	if _, err := in.Eval(context.Background(), "y"); err == nil {
		t.Error("y is bound: the script ran")
	}
}
