// tensor-opencl's kernels: the DNN primitives and the optimizer update, each one pass.
// Built once per factory by la-opencl's ClProgram with -D REAL=float|double (and
// -D USE_DOUBLE). Matrices are (offset, row stride, column stride) into a buffer.

#ifdef USE_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

// act: 0 none, 1 sigmoid, 2 tanh, 3 relu, 4 elu(alpha)
REAL activate(int act, REAL v, REAL alpha) {
    switch (act) {
    case 1: return (REAL)1 / ((REAL)1 + exp(-v));
    case 2: return isinf(v) ? copysign((REAL)1, v) : tanh(v); // PoCL 3.1: tanh(inf) < 1
    case 3: return v > (REAL)0 ? v : (REAL)0;
    case 4: return v > (REAL)0 ? v : alpha * expm1(v);
    default: return v;
    }
}

// f'(z) from a = f(z)
REAL derivative(int act, REAL a, REAL alpha) {
    switch (act) {
    case 1: return a * ((REAL)1 - a);
    case 2: return (REAL)1 - a * a;
    case 3: return a > (REAL)0 ? (REAL)1 : (REAL)0;
    case 4: return a > (REAL)0 ? (REAL)1 : a + alpha;
    default: return (REAL)1;
    }
}

// sum_p a[p * as] * b[p * bs] for p < k: four independent sums, walked by pointer.
REAL dot_strided(__global const REAL* a, ulong as, __global const REAL* b, ulong bs,
                 ulong k) {
    REAL s0 = (REAL)0, s1 = (REAL)0, s2 = (REAL)0, s3 = (REAL)0;
    ulong p = 0;
    for (; p + 4 <= k; p += 4) {
        s0 += a[0] * b[0];
        s1 += a[as] * b[bs];
        s2 += a[2 * as] * b[2 * bs];
        s3 += a[3 * as] * b[3 * bs];
        a += 4 * as;
        b += 4 * bs;
    }
    for (; p < k; p++) {
        s0 += *a * *b;
        a += as;
        b += bs;
    }
    return (s0 + s1) + (s2 + s3);
}

// A fully connected layer's forward pass for small layers, one work item per output:
// y(i, j) := f(sum_p w(i, p) x(p, j) + b(i)) over an m x n range.
__kernel void fc_forward(ulong k, int act, REAL alpha,
                         __global const REAL* w, ulong wo, ulong wrs, ulong wcs,
                         __global const REAL* x, ulong xo, ulong xrs, ulong xcs,
                         __global const REAL* b, ulong bo, ulong bs,
                         __global REAL* y, ulong yo, ulong yrs, ulong ycs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    REAL z = dot_strided(w + wo + i * wrs, wcs, x + xo + j * xcs, xrs, k);
    y[yo + i * yrs + j * ycs] = activate(act, z + b[bo + i * bs], alpha);
}

// A fully connected layer's parameter gradients for small layers, over an
// m x (k + 1) range: dw(i, j) := alpha sum_p d(i, p) x(j, p) for j < k, and in the
// last column db(i) := alpha sum_p d(i, p).
__kernel void fc_backward_weights(ulong n, ulong k, REAL alpha,
                                  __global const REAL* d, ulong dO, ulong drs, ulong dcs,
                                  __global const REAL* x, ulong xo, ulong xrs, ulong xcs,
                                  __global REAL* dw, ulong wo, ulong wrs, ulong wcs,
                                  __global REAL* db, ulong bo, ulong bs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    __global const REAL* di = d + dO + i * drs;
    if (j < k) {
        dw[wo + i * wrs + j * wcs] = alpha * dot_strided(di, dcs, x + xo + j * xrs, xcs, n);
    } else {
        REAL s = (REAL)0;
        for (ulong p = 0; p < n; p++) {
            s += di[p * dcs];
        }
        db[bo + i * bs] = alpha * s;
    }
}

// y(i, j) := f(y(i, j) + b(i)); work item (i, j) of an m x n range.
__kernel void bias_activation(int act, REAL alpha,
                              __global const REAL* b, ulong bo, ulong bs,
                              __global REAL* y, ulong yo, ulong rs, ulong cs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    __global REAL* p = y + yo + i * rs + j * cs;
    *p = activate(act, *p + b[bo + i * bs], alpha);
}

// d(i, j) := d(i, j) * f'(z) given a(i, j) = f(z).
__kernel void activation_grad(int act, REAL alpha,
                              __global const REAL* a, ulong ao, ulong ars, ulong acs,
                              __global REAL* d, ulong dO, ulong drs, ulong dcs) {
    ulong i = get_global_id(0), j = get_global_id(1);
    __global REAL* p = d + dO + i * drs + j * dcs;
    *p = *p * derivative(act, a[ao + i * ars + j * acs], alpha);
}

// One optimizer update per element (tensor_core::optimizer::FusedUpdate): parameter p,
// gradient g, states s0 and s1 (contiguous, from their offsets); c0..c6 the rule's
// constants, wd the weight decay. rule: 0 gradient descent, 1 momentum, 2 Nesterov,
// 3 Adam, 4 RMSprop. A rule that keeps fewer states gets any buffer for the others.
__kernel void optimizer_update(int rule, REAL wd,
                               REAL c0, REAL c1, REAL c2, REAL c3, REAL c4, REAL c5,
                               REAL c6,
                               __global REAL* p, ulong po, __global const REAL* g, ulong go,
                               __global REAL* s0, ulong s0o, __global REAL* s1, ulong s1o) {
    ulong k = get_global_id(0);
    REAL w = p[po + k];
    REAL gk = g[go + k] + wd * w;
    switch (rule) {
    case 0:
        w = w + c0 * gk;
        break;
    case 1: {
        REAL v = c1 * s0[s0o + k] + c0 * gk;
        s0[s0o + k] = v;
        w = w + v;
        break;
    }
    case 2: {
        REAL v = c1 * s0[s0o + k] + c0 * gk;
        s0[s0o + k] = v;
        w = w + (c1 * v + c0 * gk);
        break;
    }
    case 3: {
        REAL m = c1 * s0[s0o + k] + c0 * gk;
        REAL s = c3 * s1[s1o + k] + c2 * (gk * gk);
        s0[s0o + k] = m;
        s1[s1o + k] = s;
        w = w + c6 * (m / (c4 * sqrt(s) + c5));
        break;
    }
    default: {
        REAL s = c1 * s0[s0o + k] + c0 * (gk * gk);
        s0[s0o + k] = s;
        w = w + c2 * (gk / (sqrt(s) + c3));
        break;
    }
    }
    p[po + k] = w;
}
