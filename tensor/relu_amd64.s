#include "textflag.h"

// func reluAVX(x *float64, n int)
//
// x[i] = max(x[i], 0) + 0 for i < n, n a multiple of 8: NaN stays NaN
// (VMAXPD returns its second source when either is NaN) and −0 becomes +0,
// as Go's max(x, 0) does.
TEXT ·reluAVX(SB), NOSPLIT, $0-16
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	SHRQ   $3, CX
	VXORPD Y15, Y15, Y15

reluloop:
	VMOVUPD (SI), Y0
	VMOVUPD 32(SI), Y1
	VMAXPD  Y0, Y15, Y0
	VMAXPD  Y1, Y15, Y1
	VADDPD  Y15, Y0, Y0
	VADDPD  Y15, Y1, Y1
	VMOVUPD Y0, (SI)
	VMOVUPD Y1, 32(SI)
	ADDQ    $64, SI
	DECQ    CX
	JNZ     reluloop
	VZEROUPPER
	RET

// func reluGradAVX(gr, y, gb *float64, n int)
//
// For i < n, n a multiple of 8: gr[i] = 0 where y[i] == 0 (the ReLU was
// off; NaN counts as on: the compare is "not equal, unordered"), then
// gb[i] += gr[i] when gb is not nil.
TEXT ·reluGradAVX(SB), NOSPLIT, $0-32
	MOVQ   gr+0(FP), SI
	MOVQ   y+8(FP), DI
	MOVQ   gb+16(FP), DX
	MOVQ   n+24(FP), CX
	SHRQ   $3, CX
	VXORPD Y15, Y15, Y15
	TESTQ  DX, DX
	JZ     masklooponly

maskloop:
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	VCMPPD  $4, Y15, Y0, Y0
	VCMPPD  $4, Y15, Y1, Y1
	VANDPD  (SI), Y0, Y0
	VANDPD  32(SI), Y1, Y1
	VMOVUPD Y0, (SI)
	VMOVUPD Y1, 32(SI)
	VADDPD  (DX), Y0, Y0
	VADDPD  32(DX), Y1, Y1
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	ADDQ    $64, SI
	ADDQ    $64, DI
	ADDQ    $64, DX
	DECQ    CX
	JNZ     maskloop
	VZEROUPPER
	RET

masklooponly:
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	VCMPPD  $4, Y15, Y0, Y0
	VCMPPD  $4, Y15, Y1, Y1
	VANDPD  (SI), Y0, Y0
	VANDPD  32(SI), Y1, Y1
	VMOVUPD Y0, (SI)
	VMOVUPD Y1, 32(SI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     masklooponly
	VZEROUPPER
	RET
