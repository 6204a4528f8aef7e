// tensor-cudnn's own kernels, for the DNN primitives cuDNN has no single call for
// (or none that fits tensor-core's interface). Compiled by NVRTC once per process and
// device with `#define REAL float|double` in front (la-cuda's compile_cached).

typedef unsigned long long u64;

#define GRID_STRIDE(k, len) \
    for (u64 k = (u64)blockIdx.x * blockDim.x + threadIdx.x; k < (len); \
         k += (u64)gridDim.x * blockDim.x)

// act: 0 none, 1 sigmoid, 2 tanh, 3 relu, 4 elu(alpha)
__device__ REAL activate(int act, REAL v, REAL alpha) {
    switch (act) {
    case 1: return (REAL)1 / ((REAL)1 + exp(-v));
    case 2: return tanh(v);
    case 3: return v > (REAL)0 ? v : (REAL)0;
    case 4: return v > (REAL)0 ? v : alpha * expm1(v);
    default: return v;
    }
}

// f'(z) from a = f(z)
__device__ REAL derivative(int act, REAL a, REAL alpha) {
    switch (act) {
    case 1: return a * ((REAL)1 - a);
    case 2: return (REAL)1 - a * a;
    case 3: return a > (REAL)0 ? (REAL)1 : (REAL)0;
    case 4: return a > (REAL)0 ? (REAL)1 : a + alpha;
    default: return (REAL)1;
    }
}

// y(i, j) := f(y(i, j) + b(i)) over an m x n matrix at y + i*rs + j*cs; b has stride bs.
extern "C" __global__ void bias_activation(int act, REAL alpha, u64 m, u64 n,
                                           const REAL* b, u64 bs,
                                           REAL* y, u64 rs, u64 cs) {
    GRID_STRIDE(k, m * n) {
        u64 i = k % m, j = k / m;
        REAL* p = y + i * rs + j * cs;
        *p = activate(act, *p + b[i * bs], alpha);
    }
}

// d(i, j) := d(i, j) * f'(z) given a(i, j) = f(z).
extern "C" __global__ void activation_grad(int act, REAL alpha, u64 m, u64 n,
                                           const REAL* a, u64 ars, u64 acs,
                                           REAL* d, u64 drs, u64 dcs) {
    GRID_STRIDE(k, m * n) {
        u64 i = k % m, j = k / m;
        REAL* p = d + i * drs + j * dcs;
        *p = *p * derivative(act, a[i * ars + j * acs], alpha);
    }
}

// The input rows (or columns) [lo, hi) of output o's window.
__device__ void window(u64 o, u64 s, u64 p, u64 k, u64 len, u64* lo, u64* hi) {
    long long start = (long long)(o * s) - (long long)p;
    long long end = start + (long long)k;
    *lo = start < 0 ? 0 : (u64)start;
    *hi = end < 0 ? 0 : ((u64)end < len ? (u64)end : len);
}

// Pooling over dense nchw planes (planes = n*c of h x w, outputs oh x ow each).
// algo: 0 max (arg := source position in the plane; ties keep the first in
// row-major order), 1 average including padding, 2 average excluding padding.
extern "C" __global__ void pooling_forward(int algo, u64 planes, u64 h, u64 w,
                                           u64 oh, u64 ow, u64 kh, u64 kw,
                                           u64 sh, u64 sw, u64 ph, u64 pw,
                                           const REAL* x, REAL* y, REAL* arg) {
    GRID_STRIDE(k, planes * oh * ow) {
        u64 plane = k / (oh * ow), o = k % (oh * ow);
        u64 oy = o / ow, ox = o % ow;
        u64 ylo, yhi, xlo, xhi;
        window(oy, sh, ph, kh, h, &ylo, &yhi);
        window(ox, sw, pw, kw, w, &xlo, &xhi);
        const REAL* xp = x + plane * h * w;
        if (algo == 0) {
            u64 best = ylo * w + xlo;
            for (u64 iy = ylo; iy < yhi; iy++)
                for (u64 ix = xlo; ix < xhi; ix++)
                    if (xp[iy * w + ix] > xp[best]) best = iy * w + ix;
            y[k] = xp[best];
            arg[k] = (REAL)best;
        } else {
            REAL sum = (REAL)0;
            for (u64 iy = ylo; iy < yhi; iy++)
                for (u64 ix = xlo; ix < xhi; ix++) sum += xp[iy * w + ix];
            REAL count = algo == 2 ? (REAL)((yhi - ylo) * (xhi - xlo)) : (REAL)(kh * kw);
            y[k] = sum / count;
        }
    }
}

// dx := the pooling's transpose applied to dy, one thread per plane (overlapping
// windows add up in a fixed order: deterministic, no atomics).
extern "C" __global__ void pooling_backward(int algo, u64 planes, u64 h, u64 w,
                                            u64 oh, u64 ow, u64 kh, u64 kw,
                                            u64 sh, u64 sw, u64 ph, u64 pw,
                                            const REAL* dy, const REAL* arg, REAL* dx) {
    GRID_STRIDE(plane, planes) {
        REAL* d = dx + plane * h * w;
        for (u64 i = 0; i < h * w; i++) d[i] = (REAL)0;
        const REAL* g = dy + plane * oh * ow;
        if (algo == 0) {
            const REAL* a = arg + plane * oh * ow;
            for (u64 o = 0; o < oh * ow; o++) {
                u64 src = (u64)a[o];
                if (src < h * w) d[src] += g[o];
            }
        } else {
            for (u64 o = 0; o < oh * ow; o++) {
                u64 ylo, yhi, xlo, xhi;
                window(o / ow, sh, ph, kh, h, &ylo, &yhi);
                window(o % ow, sw, pw, kw, w, &xlo, &xhi);
                REAL count = algo == 2 ? (REAL)((yhi - ylo) * (xhi - xlo)) : (REAL)(kh * kw);
                REAL share = g[o] / count;
                for (u64 iy = ylo; iy < yhi; iy++)
                    for (u64 ix = xlo; ix < xhi; ix++) d[iy * w + ix] += share;
            }
        }
    }
}
