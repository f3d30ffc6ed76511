// glibc's vector math library (libmvec, part of libc6): the 4-lane SSE variant of log10f, named by the
// x86-64 Vector Function ABI ("b" = SSE, "N4" = 4 lanes, unmasked, "v" = one vector argument).
// Swift imports the 4-float ext_vector as SIMD4<Float>, passed in one xmm register as that ABI expects.
#ifndef GENRE_MVEC_SHIM_H
#define GENRE_MVEC_SHIM_H

typedef float genre_float4 __attribute__((ext_vector_type(4)));
genre_float4 _ZGVbN4v_log10f(genre_float4 x);

#endif
