package stdlib

import (
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

// TestRecord checks record(...): fields in keyword order, values as
// given, and the rows CSVRows (write_csv) makes of it: one row for a
// record of numbers.
func TestRecord(t *testing.T) {
	th, _ := newThread()
	v, err := callKw(th, "record", nil, []lang.Kwarg{{Name: "b", Value: num(2.5)}, {Name: "a", Value: num(-1)}, {Name: "s", Value: lang.String("x")}})
	if err != nil {
		t.Fatal(err)
	}
	r := v.(*lang.Record)
	if got := strings.Join(r.Names, ","); got != "b,a,s" {
		t.Errorf("names %s, want b,a,s", got)
	}
	if got := v.String(); got != `{b: 2.5, a: -1, s: "x"}` {
		t.Errorf("record = %s", got)
	}
	delete(r.Fields, "s")
	r.Names = r.Names[:2]
	header, rows, err := CSVRows(r)
	if err != nil || strings.Join(header, ",") != "b,a" || len(rows) != 1 || strings.Join(rows[0], ",") != "2.5,-1" {
		t.Errorf("CSVRows = %q %q %v, want one row b,a = 2.5,-1", header, rows, err)
	}
	if _, err := call("record", num(1)); err == nil || !strings.Contains(err.Error(), "fields are named") {
		t.Errorf("record(1): error %v, want \"fields are named\"", err)
	}
}
