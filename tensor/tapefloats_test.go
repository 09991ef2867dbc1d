package tensor

import "testing"

// TestTapeFloats: the arena count grows by the data and gradient of each
// recorded result (and of watched non-parameters) and returns to 0 at
// Reset.
func TestTapeFloats(t *testing.T) {
	tp := NewTape()
	if n := tp.Floats(); n != 0 {
		t.Fatalf("empty tape: Floats = %d", n)
	}
	x := Zeros(10, 3)
	tp.Watch(x) // a gradient buffer of 30
	y := Exp(x) // data and gradient: 60
	Sum(y)      // 2
	if n := tp.Floats(); n != 92 {
		t.Errorf("Floats = %d, want 92", n)
	}
	big := Zeros(1000, 100) // more than the first chunk holds
	tp.Watch(big)
	Exp(big)
	if n := tp.Floats(); n != 92+3*100000 {
		t.Errorf("Floats = %d, want %d (the end of the first chunk, skipped, is not counted)", n, 92+3*100000)
	}
	tp.Reset()
	if n := tp.Floats(); n != 0 {
		t.Errorf("after Reset: Floats = %d", n)
	}
}

// TestTapeScratchFloats: the scratch count grows by the data of each
// scratch result (no gradients), leaves Floats alone, and returns to 0 at
// Reset but not at ResetRecording.
func TestTapeScratchFloats(t *testing.T) {
	tp := NewTape()
	if n := tp.ScratchFloats(); n != 0 {
		t.Fatalf("empty tape: ScratchFloats = %d", n)
	}
	x := tp.Zeros(10, 3) // 30
	y := Exp(x)          // 30
	Sum(y)               // 1
	if n := tp.ScratchFloats(); n != 61 {
		t.Errorf("ScratchFloats = %d, want 61", n)
	}
	if n := tp.Floats(); n != 0 {
		t.Errorf("Floats = %d, want 0: scratch results are not recorded", n)
	}
	tp.ResetRecording()
	if n := tp.ScratchFloats(); n != 61 {
		t.Errorf("after ResetRecording: ScratchFloats = %d, want 61", n)
	}
	tp.Reset()
	if n := tp.ScratchFloats(); n != 0 {
		t.Errorf("after Reset: ScratchFloats = %d", n)
	}
}
