#include "textflag.h"

// The Adam update of AdamUpdateSave. k points to adamK's rows of
// broadcast constants (row i at 32·i): b1 0, ob1 32, b2 64, ob2 96,
// step 128, eps 160, 0.5 192, 2¹⁰⁰ 224, 2⁻¹⁰⁰ 256, 2⁹⁰⁰ 288, 2⁻⁶⁰ 320,
// |·| mask 352, float32 eps 384, float32 2⁻⁶⁰ 416, float32 1 448, 0 480.
// Per value, as adamScalar (each operation rounded alike):
//
//	m = b1·m + ob1·g, v = b2·v + (ob2·g)·g, num = step·m
//	sf = sqrt32(float32(v)), d32 = sf + float32(eps), sfc = max(sf, 2⁻⁶⁰)
//	t = 1/(sfc·d32), y0 = t·d32, di = t·sfc (float32)
//	s0 = v·y0, r = fma(−s0, 0.5·y0, 0.5), den = fma(s0, r, s0) + eps
//	q0 = num·di, q = fma(fma(−q0, den, num), di, q0), x = x − q
//
// A block in which some value has v > 2¹⁰⁰ or 0 < v < 2⁻¹⁰⁰ or
// |num| > 2⁹⁰⁰ or den < 2⁻⁶⁰ (or a NaN) needs the float64 quotient: the
// kernel stops before it, stores nothing of it, and returns its index
// (else n). lanes receives the lane sums of x − x over the values done
// (NaN when a new x is not finite).

// func adamAVX2(x, gr, m, v, save *float64, n int, k *adamK, lanes *[8]float64) int
TEXT ·adamAVX2(SB), NOSPLIT, $0-72
	MOVQ x+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ save+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ k+48(FP), AX
	MOVQ lanes+56(FP), DX
	XORQ BX, BX             // values done
	VMOVUPD 0(AX), Y8       // b1
	VMOVUPD 32(AX), Y9      // ob1
	VMOVUPD 64(AX), Y10     // b2
	VMOVUPD 96(AX), Y11     // ob2
	VMOVUPD 128(AX), Y12    // step
	VMOVUPD 352(AX), Y13    // |·| mask
	VMOVUPD 192(AX), Y14    // 0.5
	VXORPD  Y15, Y15, Y15   // lane sums

avx2loop:
	VMOVUPD      (SI), Y0
	VMULPD       Y0, Y9, Y1
	VMULPD       (R8), Y8, Y2
	VADDPD       Y1, Y2, Y2     // m
	VMULPD       Y0, Y11, Y3
	VMULPD       Y0, Y3, Y3
	VMULPD       (R9), Y10, Y4
	VADDPD       Y3, Y4, Y4     // v
	VMULPD       Y2, Y12, Y1    // num
	VCVTPD2PSY   Y4, X5
	VSQRTPS      X5, X5         // sf
	VADDPS       384(AX), X5, X6 // d32
	VMAXPS       416(AX), X5, X5 // sfc
	VMULPS       X6, X5, X7
	VMOVUPS      448(AX), X0
	VDIVPS       X7, X0, X7     // t
	VMULPS       X7, X6, X6
	VMULPS       X7, X5, X5
	VCVTPS2PD    X6, Y6         // y0
	VCVTPS2PD    X5, Y5         // di
	VMULPD       Y6, Y4, Y3     // s0
	VMULPD       Y6, Y14, Y6    // 0.5·y0
	VMOVAPD      Y14, Y7
	VFNMADD231PD Y6, Y3, Y7     // r
	VFMADD231PD  Y7, Y3, Y3     // √v
	VADDPD       160(AX), Y3, Y3 // den
	VMULPD       Y5, Y1, Y6     // q0
	VMOVAPD      Y1, Y7
	VFNMADD231PD Y3, Y6, Y7     // num − q0·den
	VFMADD231PD  Y7, Y5, Y6     // q
	VANDPD       Y1, Y13, Y0    // |num|
	VCMPPD       $6, 288(AX), Y0, Y0 // !(|num| <= 2⁹⁰⁰)
	VCMPPD       $6, 224(AX), Y4, Y5 // !(v <= 2¹⁰⁰)
	VORPD        Y5, Y0, Y0
	VCMPPD       $1, 256(AX), Y4, Y5 // v < 2⁻¹⁰⁰
	VCMPPD       $4, 480(AX), Y4, Y7 // v != 0
	VANDPD       Y7, Y5, Y5
	VORPD        Y5, Y0, Y0
	VCMPPD       $9, 320(AX), Y3, Y5 // !(den >= 2⁻⁶⁰)
	VORPD        Y5, Y0, Y0
	VPTEST       Y0, Y0
	JNZ          avx2done
	VMOVUPD      Y2, (R8)
	VMOVUPD      Y4, (R9)
	VMOVUPD      (DI), Y7
	TESTQ        R10, R10
	JZ           avx2nosave
	VMOVUPD      Y7, (R10)
	ADDQ         $32, R10

avx2nosave:
	VSUBPD       Y6, Y7, Y7
	VMOVUPD      Y7, (DI)
	VSUBPD       Y7, Y7, Y5
	VADDPD       Y5, Y15, Y15
	ADDQ         $32, SI
	ADDQ         $32, DI
	ADDQ         $32, R8
	ADDQ         $32, R9
	ADDQ         $4, BX
	CMPQ         BX, CX
	JLT          avx2loop

avx2done:
	VMOVUPD Y15, (DX)
	VXORPD  Y15, Y15, Y15
	VMOVUPD Y15, 32(DX)
	MOVQ    BX, ret+64(FP)
	VZEROUPPER
	RET

// func adamAVX512(x, gr, m, v, save *float64, n int, k *adamK, lanes *[8]float64) int
//
// AVX-512 F only: the float32 part is in YMM registers with VEX encodings.
TEXT ·adamAVX512(SB), NOSPLIT, $0-72
	MOVQ x+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ save+32(FP), R10
	MOVQ n+40(FP), CX
	MOVQ k+48(FP), AX
	MOVQ lanes+56(FP), DX
	XORQ BX, BX               // values done
	VBROADCASTSD 0(AX), Z8    // b1
	VBROADCASTSD 32(AX), Z9   // ob1
	VBROADCASTSD 64(AX), Z10  // b2
	VBROADCASTSD 96(AX), Z11  // ob2
	VBROADCASTSD 128(AX), Z12 // step
	VBROADCASTSD 160(AX), Z13 // eps
	VBROADCASTSD 192(AX), Z14 // 0.5
	VBROADCASTSD 352(AX), Z15 // |·| mask
	VBROADCASTSD 288(AX), Z16 // 2⁹⁰⁰
	VBROADCASTSD 224(AX), Z17 // 2¹⁰⁰
	VBROADCASTSD 256(AX), Z18 // 2⁻¹⁰⁰
	VBROADCASTSD 320(AX), Z19 // 2⁻⁶⁰
	VPXORQ       Z20, Z20, Z20 // 0
	VPXORQ       Z7, Z7, Z7   // lane sums

avx512loop:
	VMOVUPD      (SI), Z0
	VMULPD       Z0, Z9, Z1
	VMULPD       (R8), Z8, Z2
	VADDPD       Z1, Z2, Z2     // m
	VMULPD       Z0, Z11, Z3
	VMULPD       Z0, Z3, Z3
	VMULPD       (R9), Z10, Z4
	VADDPD       Z3, Z4, Z4     // v
	VMULPD       Z2, Z12, Z1    // num
	VCVTPD2PS    Z4, Y5
	VSQRTPS      Y5, Y5         // sf
	VADDPS       384(AX), Y5, Y6 // d32
	VMAXPS       416(AX), Y5, Y5 // sfc
	VMULPS       Y6, Y5, Y0
	VMOVUPS      448(AX), Y3
	VDIVPS       Y0, Y3, Y0     // t
	VMULPS       Y0, Y6, Y6
	VMULPS       Y0, Y5, Y5
	VCVTPS2PD    Y6, Z6         // y0
	VCVTPS2PD    Y5, Z5         // di
	VMULPD       Z6, Z4, Z3     // s0
	VMULPD       Z6, Z14, Z6    // 0.5·y0
	VMOVAPD      Z14, Z0
	VFNMADD231PD Z6, Z3, Z0     // r
	VFMADD231PD  Z0, Z3, Z3     // √v
	VADDPD       Z13, Z3, Z3    // den
	VMULPD       Z5, Z1, Z6     // q0
	VMOVAPD      Z1, Z0
	VFNMADD231PD Z3, Z6, Z0     // num − q0·den
	VFMADD231PD  Z0, Z5, Z6     // q
	VPANDQ       Z1, Z15, Z0    // |num|
	VCMPPD       $6, Z16, Z0, K1 // !(|num| <= 2⁹⁰⁰)
	VCMPPD       $6, Z17, Z4, K2 // !(v <= 2¹⁰⁰)
	KORW         K1, K2, K1
	VCMPPD       $4, Z20, Z4, K2 // v != 0
	VCMPPD       $1, Z18, Z4, K2, K2 // and v < 2⁻¹⁰⁰
	KORW         K1, K2, K1
	VCMPPD       $9, Z19, Z3, K2 // !(den >= 2⁻⁶⁰)
	KORTESTW     K1, K2
	JNZ          avx512done
	VMOVUPD      Z2, (R8)
	VMOVUPD      Z4, (R9)
	VMOVUPD      (DI), Z0
	TESTQ        R10, R10
	JZ           avx512nosave
	VMOVUPD      Z0, (R10)
	ADDQ         $64, R10

avx512nosave:
	VSUBPD       Z6, Z0, Z0
	VMOVUPD      Z0, (DI)
	VSUBPD       Z0, Z0, Z5
	VADDPD       Z5, Z7, Z7
	ADDQ         $64, SI
	ADDQ         $64, DI
	ADDQ         $64, R8
	ADDQ         $64, R9
	ADDQ         $8, BX
	CMPQ         BX, CX
	JLT          avx512loop

avx512done:
	VMOVUPD Z7, (DX)
	MOVQ    BX, ret+64(FP)
	VZEROUPPER
	RET
