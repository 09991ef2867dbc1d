#include "textflag.h"

// func adamAVX2(x, gr, m, v *float64, n int, c *[6]float64, bad *[4]float64)
//
// The Adam update of AdamUpdate on n values (n > 0, a multiple of 4), with
// c = {b1, ob1, b2, ob2, step, eps}: m = b1·m + ob1·g, v = b2·v + (ob2·g)·g,
// x = x − (step·m)/(√v + eps), each operation rounded as Go rounds the
// scalar expression (no fused multiply-add), so the results are the same
// bit for bit. bad receives the lane sums of x − x (NaN when any new x is
// not finite).
TEXT ·adamAVX2(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), AX
	MOVQ bad+48(FP), DX
	SHRQ $2, CX
	VBROADCASTSD 0(AX), Y10  // b1
	VBROADCASTSD 8(AX), Y11  // ob1
	VBROADCASTSD 16(AX), Y12 // b2
	VBROADCASTSD 24(AX), Y13 // ob2
	VBROADCASTSD 32(AX), Y14 // step
	VBROADCASTSD 40(AX), Y15 // eps
	VXORPD Y9, Y9, Y9        // bad

adamloop:
	VMOVUPD (SI), Y0
	VMULPD  Y0, Y11, Y1
	VMULPD  (R8), Y10, Y2
	VADDPD  Y1, Y2, Y2
	VMULPD  Y0, Y13, Y3
	VMULPD  Y0, Y3, Y3
	VMULPD  (R9), Y12, Y4
	VADDPD  Y3, Y4, Y4
	VMOVUPD Y2, (R8)
	VMOVUPD Y4, (R9)
	VSQRTPD Y4, Y5
	VADDPD  Y15, Y5, Y5
	VMULPD  Y2, Y14, Y6
	VDIVPD  Y5, Y6, Y6
	VMOVUPD (DI), Y7
	VSUBPD  Y6, Y7, Y7
	VMOVUPD Y7, (DI)
	VSUBPD  Y7, Y7, Y8
	VADDPD  Y8, Y9, Y9
	ADDQ    $32, SI
	ADDQ    $32, DI
	ADDQ    $32, R8
	ADDQ    $32, R9
	DECQ    CX
	JNZ     adamloop

	VMOVUPD Y9, (DX)
	VZEROUPPER
	RET
