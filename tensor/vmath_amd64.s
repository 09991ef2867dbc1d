#include "textflag.h"

// Vector kernels for exp, log and log1p over float64 slices (AVX2 + FMA,
// four lanes). Each processes n values, n > 0 a multiple of 4; the Go
// wrappers in vmath_amd64.go pad the tail. Every constant is stored four
// times so that it can be a 256-bit memory operand.

#define C4(sym, v) DATA sym+0(SB)/8, v; DATA sym+8(SB)/8, v; DATA sym+16(SB)/8, v; DATA sym+24(SB)/8, v; GLOBL sym(SB), RODATA|NOPTR, $32

C4(vmOne<>, $1.0)
C4(vmTwo<>, $2.0)
C4(vmHalf<>, $0.5)
C4(vmNegOne<>, $-1.0)
C4(vmLn2Hi<>, $0x3FE62E42FEE00000)   // 6.93147180369123816490e-01, 32 bits
C4(vmLn2Lo<>, $0x3DEA39EF35793C76)   // 1.90821492927058770002e-10
C4(vmLog2E<>, $1.4426950408889634)
C4(vmExpLo<>, $-746.0)
C4(vmExpHi<>, $710.0)
C4(vmMagicExp<>, $0x43300000000003FF) // 2^52 + 1023
C4(vmMagic52<>, $0x4330000000000000) // 2^52
C4(vmBias<>, $1023.0)
C4(vmMinNorm<>, $0x0010000000000000) // 2^-1022
C4(vmTwo54<>, $0x4350000000000000)   // 2^54
C4(vm54<>, $54.0)
C4(vmMant<>, $0x000FFFFFFFFFFFFF)
C4(vmOneBits<>, $0x3FF0000000000000)
C4(vmSqrt2<>, $1.4142135623730951)
C4(vmPosInf<>, $0x7FF0000000000000)
C4(vmNegInf<>, $0xFFF0000000000000)
C4(vmNaN<>, $0x7FF8000000000001)     // math.NaN()

// Taylor coefficients 1/n! of e^r, |r| ≤ ln2/2.
C4(vmE2<>, $0.5)
C4(vmE3<>, $0.16666666666666666)
C4(vmE4<>, $0.041666666666666664)
C4(vmE5<>, $0.008333333333333333)
C4(vmE6<>, $0.001388888888888889)
C4(vmE7<>, $0.0001984126984126984)
C4(vmE8<>, $2.48015873015873e-05)
C4(vmE9<>, $2.7557319223985893e-06)
C4(vmE10<>, $2.755731922398589e-07)
C4(vmE11<>, $2.505210838544172e-08)
C4(vmE12<>, $2.08767569878681e-09)
C4(vmE13<>, $1.6059043836821613e-10)

// fdlibm's log coefficients: log(1+f) = f - hfsq + s·(hfsq + R(s²)),
// s = f/(2+f).
C4(vmL1<>, $6.666666666666735130e-01)
C4(vmL2<>, $3.999999999940941908e-01)
C4(vmL3<>, $2.857142874366239149e-01)
C4(vmL4<>, $2.222219843214978396e-01)
C4(vmL5<>, $1.818357216161805012e-01)
C4(vmL6<>, $1.531383769920937332e-01)
C4(vmL7<>, $1.479819860511658591e-01)

// func vexpAVX2(dst, src *float64, n int)
//
// dst[i] = e^src[i]: x = k·ln2 + r (k = round(x·log2e), r by Cody–Waite
// with FMA), e^r by its Taylor polynomial of degree 13, then ·2^k1·2^k2
// with k1 = floor(k/2), k2 = k−k1, each a normal power of two, so that
// only the last product rounds (subnormal results and overflow to +Inf
// come out right). x is clamped to [−746, 710] first (exp is 0 or +Inf
// beyond); NaN returns x.
TEXT ·vexpAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $2, CX
	JZ   expdone

exploop:
	VMOVUPD      (SI), Y0
	VMAXPD       vmExpLo<>(SB), Y0, Y1
	VMINPD       vmExpHi<>(SB), Y1, Y1
	VMULPD       vmLog2E<>(SB), Y1, Y2
	VROUNDPD     $0, Y2, Y2                // k
	VFNMADD231PD vmLn2Hi<>(SB), Y2, Y1     // x - k·ln2hi (exact)
	VFNMADD231PD vmLn2Lo<>(SB), Y2, Y1     // r
	VMOVUPD      vmE13<>(SB), Y4
	VFMADD213PD  vmE12<>(SB), Y1, Y4
	VFMADD213PD  vmE11<>(SB), Y1, Y4
	VFMADD213PD  vmE10<>(SB), Y1, Y4
	VFMADD213PD  vmE9<>(SB), Y1, Y4
	VFMADD213PD  vmE8<>(SB), Y1, Y4
	VFMADD213PD  vmE7<>(SB), Y1, Y4
	VFMADD213PD  vmE6<>(SB), Y1, Y4
	VFMADD213PD  vmE5<>(SB), Y1, Y4
	VFMADD213PD  vmE4<>(SB), Y1, Y4
	VFMADD213PD  vmE3<>(SB), Y1, Y4
	VFMADD213PD  vmE2<>(SB), Y1, Y4
	VFMADD213PD  vmOne<>(SB), Y1, Y4
	VFMADD213PD  vmOne<>(SB), Y1, Y4       // e^r
	VMULPD       vmHalf<>(SB), Y2, Y5
	VROUNDPD     $1, Y5, Y5                // k1 = floor(k/2)
	VSUBPD       Y5, Y2, Y6                // k2 = k - k1
	VADDPD       vmMagicExp<>(SB), Y5, Y5
	VPSLLQ       $52, Y5, Y5               // 2^k1
	VADDPD       vmMagicExp<>(SB), Y6, Y6
	VPSLLQ       $52, Y6, Y6               // 2^k2
	VMULPD       Y5, Y4, Y4
	VMULPD       Y6, Y4, Y4
	VCMPPD       $3, Y0, Y0, Y7            // NaN
	VBLENDVPD    Y7, Y0, Y4, Y4
	VMOVUPD      Y4, (DI)
	ADDQ         $32, SI
	ADDQ         $32, DI
	DECQ         CX
	JNZ          exploop

expdone:
	VZEROUPPER
	RET

// LOGMANT splits u (Y1, positive and normal) as 2^k·m, m in
// [sqrt2/2, sqrt2]: k in Y3, f = m−1 in Y4 (exact). Clobbers Y5, Y6.
#define LOGMANT \
	VPSRLQ    $52, Y1, Y3                 \
	VPOR      vmMagic52<>(SB), Y3, Y3     \
	VSUBPD    vmMagic52<>(SB), Y3, Y3     \
	VSUBPD    vmBias<>(SB), Y3, Y3        \
	VANDPD    vmMant<>(SB), Y1, Y4        \
	VORPD     vmOneBits<>(SB), Y4, Y4     \
	VCMPPD    $0x0E, vmSqrt2<>(SB), Y4, Y5 \
	VMULPD    vmHalf<>(SB), Y4, Y6        \
	VBLENDVPD Y5, Y6, Y4, Y4              \
	VANDPD    vmOne<>(SB), Y5, Y5         \
	VADDPD    Y5, Y3, Y3                  \
	VSUBPD    vmOne<>(SB), Y4, Y4

// LOGTAIL sets Y5 = k·ln2 + log(1+f) for k in Y3 and f in Y4, as fdlibm:
// k·ln2hi − ((hfsq − (s·(hfsq+R) + k·ln2lo)) − f). Clobbers Y3, Y6–Y9.
#define LOGTAIL \
	VADDPD      vmTwo<>(SB), Y4, Y5       \
	VDIVPD      Y5, Y4, Y5                \
	VMULPD      Y5, Y5, Y6                \
	VMOVUPD     vmL7<>(SB), Y7            \
	VFMADD213PD vmL6<>(SB), Y6, Y7        \
	VFMADD213PD vmL5<>(SB), Y6, Y7        \
	VFMADD213PD vmL4<>(SB), Y6, Y7        \
	VFMADD213PD vmL3<>(SB), Y6, Y7        \
	VFMADD213PD vmL2<>(SB), Y6, Y7        \
	VFMADD213PD vmL1<>(SB), Y6, Y7        \
	VMULPD      Y6, Y7, Y7                \
	VMULPD      vmHalf<>(SB), Y4, Y8      \
	VMULPD      Y4, Y8, Y8                \
	VADDPD      Y8, Y7, Y7                \
	VMULPD      vmLn2Lo<>(SB), Y3, Y9     \
	VFMADD231PD Y7, Y5, Y9                \
	VSUBPD      Y9, Y8, Y8                \
	VSUBPD      Y4, Y8, Y8                \
	VMULPD      vmLn2Hi<>(SB), Y3, Y3     \
	VSUBPD      Y8, Y3, Y5

// func vlogAVX2(dst, src *float64, n int)
//
// dst[i] = log(src[i]); subnormal inputs are scaled by 2^54 first. As
// Go's math.Log on amd64: +Inf and NaN return x, negative values
// (including −Inf and NaN with the sign bit set) math.NaN(), ±0 −Inf.
TEXT ·vlogAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $2, CX
	JZ   logdone

logloop:
	VMOVUPD   (SI), Y0
	VCMPPD    $1, vmMinNorm<>(SB), Y0, Y2 // x < 2^-1022
	VMULPD    vmTwo54<>(SB), Y0, Y1
	VBLENDVPD Y2, Y1, Y0, Y1
	VANDPD    vm54<>(SB), Y2, Y2
	LOGMANT
	VSUBPD    Y2, Y3, Y3
	LOGTAIL
	VCMPPD    $5, vmPosInf<>(SB), Y0, Y6  // !(x < +Inf): +Inf or NaN
	VBLENDVPD Y6, Y0, Y5, Y5
	VBLENDVPD Y0, vmNaN<>(SB), Y5, Y5     // sign bit set
	VXORPD    Y7, Y7, Y7
	VCMPPD    $0, Y7, Y0, Y6              // ±0
	VBLENDVPD Y6, vmNegInf<>(SB), Y5, Y5
	VMOVUPD   Y5, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	DECQ      CX
	JNZ       logloop

logdone:
	VZEROUPPER
	RET

// func vlog1pAVX2(dst, src *float64, n int)
//
// dst[i] = log(1+src[i]): u = 1+x rounded, its error c = (1+x)−u exactly
// (two-sum), u = 2^k·m as for log, and log(1+x) = k·ln2 + log1p(f') with
// f' = (m−1) + c·2^-k, as fdlibm does. As Go's math.Log1p: x < −1 and NaN
// give math.NaN(), −1 gives −Inf, +Inf +Inf, ±0 return x.
TEXT ·vlog1pAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $2, CX
	JZ   log1pdone

log1ploop:
	VMOVUPD     (SI), Y0
	VADDPD      vmOne<>(SB), Y0, Y1       // u
	VSUBPD      vmOne<>(SB), Y1, Y2       // b' = u - 1
	VSUBPD      Y2, Y1, Y3                // a' = u - b'
	VSUBPD      Y2, Y0, Y2                // x - b'
	VMOVUPD     vmOne<>(SB), Y10
	VSUBPD      Y3, Y10, Y3               // 1 - a'
	VADDPD      Y2, Y3, Y10               // c
	LOGMANT
	VMINPD      vmBias<>(SB), Y3, Y6      // k ≤ 1023 (u = MaxFloat64 gives 1024)
	VMOVUPD     vmMagicExp<>(SB), Y7
	VSUBPD      Y6, Y7, Y6
	VPSLLQ      $52, Y6, Y6               // 2^-k, 0 for k = 1023
	VFMADD231PD Y6, Y10, Y4               // f' = f + c·2^-k
	LOGTAIL
	VXORPD      Y7, Y7, Y7
	VCMPPD      $0, Y7, Y0, Y6            // ±0
	VBLENDVPD   Y6, Y0, Y5, Y5
	VCMPPD      $0, vmPosInf<>(SB), Y0, Y6
	VBLENDVPD   Y6, Y0, Y5, Y5
	VCMPPD      $0, vmNegOne<>(SB), Y0, Y6
	VBLENDVPD   Y6, vmNegInf<>(SB), Y5, Y5
	VCMPPD      $9, vmNegOne<>(SB), Y0, Y6 // !(x >= -1): x < -1 or NaN
	VBLENDVPD   Y6, vmNaN<>(SB), Y5, Y5
	VMOVUPD     Y5, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        CX
	JNZ         log1ploop

log1pdone:
	VZEROUPPER
	RET

// The AVX-512 kernels: the same arithmetic, operation by operation, on
// eight lanes (n a multiple of 8), so that they give the AVX2 kernels'
// values bit for bit. Constants are broadcast from their first copy; only
// AVX-512 Foundation is used (VPANDQ/VPORQ for the bit masks, opmask
// registers for the selections).

// func vexpAVX512(dst, src *float64, n int)
TEXT ·vexpAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   exp512done

exp512loop:
	VMOVUPD           (SI), Z0
	VMAXPD.BCST       vmExpLo<>(SB), Z0, Z1
	VMINPD.BCST       vmExpHi<>(SB), Z1, Z1
	VMULPD.BCST       vmLog2E<>(SB), Z1, Z2
	VRNDSCALEPD       $0, Z2, Z2
	VFNMADD231PD.BCST vmLn2Hi<>(SB), Z2, Z1
	VFNMADD231PD.BCST vmLn2Lo<>(SB), Z2, Z1
	VBROADCASTSD      vmE13<>(SB), Z4
	VFMADD213PD.BCST  vmE12<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE11<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE10<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE9<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE8<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE7<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE6<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE5<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE4<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE3<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmE2<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmOne<>(SB), Z1, Z4
	VFMADD213PD.BCST  vmOne<>(SB), Z1, Z4
	VMULPD.BCST       vmHalf<>(SB), Z2, Z5
	VRNDSCALEPD       $1, Z5, Z5
	VSUBPD            Z5, Z2, Z6
	VADDPD.BCST       vmMagicExp<>(SB), Z5, Z5
	VPSLLQ            $52, Z5, Z5
	VADDPD.BCST       vmMagicExp<>(SB), Z6, Z6
	VPSLLQ            $52, Z6, Z6
	VMULPD            Z5, Z4, Z4
	VMULPD            Z6, Z4, Z4
	VCMPPD            $3, Z0, Z0, K1
	VMOVAPD           Z0, K1, Z4
	VMOVUPD           Z4, (DI)
	ADDQ              $64, SI
	ADDQ              $64, DI
	DECQ              CX
	JNZ               exp512loop

exp512done:
	VZEROUPPER
	RET

// LOGMANT512 is LOGMANT on Z1 → Z3 (k), Z4 (f). Uses K2.
#define LOGMANT512 \
	VPSRLQ      $52, Z1, Z3                   \
	VPORQ.BCST  vmMagic52<>(SB), Z3, Z3       \
	VSUBPD.BCST vmMagic52<>(SB), Z3, Z3       \
	VSUBPD.BCST vmBias<>(SB), Z3, Z3          \
	VPANDQ.BCST vmMant<>(SB), Z1, Z4          \
	VPORQ.BCST  vmOneBits<>(SB), Z4, Z4       \
	VCMPPD.BCST $0x0E, vmSqrt2<>(SB), Z4, K2  \
	VMULPD.BCST vmHalf<>(SB), Z4, K2, Z4      \
	VADDPD.BCST vmOne<>(SB), Z3, K2, Z3       \
	VSUBPD.BCST vmOne<>(SB), Z4, Z4

// LOGTAIL512 is LOGTAIL on Z3 (k), Z4 (f) → Z5.
#define LOGTAIL512 \
	VADDPD.BCST      vmTwo<>(SB), Z4, Z5      \
	VDIVPD           Z5, Z4, Z5               \
	VMULPD           Z5, Z5, Z6               \
	VBROADCASTSD     vmL7<>(SB), Z7           \
	VFMADD213PD.BCST vmL6<>(SB), Z6, Z7       \
	VFMADD213PD.BCST vmL5<>(SB), Z6, Z7       \
	VFMADD213PD.BCST vmL4<>(SB), Z6, Z7       \
	VFMADD213PD.BCST vmL3<>(SB), Z6, Z7       \
	VFMADD213PD.BCST vmL2<>(SB), Z6, Z7       \
	VFMADD213PD.BCST vmL1<>(SB), Z6, Z7       \
	VMULPD           Z6, Z7, Z7               \
	VMULPD.BCST      vmHalf<>(SB), Z4, Z8     \
	VMULPD           Z4, Z8, Z8               \
	VADDPD           Z8, Z7, Z7               \
	VMULPD.BCST      vmLn2Lo<>(SB), Z3, Z9    \
	VFMADD231PD      Z7, Z5, Z9               \
	VSUBPD           Z9, Z8, Z8               \
	VSUBPD           Z4, Z8, Z8               \
	VMULPD.BCST      vmLn2Hi<>(SB), Z3, Z3    \
	VSUBPD           Z8, Z3, Z5

// func vlogAVX512(dst, src *float64, n int)
TEXT ·vlogAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   log512done

log512loop:
	VMOVUPD      (SI), Z0
	VCMPPD.BCST  $1, vmMinNorm<>(SB), Z0, K1
	VMOVAPD      Z0, Z1
	VMULPD.BCST  vmTwo54<>(SB), Z0, K1, Z1
	LOGMANT512
	VSUBPD.BCST  vm54<>(SB), Z3, K1, Z3
	LOGTAIL512
	VCMPPD.BCST  $5, vmPosInf<>(SB), Z0, K2
	VMOVAPD      Z0, K2, Z5
	VPXORQ       Z7, Z7, Z7
	VPCMPQ       $1, Z7, Z0, K3
	VBROADCASTSD vmNaN<>(SB), K3, Z5
	VCMPPD       $0, Z7, Z0, K4
	VBROADCASTSD vmNegInf<>(SB), K4, Z5
	VMOVUPD      Z5, (DI)
	ADDQ         $64, SI
	ADDQ         $64, DI
	DECQ         CX
	JNZ          log512loop

log512done:
	VZEROUPPER
	RET

// func vlog1pAVX512(dst, src *float64, n int)
TEXT ·vlog1pAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX
	JZ   log1p512done

log1p512loop:
	VMOVUPD      (SI), Z0
	VADDPD.BCST  vmOne<>(SB), Z0, Z1
	VSUBPD.BCST  vmOne<>(SB), Z1, Z2
	VSUBPD       Z2, Z1, Z3
	VSUBPD       Z2, Z0, Z2
	VBROADCASTSD vmOne<>(SB), Z10
	VSUBPD       Z3, Z10, Z3
	VADDPD       Z2, Z3, Z10
	LOGMANT512
	VMINPD.BCST  vmBias<>(SB), Z3, Z6
	VBROADCASTSD vmMagicExp<>(SB), Z7
	VSUBPD       Z6, Z7, Z6
	VPSLLQ       $52, Z6, Z6
	VFMADD231PD  Z6, Z10, Z4
	LOGTAIL512
	VPXORQ       Z7, Z7, Z7
	VCMPPD       $0, Z7, Z0, K1
	VMOVAPD      Z0, K1, Z5
	VCMPPD.BCST  $0, vmPosInf<>(SB), Z0, K1
	VMOVAPD      Z0, K1, Z5
	VCMPPD.BCST  $0, vmNegOne<>(SB), Z0, K1
	VBROADCASTSD vmNegInf<>(SB), K1, Z5
	VCMPPD.BCST  $9, vmNegOne<>(SB), Z0, K1
	VBROADCASTSD vmNaN<>(SB), K1, Z5
	VMOVUPD      Z5, (DI)
	ADDQ         $64, SI
	ADDQ         $64, DI
	DECQ         CX
	JNZ          log1p512loop

log1p512done:
	VZEROUPPER
	RET
