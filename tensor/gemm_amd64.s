#include "textflag.h"

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET

// One step of the depth loop: row i of the 6×8 tile gets a[i]·b[0:8].
// Y0, Y1 hold b[0:4], b[4:8]; Y2 and Y3 alternate as the broadcast of a[i].
#define KSTEP(aoff, boff) \
	VMOVUPD      boff(DI), Y0      \
	VMOVUPD      boff+32(DI), Y1   \
	VBROADCASTSD aoff(SI), Y2      \
	VFMADD231PD  Y0, Y2, Y4        \
	VFMADD231PD  Y1, Y2, Y5        \
	VBROADCASTSD aoff+8(SI), Y3    \
	VFMADD231PD  Y0, Y3, Y6        \
	VFMADD231PD  Y1, Y3, Y7        \
	VBROADCASTSD aoff+16(SI), Y2   \
	VFMADD231PD  Y0, Y2, Y8        \
	VFMADD231PD  Y1, Y2, Y9        \
	VBROADCASTSD aoff+24(SI), Y3   \
	VFMADD231PD  Y0, Y3, Y10       \
	VFMADD231PD  Y1, Y3, Y11       \
	VBROADCASTSD aoff+32(SI), Y2   \
	VFMADD231PD  Y0, Y2, Y12       \
	VFMADD231PD  Y1, Y2, Y13       \
	VBROADCASTSD aoff+40(SI), Y3   \
	VFMADD231PD  Y0, Y3, Y14       \
	VFMADD231PD  Y1, Y3, Y15

// Row r of C (at DX) += alpha (Y0) · accumulators lo, hi; then DX moves to
// the next row.
#define STOREROW(lo, hi) \
	VFMADD213PD (DX), Y0, lo   \
	VMOVUPD     lo, (DX)       \
	VFMADD213PD 32(DX), Y0, hi \
	VMOVUPD     hi, 32(DX)     \
	ADDQ        R8, DX

// func kern6x8(k int, a, b, c *float64, ldc int, alpha float64)
//
// C[i*ldc+j] += alpha · Σ_p a[p*6+i]·b[p*8+j] for i < 6, j < 8: packed
// panels of A (6 rows, depth-major) and B (8 columns, depth-major). k ≥ 1.
TEXT ·kern6x8(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8

	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

	MOVQ CX, BX
	SHRQ $2, BX // BX = k/4 unrolled steps
	ANDQ $3, CX // CX = k%4 single steps
	TESTQ BX, BX
	JZ   tail

loop4:
	PREFETCHT0 384(SI)
	KSTEP(0, 0)
	KSTEP(48, 64)
	PREFETCHT0 512(DI)
	KSTEP(96, 128)
	KSTEP(144, 192)
	ADDQ $192, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  loop4

tail:
	TESTQ CX, CX
	JZ    store

loop1:
	KSTEP(0, 0)
	ADDQ $48, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop1

store:
	VBROADCASTSD alpha+40(FP), Y0
	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	STOREROW(Y12, Y13)
	STOREROW(Y14, Y15)
	VZEROUPPER
	RET

// One step of the depth loop reading A unpacked: rows at SI, SI+R9,
// SI+2·R9, SI+R10 (3·R9), SI+4·R9, SI+R11 (5·R9), column offset aoff.
#define KSTEPS(aoff, boff) \
	VMOVUPD      boff(DI), Y0          \
	VMOVUPD      boff+32(DI), Y1       \
	VBROADCASTSD aoff(SI), Y2          \
	VFMADD231PD  Y0, Y2, Y4            \
	VFMADD231PD  Y1, Y2, Y5            \
	VBROADCASTSD aoff(SI)(R9*1), Y3    \
	VFMADD231PD  Y0, Y3, Y6            \
	VFMADD231PD  Y1, Y3, Y7            \
	VBROADCASTSD aoff(SI)(R9*2), Y2    \
	VFMADD231PD  Y0, Y2, Y8            \
	VFMADD231PD  Y1, Y2, Y9            \
	VBROADCASTSD aoff(SI)(R10*1), Y3   \
	VFMADD231PD  Y0, Y3, Y10           \
	VFMADD231PD  Y1, Y3, Y11           \
	VBROADCASTSD aoff(SI)(R9*4), Y2    \
	VFMADD231PD  Y0, Y2, Y12           \
	VFMADD231PD  Y1, Y2, Y13           \
	VBROADCASTSD aoff(SI)(R11*1), Y3   \
	VFMADD231PD  Y0, Y3, Y14           \
	VFMADD231PD  Y1, Y3, Y15

// func kern6x8s(k int, a *float64, lda int, b, c *float64, ldc int, alpha float64)
//
// kern6x8 with A read in place: row i of the tile is a[i*lda : i*lda+k]
// (six rows of a row-major op(A), no packing). k ≥ 1.
TEXT ·kern6x8s(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	MOVQ b+24(FP), DI
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $3, R8
	SHLQ $3, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (R9)(R9*4), R11

	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

	MOVQ CX, BX
	SHRQ $2, BX
	ANDQ $3, CX
	TESTQ BX, BX
	JZ   stail

sloop4:
	KSTEPS(0, 0)
	KSTEPS(8, 64)
	PREFETCHT0 512(DI)
	KSTEPS(16, 128)
	KSTEPS(24, 192)
	ADDQ $32, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  sloop4

stail:
	TESTQ CX, CX
	JZ    sstore

sloop1:
	KSTEPS(0, 0)
	ADDQ $8, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  sloop1

sstore:
	VBROADCASTSD alpha+48(FP), Y0
	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	STOREROW(Y12, Y13)
	STOREROW(Y14, Y15)
	VZEROUPPER
	RET

// The AVX-512 kernels below compute a 6×16 tile of C from one A panel (6
// rows) and two adjacent B panels of 8 columns (at DI and DI+R12), in the
// twelve ZMM accumulators Z4–Z15: the same packed layout as the AVX2
// kernels, twice the width per instruction.

// One depth step reading a packed A panel: row i gets a[i]·(b1 ‖ b2).
#define ZSTEP(aoff, boff) \
	VMOVUPD      boff(DI), Z0        \
	VMOVUPD      boff(DI)(R12*1), Z1 \
	VBROADCASTSD aoff(SI), Z2        \
	VFMADD231PD  Z0, Z2, Z4          \
	VFMADD231PD  Z1, Z2, Z5          \
	VBROADCASTSD aoff+8(SI), Z3      \
	VFMADD231PD  Z0, Z3, Z6          \
	VFMADD231PD  Z1, Z3, Z7          \
	VBROADCASTSD aoff+16(SI), Z16    \
	VFMADD231PD  Z0, Z16, Z8         \
	VFMADD231PD  Z1, Z16, Z9         \
	VBROADCASTSD aoff+24(SI), Z17    \
	VFMADD231PD  Z0, Z17, Z10        \
	VFMADD231PD  Z1, Z17, Z11        \
	VBROADCASTSD aoff+32(SI), Z18    \
	VFMADD231PD  Z0, Z18, Z12        \
	VFMADD231PD  Z1, Z18, Z13        \
	VBROADCASTSD aoff+40(SI), Z19    \
	VFMADD231PD  Z0, Z19, Z14        \
	VFMADD231PD  Z1, Z19, Z15

// One depth step reading A in place (rows at SI + i·R9, as KSTEPS).
#define ZSTEPS(aoff, boff) \
	VMOVUPD      boff(DI), Z0          \
	VMOVUPD      boff(DI)(R12*1), Z1   \
	VBROADCASTSD aoff(SI), Z2          \
	VFMADD231PD  Z0, Z2, Z4            \
	VFMADD231PD  Z1, Z2, Z5            \
	VBROADCASTSD aoff(SI)(R9*1), Z3    \
	VFMADD231PD  Z0, Z3, Z6            \
	VFMADD231PD  Z1, Z3, Z7            \
	VBROADCASTSD aoff(SI)(R9*2), Z16   \
	VFMADD231PD  Z0, Z16, Z8           \
	VFMADD231PD  Z1, Z16, Z9           \
	VBROADCASTSD aoff(SI)(R10*1), Z17  \
	VFMADD231PD  Z0, Z17, Z10          \
	VFMADD231PD  Z1, Z17, Z11          \
	VBROADCASTSD aoff(SI)(R9*4), Z18   \
	VFMADD231PD  Z0, Z18, Z12          \
	VFMADD231PD  Z1, Z18, Z13          \
	VBROADCASTSD aoff(SI)(R11*1), Z19  \
	VFMADD231PD  Z0, Z19, Z14          \
	VFMADD231PD  Z1, Z19, Z15

// Row r of C (at DX, 16 wide) += alpha (Z0) · lo ‖ hi; DX moves on.
#define ZSTOREROW(lo, hi) \
	VFMADD213PD (DX), Z0, lo   \
	VMOVUPD     lo, (DX)       \
	VFMADD213PD 64(DX), Z0, hi \
	VMOVUPD     hi, 64(DX)     \
	ADDQ        R8, DX

#define ZZERO \
	VPXORQ Z4, Z4, Z4    \
	VPXORQ Z5, Z5, Z5    \
	VPXORQ Z6, Z6, Z6    \
	VPXORQ Z7, Z7, Z7    \
	VPXORQ Z8, Z8, Z8    \
	VPXORQ Z9, Z9, Z9    \
	VPXORQ Z10, Z10, Z10 \
	VPXORQ Z11, Z11, Z11 \
	VPXORQ Z12, Z12, Z12 \
	VPXORQ Z13, Z13, Z13 \
	VPXORQ Z14, Z14, Z14 \
	VPXORQ Z15, Z15, Z15

#define ZSTORE \
	ZSTOREROW(Z4, Z5)   \
	ZSTOREROW(Z6, Z7)   \
	ZSTOREROW(Z8, Z9)   \
	ZSTOREROW(Z10, Z11) \
	ZSTOREROW(Z12, Z13) \
	ZSTOREROW(Z14, Z15) \
	VZEROUPPER

// func kern6x16(k int, a, b *float64, bstride int, c *float64, ldc int, alpha float64)
//
// C[i*ldc+j] += alpha · Σ_p a[p*6+i]·B[p][j] for i < 6, j < 16, where
// columns 0–7 of B are the packed panel at b and columns 8–15 the packed
// panel at b + bstride (elements). k ≥ 1.
TEXT ·kern6x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ bstride+24(FP), R12
	SHLQ $3, R12
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $3, R8
	ZZERO

	MOVQ CX, BX
	SHRQ $2, BX
	ANDQ $3, CX
	TESTQ BX, BX
	JZ   ztail

zloop4:
	PREFETCHT0 384(SI)
	ZSTEP(0, 0)
	ZSTEP(48, 64)
	ZSTEP(96, 128)
	ZSTEP(144, 192)
	ADDQ $192, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  zloop4

ztail:
	TESTQ CX, CX
	JZ    zstore

zloop1:
	ZSTEP(0, 0)
	ADDQ $48, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  zloop1

zstore:
	VBROADCASTSD alpha+48(FP), Z0
	ZSTORE
	RET

// func kern6x16s(k int, a *float64, lda int, b *float64, bstride int, c *float64, ldc int, alpha float64)
//
// kern6x16 with A read in place: row i of the tile is a[i*lda : i*lda+k].
// k ≥ 1.
TEXT ·kern6x16s(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	MOVQ b+24(FP), DI
	MOVQ bstride+32(FP), R12
	SHLQ $3, R12
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R8
	SHLQ $3, R8
	SHLQ $3, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (R9)(R9*4), R11
	ZZERO

	MOVQ CX, BX
	SHRQ $2, BX
	ANDQ $3, CX
	TESTQ BX, BX
	JZ   zstail

zsloop4:
	ZSTEPS(0, 0)
	ZSTEPS(8, 64)
	ZSTEPS(16, 128)
	ZSTEPS(24, 192)
	ADDQ $32, SI
	ADDQ $256, DI
	DECQ BX
	JNZ  zsloop4

zstail:
	TESTQ CX, CX
	JZ    zsstore

zsloop1:
	ZSTEPS(0, 0)
	ADDQ $8, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  zsloop1

zsstore:
	VBROADCASTSD alpha+56(FP), Z0
	ZSTORE
	RET

// The "b" variants read a row-major op(B) in place instead of packed
// panels: row p of the 16 columns is at DI + p·R13 (R13 = ldb in bytes), so
// a non-transposed B needs no packing at all.

// One depth step, packed A (offset aoff), B row at DI; DI moves one row.
#define ZSTEPB(aoff) \
	VMOVUPD      (DI), Z0         \
	VMOVUPD      64(DI), Z1       \
	VBROADCASTSD aoff(SI), Z2     \
	VFMADD231PD  Z0, Z2, Z4       \
	VFMADD231PD  Z1, Z2, Z5       \
	VBROADCASTSD aoff+8(SI), Z3   \
	VFMADD231PD  Z0, Z3, Z6       \
	VFMADD231PD  Z1, Z3, Z7       \
	VBROADCASTSD aoff+16(SI), Z16 \
	VFMADD231PD  Z0, Z16, Z8      \
	VFMADD231PD  Z1, Z16, Z9      \
	VBROADCASTSD aoff+24(SI), Z17 \
	VFMADD231PD  Z0, Z17, Z10     \
	VFMADD231PD  Z1, Z17, Z11     \
	VBROADCASTSD aoff+32(SI), Z18 \
	VFMADD231PD  Z0, Z18, Z12     \
	VFMADD231PD  Z1, Z18, Z13     \
	VBROADCASTSD aoff+40(SI), Z19 \
	VFMADD231PD  Z0, Z19, Z14     \
	VFMADD231PD  Z1, Z19, Z15     \
	ADDQ         R13, DI

// One depth step, A in place (rows at SI + i·R9, column offset aoff), B
// row at DI; DI moves one row.
#define ZSTEPSB(aoff) \
	VMOVUPD      (DI), Z0              \
	VMOVUPD      64(DI), Z1            \
	VBROADCASTSD aoff(SI), Z2          \
	VFMADD231PD  Z0, Z2, Z4            \
	VFMADD231PD  Z1, Z2, Z5            \
	VBROADCASTSD aoff(SI)(R9*1), Z3    \
	VFMADD231PD  Z0, Z3, Z6            \
	VFMADD231PD  Z1, Z3, Z7            \
	VBROADCASTSD aoff(SI)(R9*2), Z16   \
	VFMADD231PD  Z0, Z16, Z8           \
	VFMADD231PD  Z1, Z16, Z9           \
	VBROADCASTSD aoff(SI)(R10*1), Z17  \
	VFMADD231PD  Z0, Z17, Z10          \
	VFMADD231PD  Z1, Z17, Z11          \
	VBROADCASTSD aoff(SI)(R9*4), Z18   \
	VFMADD231PD  Z0, Z18, Z12          \
	VFMADD231PD  Z1, Z18, Z13          \
	VBROADCASTSD aoff(SI)(R11*1), Z19  \
	VFMADD231PD  Z0, Z19, Z14          \
	VFMADD231PD  Z1, Z19, Z15          \
	ADDQ         R13, DI

// func kern6x16b(k int, a, b *float64, ldb int, c *float64, ldc int, alpha float64)
//
// C[i*ldc+j] += alpha · Σ_p a[p*6+i]·b[p*ldb+j] for i < 6, j < 16: a
// packed A panel, B read in place. k ≥ 1.
TEXT ·kern6x16b(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R13
	SHLQ $3, R13
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $3, R8
	ZZERO

	MOVQ CX, BX
	SHRQ $2, BX
	ANDQ $3, CX
	TESTQ BX, BX
	JZ   zbtail

zbloop4:
	PREFETCHT0 384(SI)
	ZSTEPB(0)
	ZSTEPB(48)
	ZSTEPB(96)
	ZSTEPB(144)
	ADDQ $192, SI
	DECQ BX
	JNZ  zbloop4

zbtail:
	TESTQ CX, CX
	JZ    zbstore

zbloop1:
	ZSTEPB(0)
	ADDQ $48, SI
	DECQ CX
	JNZ  zbloop1

zbstore:
	VBROADCASTSD alpha+48(FP), Z0
	ZSTORE
	RET

// func kern6x16sb(k int, a *float64, lda int, b *float64, ldb int, c *float64, ldc int, alpha float64)
//
// kern6x16b with A read in place too: row i of the tile is
// a[i*lda : i*lda+k]. k ≥ 1.
TEXT ·kern6x16sb(SB), NOSPLIT, $0-64
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	MOVQ b+24(FP), DI
	MOVQ ldb+32(FP), R13
	SHLQ $3, R13
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R8
	SHLQ $3, R8
	SHLQ $3, R9
	LEAQ (R9)(R9*2), R10
	LEAQ (R9)(R9*4), R11
	ZZERO

	MOVQ CX, BX
	SHRQ $2, BX
	ANDQ $3, CX
	TESTQ BX, BX
	JZ   zsbtail

zsbloop4:
	ZSTEPSB(0)
	ZSTEPSB(8)
	ZSTEPSB(16)
	ZSTEPSB(24)
	ADDQ $32, SI
	DECQ BX
	JNZ  zsbloop4

zsbtail:
	TESTQ CX, CX
	JZ    zsbstore

zsbloop1:
	ZSTEPSB(0)
	ADDQ $8, SI
	DECQ CX
	JNZ  zsbloop1

zsbstore:
	VBROADCASTSD alpha+56(FP), Z0
	ZSTORE
	RET
