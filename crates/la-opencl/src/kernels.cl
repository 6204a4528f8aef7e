// Element-wise and reduction kernels for la-opencl, compiled once per factory with
// -D REAL=float or -D REAL=double (plus -D USE_DOUBLE). Every argument is a strided
// 2-D region: element (i, j) is at off + i*rs + j*cs; work item (i, j) handles it.
#ifdef USE_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

#define AT(off, rs, cs, i, j) ((off) + (i) * (rs) + (j) * (cs))

inline REAL unary_op(int op, REAL v, REAL a, REAL b, REAL c, REAL d) {
    switch (op) {
    case 0: return v * v;                                   // sqr
    case 1: return (REAL)1 / v;                             // inv
    case 2: return fabs(v);                                 // abs
    case 3: return sqrt(v);                                 // sqrt
    case 4: return exp(v);                                  // exp
    case 5: return log(v);                                  // log
    case 6: return isinf(v) ? copysign((REAL)1, v) : tanh(v); // tanh (PoCL 3.1: tanh(inf) < 1)
    case 7: return (REAL)1 / ((REAL)1 + exp(-v));           // sigmoid
    case 8: return v > (REAL)0 ? v : (REAL)0;               // relu
    case 9: return v > (REAL)0 ? v : a * expm1(v);          // elu
    case 10: return (a * v + b) / (c * v + d);              // linear_frac
    case 11: return pow(v, a);                              // pow
    case 12: return round(v);                               // round (half away from zero)
    case 13: return v > (REAL)0 ? (REAL)1 : (REAL)0;        // step
    case 14: return a * v;                                  // scal
    case 15: return a;                                      // fill
    default: return v;                                      // copy
    }
}

inline REAL binary_op(int op, REAL x, REAL y) {
    switch (op) {
    case 0: return x * y;
    case 1: return x / y;
    case 2: return fmax(x, y);
    case 3: return fmin(x, y);
    case 4: return x + y;
    default: return x - y;
    }
}

__kernel void unary(int op, REAL a, REAL b, REAL c, REAL d,
                    __global const REAL* x, ulong xo, ulong xrs, ulong xcs,
                    __global REAL* y, ulong yo, ulong yrs, ulong ycs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    y[AT(yo, yrs, ycs, i, j)] = unary_op(op, x[AT(xo, xrs, xcs, i, j)], a, b, c, d);
}

__kernel void binary(int op,
                     __global const REAL* x, ulong xo, ulong xrs, ulong xcs,
                     __global const REAL* y, ulong yo, ulong yrs, ulong ycs,
                     __global REAL* z, ulong zo, ulong zrs, ulong zcs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    z[AT(zo, zrs, zcs, i, j)] = binary_op(op, x[AT(xo, xrs, xcs, i, j)], y[AT(yo, yrs, ycs, i, j)]);
}

// y := alpha x + beta y; y is not read when beta == 0.
__kernel void axpby(REAL alpha, REAL beta,
                    __global const REAL* x, ulong xo, ulong xrs, ulong xcs,
                    __global REAL* y, ulong yo, ulong yrs, ulong ycs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    ulong k = AT(yo, yrs, ycs, i, j);
    REAL ax = alpha * x[AT(xo, xrs, xcs, i, j)];
    y[k] = beta == (REAL)0 ? ax : ax + beta * y[k];
}

__kernel void swap(__global REAL* x, ulong xo, ulong xrs, ulong xcs,
                   __global REAL* y, ulong yo, ulong yrs, ulong ycs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    ulong p = AT(xo, xrs, xcs, i, j), q = AT(yo, yrs, ycs, i, j);
    REAL t = x[p];
    x[p] = y[q];
    y[q] = t;
}

// Small products (launch-bound: CLBlast's host-side set-up costs ~10x a launch of these).
// c := alpha a b + beta c, a m x k, b k x n (any strides, so any layout or transpose);
// work item (i, j) computes c(i, j); c is not read when beta == 0.
__kernel void gemm_small(ulong k, REAL alpha, REAL beta,
                         __global const REAL* a, ulong ao, ulong ars, ulong acs,
                         __global const REAL* b, ulong bo, ulong brs, ulong bcs,
                         __global REAL* c, ulong co, ulong crs, ulong ccs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    // Walk row i of a and column j of b by pointer, four independent sums at a time:
    // no index multiplications and no single dependency chain in the loop.
    __global const REAL* pa = a + ao + i * ars;
    __global const REAL* pb = b + bo + j * bcs;
    REAL s0 = (REAL)0, s1 = (REAL)0, s2 = (REAL)0, s3 = (REAL)0;
    ulong p = 0;
    for (; p + 4 <= k; p += 4) {
        s0 += pa[0] * pb[0];
        s1 += pa[acs] * pb[brs];
        s2 += pa[2 * acs] * pb[2 * brs];
        s3 += pa[3 * acs] * pb[3 * brs];
        pa += 4 * acs;
        pb += 4 * brs;
    }
    for (; p < k; p++) {
        s0 += *pa * *pb;
        pa += acs;
        pb += brs;
    }
    REAL acc = (s0 + s1) + (s2 + s3);
    ulong q = AT(co, crs, ccs, i, j);
    c[q] = beta == (REAL)0 ? alpha * acc : alpha * acc + beta * c[q];
}

// a := alpha x y^T + a (x and y are vectors: element i at offset + i * stride).
__kernel void ger_small(REAL alpha,
                        __global const REAL* x, ulong xo, ulong xs,
                        __global const REAL* y, ulong yo, ulong ys,
                        __global REAL* a, ulong ao, ulong ars, ulong acs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    a[AT(ao, ars, acs, i, j)] += alpha * x[xo + i * xs] * y[yo + j * ys];
}

// y(:, k) := x(:, cols[k]) (mini-batch gathers; cols holds column indices of x).
__kernel void gather_cols(__global const ulong* cols,
                          __global const REAL* x, ulong xo, ulong xrs, ulong xcs,
                          __global REAL* y, ulong yo, ulong yrs, ulong ycs) {
    ulong i = get_global_id(0), k = get_global_id(1);
    y[AT(yo, yrs, ycs, i, k)] = x[AT(xo, xrs, xcs, i, cols[k])];
}

// fmax that propagates NaN (amax of anything with a NaN is NaN, as on the other backends).
#define NANMAX(a, b) (isnan(a) ? (a) : (isnan(b) ? (b) : fmax((a), (b))))

// One partial result per work group: op 0 sum, 1 asum, 2 sum of squares, 3 amax, 4 dot.
__kernel void reduce(int op, ulong m, ulong n,
                     __global const REAL* x, ulong xo, ulong xrs, ulong xcs,
                     __global const REAL* y, ulong yo, ulong yrs, ulong ycs,
                     __global REAL* partial, __local REAL* scratch) {
    ulong gid = get_global_id(0), gsz = get_global_size(0);
    size_t lid = get_local_id(0);
    REAL acc = (REAL)0;
    for (ulong k = gid; k < m * n; k += gsz) {
        ulong i = k % m, j = k / m;
        REAL v = x[AT(xo, xrs, xcs, i, j)];
        switch (op) {
        case 0: acc += v; break;
        case 1: acc += fabs(v); break;
        case 2: acc += v * v; break;
        case 3: acc = NANMAX(acc, fabs(v)); break;
        default: acc += v * y[AT(yo, yrs, ycs, i, j)]; break;
        }
    }
    scratch[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (size_t s = get_local_size(0) / 2; s > 0; s >>= 1) {
        if (lid < s) {
            scratch[lid] = op == 3 ? NANMAX(scratch[lid], scratch[lid + s]) : scratch[lid] + scratch[lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        partial[get_group_id(0)] = scratch[0];
    }
}

// Philox4x32-10 (Salmon et al., SC'11), as la-core's philox4x32_10 on the host: element
// k (column-major position in the region) takes the block of counter (k, k >> 32, 0, 0)
// under the key (seed, seed >> 32). dist 0: uniform on [a, b); 1: normal N(a, b^2).
inline void philox4x32_10(uint* c, uint k0, uint k1) {
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        uint hi0 = mul_hi(0xD2511F53u, c[0]), lo0 = 0xD2511F53u * c[0];
        uint hi1 = mul_hi(0xCD9E8D57u, c[2]), lo1 = 0xCD9E8D57u * c[2];
        uint c0 = hi1 ^ c[1] ^ k0, c2 = hi0 ^ c[3] ^ k1;
        c[0] = c0;
        c[1] = lo1;
        c[2] = c2;
        c[3] = lo0;
    }
}

// A uniform sample on [0, 1) from two words (24 bits for float, 53 for double).
inline REAL unit(uint a, uint b) {
#ifdef USE_DOUBLE
    return ((double)(a >> 5) * 67108864.0 + (double)(b >> 6)) * 1.1102230246251565e-16;
#else
    return (float)(a >> 8) * 5.9604644775390625e-8f;
#endif
}

__kernel void random(int dist, REAL a, REAL b, ulong seed, ulong m,
                     __global REAL* x, ulong xo, ulong xrs, ulong xcs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    ulong k = i + j * m;
    uint c[4] = {(uint)k, (uint)(k >> 32), 0u, 0u};
    philox4x32_10(c, (uint)seed, (uint)(seed >> 32));
    REAL v;
    if (dist == 0) {
        v = a + (b - a) * unit(c[0], c[1]);
        if (v >= b) v = a;
    } else {
        REAL u1 = (REAL)1 - unit(c[0], c[1]);
        REAL u2 = unit(c[2], c[3]);
        v = a + b * sqrt((REAL)-2 * log(u1)) * cospi((REAL)2 * u2);
    }
    x[AT(xo, xrs, xcs, i, j)] = v;
}
