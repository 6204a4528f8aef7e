// Element-wise and reduction kernels of la-cuda, compiled by NVRTC once per device and
// element type: the engine puts `#define REAL float` (or double) in front of this file.
// Every argument is a strided 2-D region of m x n elements: element (i, j) is at
// off + i*rs + j*cs. Each kernel walks the region's elements in column-major order
// with a grid-stride loop, so any grid size covers any region.

typedef unsigned long long u64;

#define AT(off, rs, cs, i, j) ((off) + (i) * (rs) + (j) * (cs))
#define FOR_EACH(m, n) \
    for (u64 k = (u64)blockIdx.x * blockDim.x + threadIdx.x; k < (m) * (n); \
         k += (u64)gridDim.x * blockDim.x)

__device__ REAL unary_op(int op, REAL v, REAL a, REAL b, REAL c, REAL d) {
    switch (op) {
    case 0: return v * v;                                   // sqr
    case 1: return (REAL)1 / v;                             // inv
    case 2: return fabs(v);                                 // abs
    case 3: return sqrt(v);                                 // sqrt
    case 4: return exp(v);                                  // exp
    case 5: return log(v);                                  // log
    case 6: return tanh(v);                                 // tanh
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

__device__ REAL binary_op(int op, REAL x, REAL y) {
    switch (op) {
    case 0: return x * y;
    case 1: return x / y;
    case 2: return fmax(x, y);
    case 3: return fmin(x, y);
    case 4: return x + y;
    default: return x - y;
    }
}

extern "C" __global__ void unary(int op, REAL a, REAL b, REAL c, REAL d, u64 m, u64 n,
                                 const REAL* x, u64 xo, u64 xrs, u64 xcs,
                                 REAL* y, u64 yo, u64 yrs, u64 ycs) {
    FOR_EACH(m, n) {
        u64 i = k % m, j = k / m;
        y[AT(yo, yrs, ycs, i, j)] = unary_op(op, x[AT(xo, xrs, xcs, i, j)], a, b, c, d);
    }
}

extern "C" __global__ void binary(int op, u64 m, u64 n,
                                  const REAL* x, u64 xo, u64 xrs, u64 xcs,
                                  const REAL* y, u64 yo, u64 yrs, u64 ycs,
                                  REAL* z, u64 zo, u64 zrs, u64 zcs) {
    FOR_EACH(m, n) {
        u64 i = k % m, j = k / m;
        z[AT(zo, zrs, zcs, i, j)] = binary_op(op, x[AT(xo, xrs, xcs, i, j)], y[AT(yo, yrs, ycs, i, j)]);
    }
}

// y := alpha x + beta y; y is not read when beta == 0.
extern "C" __global__ void axpby(REAL alpha, REAL beta, u64 m, u64 n,
                                 const REAL* x, u64 xo, u64 xrs, u64 xcs,
                                 REAL* y, u64 yo, u64 yrs, u64 ycs) {
    FOR_EACH(m, n) {
        u64 i = k % m, j = k / m;
        u64 p = AT(yo, yrs, ycs, i, j);
        REAL ax = alpha * x[AT(xo, xrs, xcs, i, j)];
        y[p] = beta == (REAL)0 ? ax : ax + beta * y[p];
    }
}

extern "C" __global__ void swap(u64 m, u64 n,
                                REAL* x, u64 xo, u64 xrs, u64 xcs,
                                REAL* y, u64 yo, u64 yrs, u64 ycs) {
    FOR_EACH(m, n) {
        u64 i = k % m, j = k / m;
        u64 p = AT(xo, xrs, xcs, i, j), q = AT(yo, yrs, ycs, i, j);
        REAL t = x[p];
        x[p] = y[q];
        y[q] = t;
    }
}

// y(:, j) := x(:, cols[j]) (mini-batch gathers; cols holds column indices of x).
extern "C" __global__ void gather_cols(u64 m, u64 n, const u64* cols,
                                       const REAL* x, u64 xo, u64 xrs, u64 xcs,
                                       REAL* y, u64 yo, u64 yrs, u64 ycs) {
    FOR_EACH(m, n) {
        u64 i = k % m, j = k / m;
        y[AT(yo, yrs, ycs, i, j)] = x[AT(xo, xrs, xcs, i, cols[j])];
    }
}

// max that propagates NaN (amax of anything with a NaN is NaN, as on every backend).
__device__ REAL nanmax(REAL a, REAL b) {
    return isnan(a) ? a : (isnan(b) ? b : fmax(a, b));
}

#define REDUCE_THREADS 256

// One partial result per block: op 0 sum, 1 asum, 2 sum of squares, 3 amax, 4 dot.
// Launched with REDUCE_THREADS threads per block; the host adds the partials.
extern "C" __global__ void reduce(int op, u64 m, u64 n,
                                  const REAL* x, u64 xo, u64 xrs, u64 xcs,
                                  const REAL* y, u64 yo, u64 yrs, u64 ycs,
                                  REAL* partial) {
    __shared__ REAL scratch[REDUCE_THREADS];
    REAL acc = (REAL)0;
    FOR_EACH(m, n) {
        u64 i = k % m, j = k / m;
        REAL v = x[AT(xo, xrs, xcs, i, j)];
        switch (op) {
        case 0: acc += v; break;
        case 1: acc += fabs(v); break;
        case 2: acc += v * v; break;
        case 3: acc = nanmax(acc, fabs(v)); break;
        default: acc += v * y[AT(yo, yrs, ycs, i, j)]; break;
        }
    }
    unsigned t = threadIdx.x;
    scratch[t] = acc;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) {
            scratch[t] = op == 3 ? nanmax(scratch[t], scratch[t + s]) : scratch[t] + scratch[t + s];
        }
        __syncthreads();
    }
    if (t == 0) {
        partial[blockIdx.x] = scratch[0];
    }
}

// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11):
// a counter-based generator, so element k's numbers depend only on (key, k) and need
// no state. Mirrored on the host by la_cuda::philox4x32_10 (tested against the
// paper's known-answer vectors).
__device__ void philox4x32_10(unsigned ctr[4], unsigned key0, unsigned key1) {
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            key0 += 0x9E3779B9u;
            key1 += 0xBB67AE85u;
        }
        unsigned hi0 = __umulhi(0xD2511F53u, ctr[0]), lo0 = 0xD2511F53u * ctr[0];
        unsigned hi1 = __umulhi(0xCD9E8D57u, ctr[2]), lo1 = 0xCD9E8D57u * ctr[2];
        unsigned c0 = hi1 ^ ctr[1] ^ key0, c2 = hi0 ^ ctr[3] ^ key1;
        ctr[0] = c0;
        ctr[1] = lo1;
        ctr[2] = c2;
        ctr[3] = lo0;
    }
}

// A uniform sample on [0, 1) from two 32-bit words (24 bits for float, 53 for double).
__device__ REAL unit(unsigned a, unsigned b) {
    if (sizeof(REAL) == 4) {
        return (REAL)(a >> 8) * (REAL)5.9604644775390625e-8;   // 2^-24
    }
    return (REAL)((double)(a >> 5) * 67108864.0 + (double)(b >> 6)) * (REAL)1.1102230246251565e-16; // 2^-53
}

// dist 0: uniform on [a, b); 1: normal N(a, b^2) (Box-Muller). Element k (column-major
// position in the region) takes the Philox block of counter (k, 0, 0, 0).
extern "C" __global__ void random(int dist, REAL a, REAL b, u64 seed, u64 m, u64 n,
                                  REAL* x, u64 xo, u64 xrs, u64 xcs) {
    FOR_EACH(m, n) {
        unsigned c[4] = {(unsigned)k, (unsigned)(k >> 32), 0u, 0u};
        philox4x32_10(c, (unsigned)seed, (unsigned)(seed >> 32));
        REAL v;
        if (dist == 0) {
            v = a + (b - a) * unit(c[0], c[1]);
            if (v >= b) v = a;                           // rounding reached the open bound
        } else {
            REAL u1 = (REAL)1 - unit(c[0], c[1]);        // (0, 1]: its log is finite
            REAL u2 = unit(c[2], c[3]);
            v = a + b * sqrt((REAL)-2 * log(u1)) * cospi((REAL)2 * u2);
        }
        x[AT(xo, xrs, xcs, k % m, k / m)] = v;
    }
}
