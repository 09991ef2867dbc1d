#include "textflag.h"

// The mixed-precision micro-kernel of gemm32 (gemm32.go): a 6×32 tile of
// C computed in float32 from six rows of op(A) (float32, element (i, p) at
// a + p·astep + i·arow bytes: a packed panel, or rows or columns of a
// converted block read in place) and a packed B panel (32 columns,
// depth-major, 128 bytes a step), in the twelve ZMM accumulators Z4–Z15
// (row i: Z(4+2i) columns 0–15, Z(5+2i) columns 16–31, 16 float32 each),
// then converted to float64 and added, times alpha, to the float64 tile of
// C.

// One depth step: row i of the tile gets a[i]·b[0:32]. Z0, Z1 hold the B
// row; Z2, Z3, Z16–Z19 the broadcasts of the six elements of op(A), at SI,
// SI+R9, SI+2·R9, SI+R10 (3·R9), SI+4·R9, SI+R11 (5·R9); SI then moves one
// step of the depth (R12 bytes).
#define S32STEP(boff) \
	VMOVUPS      boff(DI), Z0       \
	VMOVUPS      boff+64(DI), Z1    \
	VBROADCASTSS (SI), Z2           \
	VFMADD231PS  Z0, Z2, Z4         \
	VFMADD231PS  Z1, Z2, Z5         \
	VBROADCASTSS (SI)(R9*1), Z3     \
	VFMADD231PS  Z0, Z3, Z6         \
	VFMADD231PS  Z1, Z3, Z7         \
	VBROADCASTSS (SI)(R9*2), Z16    \
	VFMADD231PS  Z0, Z16, Z8        \
	VFMADD231PS  Z1, Z16, Z9        \
	VBROADCASTSS (SI)(R10*1), Z17   \
	VFMADD231PS  Z0, Z17, Z10       \
	VFMADD231PS  Z1, Z17, Z11       \
	VBROADCASTSS (SI)(R9*4), Z18    \
	VFMADD231PS  Z0, Z18, Z12       \
	VFMADD231PS  Z1, Z18, Z13       \
	VBROADCASTSS (SI)(R11*1), Z19   \
	VFMADD231PS  Z0, Z19, Z14       \
	VFMADD231PS  Z1, Z19, Z15       \
	ADDQ         R12, SI

// Row r of C (at DX, 32 float64) += alpha (Z24) · the float32 accumulators
// zlo (columns 0–15; ylo is its low half) and zhi (16–31; yhi), each
// widened to two ZMM of 8 float64 (the low half by VCVTPS2PD, the high half
// after VEXTRACTF64X4). DX then moves to the next row (R8 bytes).
#define S32ROW(ylo, zlo, yhi, zhi) \
	VCVTPS2PD     ylo, Z20          \
	VEXTRACTF64X4 $1, zlo, Y21      \
	VCVTPS2PD     Y21, Z21          \
	VCVTPS2PD     yhi, Z22          \
	VEXTRACTF64X4 $1, zhi, Y23      \
	VCVTPS2PD     Y23, Z23          \
	VFMADD213PD   (DX), Z24, Z20    \
	VMOVUPD       Z20, (DX)         \
	VFMADD213PD   64(DX), Z24, Z21  \
	VMOVUPD       Z21, 64(DX)       \
	VFMADD213PD   128(DX), Z24, Z22 \
	VMOVUPD       Z22, 128(DX)      \
	VFMADD213PD   192(DX), Z24, Z23 \
	VMOVUPD       Z23, 192(DX)      \
	ADDQ          R8, DX

// func kern32x6x32(k int, a *float32, astep, arow int, b *float32, c *float64, ldc int, alpha float64)
//
// C[i*ldc+j] += alpha · float64(Σ_p a[p*astep+i*arow]·b[p*32+j]) for
// i < 6, j < 32, the sum accumulated in float32 (fused multiply-adds, in
// order of p). k ≥ 1.
TEXT ·kern32x6x32(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ astep+16(FP), R12
	SHLQ $2, R12
	MOVQ arow+24(FP), R9
	SHLQ $2, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (R9)(R9*4), R11
	MOVQ b+32(FP), DI
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R8
	SHLQ $3, R8

	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15

	MOVQ  CX, BX
	SHRQ  $2, BX // BX = k/4 unrolled steps
	ANDQ  $3, CX // CX = k%4 single steps
	TESTQ BX, BX
	JZ    tail

loop4:
	S32STEP(0)
	S32STEP(128)
	S32STEP(256)
	S32STEP(384)
	ADDQ $512, DI
	DECQ BX
	JNZ  loop4

tail:
	TESTQ CX, CX
	JZ    store

loop1:
	S32STEP(0)
	ADDQ $128, DI
	DECQ CX
	JNZ  loop1

store:
	VBROADCASTSD alpha+56(FP), Z24
	S32ROW(Y4, Z4, Y5, Z5)
	S32ROW(Y6, Z6, Y7, Z7)
	S32ROW(Y8, Z8, Y9, Z9)
	S32ROW(Y10, Z10, Y11, Z11)
	S32ROW(Y12, Z12, Y13, Z13)
	S32ROW(Y14, Z14, Y15, Z15)
	VZEROUPPER
	RET

// func cvt32(dst *float32, ldd int, src *float64, lds, rows, cols int)
//
// dst[r*ldd+i] = float32(src[r*lds+i]) for r < rows, i < cols: 8 at a
// time (VCVTPD2PS), then one by one. rows ≥ 1, cols ≥ 1.
TEXT ·cvt32(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), R8
	MOVQ ldd+8(FP), R10
	SHLQ $2, R10
	MOVQ src+16(FP), R9
	MOVQ lds+24(FP), R11
	SHLQ $3, R11
	MOVQ rows+32(FP), DX

cvrow:
	MOVQ R8, DI
	MOVQ R9, SI
	MOVQ cols+40(FP), CX
	MOVQ CX, BX
	SHRQ $3, BX
	ANDQ $7, CX
	TESTQ BX, BX
	JZ   cvtail

cvloop8:
	VMOVUPD   (SI), Z0
	VCVTPD2PS Z0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $64, SI
	ADDQ      $32, DI
	DECQ      BX
	JNZ       cvloop8

cvtail:
	TESTQ CX, CX
	JZ    cvnext

cvloop1:
	VMOVSD    (SI), X0
	VCVTSD2SS X0, X0, X0
	VMOVSS    X0, (DI)
	ADDQ      $8, SI
	ADDQ      $4, DI
	DECQ      CX
	JNZ       cvloop1

cvnext:
	ADDQ R10, R8
	ADDQ R11, R9
	DECQ DX
	JNZ  cvrow
	VZEROUPPER
	RET

// func pack32BN(dst *float32, b *float64, ldb, kc int)
//
// Packs a full B panel of a row-major op(B): dst[p*32+j] =
// float32(b[p*ldb+j]) for p < kc, j < 32 (VCVTPD2PS, 8 values at a time).
// kc ≥ 1.
TEXT ·pack32BN(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R8
	SHLQ $3, R8
	MOVQ kc+24(FP), CX

bnloop:
	VMOVUPD   (SI), Z0
	VMOVUPD   64(SI), Z1
	VMOVUPD   128(SI), Z2
	VMOVUPD   192(SI), Z3
	VCVTPD2PS Z0, Y0
	VCVTPD2PS Z1, Y1
	VCVTPD2PS Z2, Y2
	VCVTPD2PS Z3, Y3
	VMOVUPS   Y0, (DI)
	VMOVUPS   Y1, 32(DI)
	VMOVUPS   Y2, 64(DI)
	VMOVUPS   Y3, 96(DI)
	ADDQ      R8, SI
	ADDQ      $128, DI
	DECQ      CX
	JNZ       bnloop
	VZEROUPPER
	RET

// Z(dst) = float32 of the 8 float64 at m1 (low half) ‖ at m2 (high half);
// Z24 and Z25 are scratch.
#define CVT2ROWS(m1, m2, ydst, zdst) \
	VMOVUPD       m1, Z24            \
	VMOVUPD       m2, Z25            \
	VCVTPD2PS     Z24, ydst          \
	VCVTPD2PS     Z25, Y25           \
	VINSERTF64X4  $1, Y25, zdst, zdst

// Half of a transposed B panel: 16 rows of b (at SI, rows 8–15 at R9,
// R10 = ldb in bytes, R11 = 3·R10, R12 = 5·R10, R13 = 7·R10) become 16
// columns of the panel at DI, 8 depths per iteration, BX iterations.
// Z0–Z3 get rows r ‖ 4+r and Z4–Z7 rows 8+r ‖ 12+r (r < 4), so that after
// the usual in-lane 4×4 transposes (VUNPCKLPS/VUNPCKHPS, VSHUFPS) one
// VSHUFF32X4 gathers the four 128-bit lanes of a depth: columns 0–3, 4–7,
// 8–11, 12–15.
#define PACKBT16(label) \
label:                                             \
	CVT2ROWS((SI), (SI)(R10*4), Y0, Z0)            \
	CVT2ROWS((SI)(R10*1), (SI)(R12*1), Y1, Z1)     \
	CVT2ROWS((SI)(R10*2), (SI)(R11*2), Y2, Z2)     \
	CVT2ROWS((SI)(R11*1), (SI)(R13*1), Y3, Z3)     \
	CVT2ROWS((R9), (R9)(R10*4), Y4, Z4)            \
	CVT2ROWS((R9)(R10*1), (R9)(R12*1), Y5, Z5)     \
	CVT2ROWS((R9)(R10*2), (R9)(R11*2), Y6, Z6)     \
	CVT2ROWS((R9)(R11*1), (R9)(R13*1), Y7, Z7)     \
	VUNPCKLPS     Z1, Z0, Z8                       \
	VUNPCKHPS     Z1, Z0, Z9                       \
	VUNPCKLPS     Z3, Z2, Z10                      \
	VUNPCKHPS     Z3, Z2, Z11                      \
	VUNPCKLPS     Z5, Z4, Z12                      \
	VUNPCKHPS     Z5, Z4, Z13                      \
	VUNPCKLPS     Z7, Z6, Z14                      \
	VUNPCKHPS     Z7, Z6, Z15                      \
	VSHUFPS       $0x44, Z10, Z8, Z16              \
	VSHUFPS       $0xEE, Z10, Z8, Z17              \
	VSHUFPS       $0x44, Z11, Z9, Z18              \
	VSHUFPS       $0xEE, Z11, Z9, Z19              \
	VSHUFPS       $0x44, Z14, Z12, Z20             \
	VSHUFPS       $0xEE, Z14, Z12, Z21             \
	VSHUFPS       $0x44, Z15, Z13, Z22             \
	VSHUFPS       $0xEE, Z15, Z13, Z23             \
	VSHUFF32X4    $0x88, Z20, Z16, Z0              \
	VSHUFF32X4    $0xDD, Z20, Z16, Z4              \
	VSHUFF32X4    $0x88, Z21, Z17, Z1              \
	VSHUFF32X4    $0xDD, Z21, Z17, Z5              \
	VSHUFF32X4    $0x88, Z22, Z18, Z2              \
	VSHUFF32X4    $0xDD, Z22, Z18, Z6              \
	VSHUFF32X4    $0x88, Z23, Z19, Z3              \
	VSHUFF32X4    $0xDD, Z23, Z19, Z7              \
	VMOVUPS       Z0, (DI)                         \
	VMOVUPS       Z1, 128(DI)                      \
	VMOVUPS       Z2, 256(DI)                      \
	VMOVUPS       Z3, 384(DI)                      \
	VMOVUPS       Z4, 512(DI)                      \
	VMOVUPS       Z5, 640(DI)                      \
	VMOVUPS       Z6, 768(DI)                      \
	VMOVUPS       Z7, 896(DI)                      \
	ADDQ          $64, SI                          \
	ADDQ          $64, R9                          \
	ADDQ          $1024, DI                        \
	DECQ          BX                               \
	JNZ           label

// func pack32BT(dst *float32, b *float64, ldb, k8 int)
//
// Packs the first 8·k8 depths of a full B panel of a transposed op(B):
// dst[p*32+j] = float32(b[j*ldb+p]) for p < 8·k8, j < 32, by 16×8
// transposes in registers. k8 ≥ 1.
TEXT ·pack32BT(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R10
	SHLQ $3, R10
	LEAQ (R10)(R10*2), R11
	LEAQ (R10)(R10*4), R12
	LEAQ (R11)(R10*4), R13
	LEAQ (SI)(R10*8), R9
	MOVQ k8+24(FP), BX
	PACKBT16(bt0)

	// Columns 16–31: rows 16–31 of b, 64 bytes further in each row of dst.
	MOVQ dst+0(FP), DI
	ADDQ $64, DI
	MOVQ b+8(FP), SI
	MOVQ R10, AX
	SHLQ $4, AX
	ADDQ AX, SI
	LEAQ (SI)(R10*8), R9
	MOVQ k8+24(FP), BX
	PACKBT16(bt1)
	VZEROUPPER
	RET
