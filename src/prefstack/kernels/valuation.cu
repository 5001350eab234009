// The GPU path of the least-squares Monte Carlo (docs/valuation.md, "The GPU path"): the kernels that
// prefstack.kernels.gpu launches. One source for two compilers:
//   - NVRTC, through CuPy, on an NVIDIA GPU (prefstack value --engine gpu);
//   - a C++ compiler on the CPU (the tests: tests/kernels/test_valuation_gpu.py), with threadIdx,
//     blockIdx, blockDim and gridDim standing for one thread of one block, so that each kernel's
//     grid-stride loop runs every index in one call.
// A kernel is a grid-stride loop over independent indices, or over blocks of them (PS_BLOCKS) whose
// threads add their figures in shared memory in a fixed order (ps_block_sum): no sum is taken by
// atomic additions (the one atomic is ps_pilot_date's ticket, which picks the block that adds the
// others' sums, in block order), so a kernel's output does not depend on the order its threads run in. On the CPU a block is one
// thread, so the host code reads a block's size from its device (prefstack.kernels.gpu.KernelDevice).
//
// The normals: Philox4x64-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", 2011;
// NumPy's numpy.random.Philox is the same function, which the tests check), counter-based: the
// normals of pair k at dates 4b..4b+3 are the Box-Muller transform of the block (k, b, 0, 0) under
// the chunk's key (two 64-bit words of the chunk's SeedSequence), so a path's normals depend on its
// seed and index alone.

typedef unsigned long long ps_u64;

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define PS_MULHI64(a, b) __umul64hi((a), (b))
#define PS_LOAD_FROM_L2(p) __ldcg(p)
#define PS_FENCE() __threadfence()
#define PS_TICKET(counter) atomicAdd((counter), 1u)
#else  // one thread of one block: no other thread to see or to wait for
#define PS_MULHI64(a, b) ((ps_u64)(((unsigned __int128)(a) * (unsigned __int128)(b)) >> 64))
#define PS_LOAD_FROM_L2(p) (*(p))
#define PS_FENCE() ((void)0)
#define PS_TICKET(counter) ((*(counter))++)
#endif

#define PS_TWO_PI 6.283185307179586
#define PS_TWO_TO_MINUS_53 1.1102230246251565e-16
#define PS_MAX_INTERVALS 2
#define PS_SUMS 11

#define PS_GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (long long)blockDim.x * gridDim.x)
// The blocks b of `threads` indices (a multiple of blockDim.x), each thread at index i of its block.
#define PS_BLOCKS(b, i, threads)                                                                       \
    for (long long b = blockIdx.x; b < (threads) / blockDim.x; b += gridDim.x)                         \
        for (long long i = b * blockDim.x + threadIdx.x, once_##b = 0; once_##b < 1; ++once_##b)
#define PS_MAX_BLOCK 256

// The sums over a block of its threads' n figures (values[m] of each): thread 0 gets them in values
// (the other threads' are spent), added pairwise in a fixed order; every thread of the block calls it.
__device__ void ps_block_sum(double* values, int n, double (*shared)[PS_MAX_BLOCK]) {
    for (int m = 0; m < n; ++m) shared[m][threadIdx.x] = values[m];
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) {
            for (int m = 0; m < n; ++m) shared[m][threadIdx.x] += shared[m][threadIdx.x + stride];
        }
        __syncthreads();
    }
    for (int m = 0; m < n; ++m) values[m] = shared[m][0];
    __syncthreads();  // the shared sums read before the next block's write them
}

// Philox4x64-10 of the counter c under the key (k0, k1), in place.
__device__ __forceinline__ void ps_philox(ps_u64 c[4], ps_u64 k0, ps_u64 k1) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) {
            k0 += 0x9E3779B97F4A7C15ULL;
            k1 += 0xBB67AE8584CAA73BULL;
        }
        ps_u64 hi0 = PS_MULHI64(0xD2E7470EE14C6C93ULL, c[0]);
        ps_u64 lo0 = 0xD2E7470EE14C6C93ULL * c[0];
        ps_u64 hi1 = PS_MULHI64(0xCA5A826395121157ULL, c[2]);
        ps_u64 lo1 = 0xCA5A826395121157ULL * c[2];
        ps_u64 c1 = c[1], c3 = c[3];
        c[0] = hi1 ^ c1 ^ k0;
        c[1] = lo1;
        c[2] = hi0 ^ c3 ^ k1;
        c[3] = lo0;
    }
}

// Four standard normals: the block (k, b, 0, 0) under the key, two Box-Muller pairs of its words
// (u1 in (0, 1], u2 in [0, 1), 53 bits each).
__device__ __forceinline__ void ps_normals(ps_u64 k, ps_u64 b, ps_u64 k0, ps_u64 k1, double z[4]) {
    ps_u64 c[4] = {k, b, 0ULL, 0ULL};
    ps_philox(c, k0, k1);
    for (int h = 0; h < 2; ++h) {
        double u1 = (double)((c[2 * h] >> 11) + 1ULL) * PS_TWO_TO_MINUS_53;
        double u2 = (double)(c[2 * h + 1] >> 11) * PS_TWO_TO_MINUS_53;
        double r = sqrt(-2.0 * log(u1));
        z[2 * h] = r * cos(PS_TWO_PI * u2);
        z[2 * h + 1] = r * sin(PS_TWO_PI * u2);
    }
}

// Whether the stock price s is in one of the n intervals (low, high] (either bound may be infinite).
__device__ __forceinline__ int ps_inside(double s, int n, const double* low, const double* high) {
    for (int m = 0; m < n; ++m) {
        if (s > low[m] && s <= high[m]) return 1;
    }
    return 0;
}

// Philox4x64-10's words for each of n counters (4 words each) under the key: the generator, for the tests.
extern "C" __global__ void ps_philox_words(ps_u64 k0, ps_u64 k1, long long n, const ps_u64* counters, ps_u64* out) {
    PS_GRID_STRIDE(i, n) {
        ps_u64 c[4] = {counters[4 * i], counters[4 * i + 1], counters[4 * i + 2], counters[4 * i + 3]};
        ps_philox(c, k0, k1);
        for (int w = 0; w < 4; ++w) out[4 * i + w] = c[w];
    }
}

// The pilot run's paths: for pair k (of `pairs`), the log stock price at each date of the path from
// the normals Z and of its antithetic twin from -Z, at logs[j * 2 pairs + k] and logs[j * 2 pairs +
// pairs + k].
extern "C" __global__ void ps_pilot_paths(ps_u64 k0, ps_u64 k1, long long pairs, int steps, double log_spot,
                                          const double* drift, const double* deviation, double* logs) {
    PS_GRID_STRIDE(k, pairs) {
        double up = log_spot, down = log_spot, z[4];
        for (int b = 0; 4 * b < steps; ++b) {  // four dates to a block of normals (unrolled: z in registers)
            ps_normals((ps_u64)k, (ps_u64)b, k0, k1, z);
#pragma unroll
            for (int q = 0; q < 4; ++q) {
                int j = 4 * b + q;
                if (j >= steps) break;
                double shock = deviation[j] * z[q];
                up += drift[j] + shock;
                down += drift[j] - shock;
                logs[(long long)j * 2 * pairs + k] = up;
                logs[(long long)j * 2 * pairs + pairs + k] = down;
            }
        }
    }
}

// The polynomial g (highest power first, `degree` + 1 coefficients) at x, by Horner's rule.
__device__ __forceinline__ double ps_polyval(const double* g, int degree, double x) {
    double value = g[0];
    for (int m = 1; m <= degree; ++m) value = value * x + g[m];
    return value;
}

// The sign of the polynomial g of degree `degree` (leading coefficient g[0] not 0) towards -inf (side -1)
// or +inf (side +1).
__device__ __forceinline__ int ps_end_sign(const double* g, int degree, int side) {
    int sign = g[0] > 0 ? 1 : -1;
    return (degree % 2 == 1 && side < 0) ? -sign : sign;
}

__device__ __forceinline__ int ps_sign(double v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }

// The root of g in [a, b], where g is monotone and g(a) has the sign sa and g(b) the other (neither 0):
// Newton's steps from the middle, kept inside the bracket (a step that leaves it is a bisection), until a
// step moves less than a few units of the last place.
__device__ double ps_root(const double* g, int degree, double a, double b, int sa) {
    double x = 0.5 * (a + b);
    for (int it = 0; it < 2200; ++it) {
        double value = g[0], slope = 0.0;
        for (int m = 1; m <= degree; ++m) {
            slope = slope * x + value;
            value = value * x + g[m];
        }
        int sx = ps_sign(value);
        if (sx == 0) return x;
        if (sx == sa) a = x; else b = x;
        double mid = 0.5 * (a + b);
        if (mid <= a || mid >= b) return x;  // the bracket is two neighbouring doubles
        double next = x - value / slope;
        if (!(next > a && next < b)) next = mid;  // also where the slope is 0 (an infinity or a NaN)
        if (fabs(next - x) <= 4e-16 * fabs(x)) return next;
        x = next;
    }
    return x;
}

// The real roots of g (degree 1 to 3, g[0] not 0), ascending: each is bracketed on a stretch where g is
// monotone (between the real roots of its derivative) and found there (ps_root). Returns how many.
__device__ int ps_real_roots(const double* g, int degree, double* roots) {
    double knots[2];
    int critical = 0;
    if (degree == 2) {
        knots[critical++] = -g[1] / (2.0 * g[0]);
    } else if (degree == 3) {  // g' = 3 g0 x^2 + 2 g1 x + g2: its roots, the stable way
        double a = 3.0 * g[0], b = 2.0 * g[1], c = g[2];
        double disc = b * b - 4.0 * a * c;
        if (disc > 0) {
            double q = -0.5 * (b + (b >= 0 ? sqrt(disc) : -sqrt(disc)));
            double r1 = q / a, r2 = q != 0 ? c / q : -r1;
            knots[0] = r1 < r2 ? r1 : r2;
            knots[1] = r1 < r2 ? r2 : r1;
            critical = knots[0] < knots[1] ? 2 : 1;
        }
    }
    int found = 0;
    // the stretches (-inf, k0], [k0, k1], ..., [k_last, inf); an infinite end is pushed out until g has
    // the sign it has at that infinity
    for (int stretch = 0; stretch <= critical; ++stretch) {
        int from_left = stretch == 0, to_right = stretch == critical;
        double a = from_left ? 0.0 : knots[stretch - 1], b = to_right ? 0.0 : knots[stretch];
        if (from_left && to_right) {
            a = -1.0;
            b = 1.0;
        }
        int want_a = from_left ? ps_end_sign(g, degree, -1) : 0, want_b = to_right ? ps_end_sign(g, degree, 1) : 0;
        if (from_left) {
            double step = 1.0;
            if (!to_right) a = b - step;
            while (ps_sign(ps_polyval(g, degree, a)) != want_a && step < 1e300) {
                step *= 2.0;
                a = (to_right ? 0.0 : b) - step;
            }
        }
        if (to_right) {
            double step = 1.0;
            if (!from_left) b = a + step;
            while (ps_sign(ps_polyval(g, degree, b)) != want_b && step < 1e300) {
                step *= 2.0;
                b = (from_left ? 0.0 : a) + step;
            }
        }
        int sa = ps_sign(ps_polyval(g, degree, a)), sb = ps_sign(ps_polyval(g, degree, b));
        if (sa == 0) {
            if (found == 0 || roots[found - 1] != a) roots[found++] = a;
        } else if (sb != 0 && sa != sb) {
            roots[found++] = ps_root(g, degree, a, b, sa);
        }
        if (sb == 0 && to_right) roots[found++] = b;
    }
    return found;
}

// The intervals of the stock price spot0 x where the polynomial gap (highest power first, 4
// coefficients) of x is positive: between its real roots, a bounded stretch tested at its middle (as
// the host's _positive_intervals does) and an unbounded one by the polynomial's sign at that infinity.
// The coefficients are first divided by the largest's magnitude (no overflow in the roots'
// arithmetic), and a leading one below 1e-250 of it taken as 0 (its roots lie beyond any price).
// Writes up to PS_MAX_INTERVALS; returns how many (-2: more; -3: a coefficient is not finite).
__device__ int ps_positive_intervals(const double* gap, double spot0, double infinity, double* low, double* high) {
    double largest = 0.0, g[4];
    for (int m = 0; m < 4; ++m) {
        if (!(gap[m] - gap[m] == 0.0)) return -3;  // an infinity or a NaN
        largest = fmax(largest, fabs(gap[m]));
    }
    for (int m = 0; m < 4; ++m) g[m] = largest > 0.0 ? gap[m] / largest : 0.0;
    int lead = 0;
    while (lead < 3 && fabs(g[lead]) < 1e-250) ++lead;
    int degree = 3 - lead;
    const double* poly = g + lead;
    double roots[3];
    int found = degree > 0 ? ps_real_roots(poly, degree, roots) : 0;
    double edges[5];
    edges[0] = -infinity;
    for (int m = 0; m < found; ++m) edges[m + 1] = spot0 * roots[m];
    edges[found + 1] = infinity;
    int n = 0;
    for (int m = 0; m <= found; ++m) {
        double a = edges[m], b = edges[m + 1];
        if (a == b) continue;
        int positive;
        if (a > -infinity && b < infinity) positive = ps_polyval(poly, degree, 0.5 * (a + b) / spot0) > 0;
        else if (degree == 0) positive = poly[0] > 0;
        else if (a > -infinity || b == infinity) positive = ps_end_sign(poly, degree, 1) > 0;  // (a, inf) or no root
        else positive = ps_end_sign(poly, degree, -1) > 0;  // (-inf, b)
        if (positive) {
            if (n == PS_MAX_INTERVALS) return -2;
            low[n] = a;
            high[n] = b;
            ++n;
        }
    }
    return n;
}

// ps_positive_intervals of n polynomials (4 coefficients each, highest power first), for the tests: how
// many intervals at count[i] (-2: more than PS_MAX_INTERVALS; -3: not finite) and their bounds at
// (low, high)[2i ..].
extern "C" __global__ void ps_positive_intervals_of(long long n, const double* gaps, double spot0, double infinity,
                                                    int* count, double* low, double* high) {
    PS_GRID_STRIDE(i, n) {
        count[i] = ps_positive_intervals(gaps + 4 * i, spot0, infinity, low + PS_MAX_INTERVALS * i,
                                         high + PS_MAX_INTERVALS * i);
    }
}

// Where the holder converts on a date, from the sums s of the regression's terms over the competing
// paths (x^0 .. x^6, held x^0 .. held x^3), written at count[date] and (low, high)[2 date ..]:
//   - nowhere where no path competes, or, before maturity, four or fewer (too few to regress on);
//   - at maturity (`last`), above the threshold;
//   - else where conversion (affine in x) beats the cubic fitted to the value of holding on, found by
//     the normal equations (Gaussian elimination, partial pivoting); -1 where they are singular, -3
//     where their solution is not finite; where `lowest` is above the threshold (the next-date bound:
//     converting at or below it is never optimal), the intervals cut at `lowest` (the host's
//     conversion_region).
__device__ void ps_decide(const double* s, int date, int last, double threshold, double lowest, double units,
                          double cash, double grow, double spot0, double infinity, int* count, double* low,
                          double* high) {
    double* lo = low + PS_MAX_INTERVALS * date;
    double* hi = high + PS_MAX_INTERVALS * date;
    if (s[0] == 0 || (!last && s[0] <= 4)) {
        count[date] = 0;
        return;
    }
    if (last) {
        lo[0] = threshold;
        hi[0] = infinity;
        count[date] = 1;
        return;
    }
    // unrolled, so that the matrix stays in registers: partial pivoting by comparing the column's
    // diagonal with each row below it in turn and swapping where that row's is larger in magnitude
    double a[4][4], b[4];
#pragma unroll
    for (int r = 0; r < 4; ++r) {
#pragma unroll
        for (int c = 0; c < 4; ++c) a[r][c] = s[r + c];
        b[r] = s[7 + r];
    }
#pragma unroll
    for (int col = 0; col < 4; ++col) {
#pragma unroll
        for (int r = col + 1; r < 4; ++r) {
            if (fabs(a[r][col]) > fabs(a[col][col])) {
#pragma unroll
                for (int c = 0; c < 4; ++c) {
                    double swap = a[col][c];
                    a[col][c] = a[r][c];
                    a[r][c] = swap;
                }
                double swap = b[col];
                b[col] = b[r];
                b[r] = swap;
            }
        }
        if (a[col][col] == 0.0) {
            count[date] = -1;
            return;
        }
#pragma unroll
        for (int r = col + 1; r < 4; ++r) {
            double f = a[r][col] / a[col][col];
#pragma unroll
            for (int c = 0; c < 4; ++c) a[r][c] -= f * a[col][c];
            b[r] -= f * b[col];
        }
    }
    double coef[4];
#pragma unroll
    for (int r = 3; r >= 0; --r) {
        double v = b[r];
#pragma unroll
        for (int c = r + 1; c < 4; ++c) v -= a[r][c] * coef[c];
        coef[r] = v / a[r][r];
    }
    double gap[4] = {-coef[3], -coef[2], units * spot0 * grow - coef[1], cash * grow - coef[0]};
    int found = ps_positive_intervals(gap, spot0, infinity, lo, hi);
    if (found > 0 && lowest > threshold) {  // the next-date bound: no conversion at or below `lowest`
        int kept = 0;
        for (int m = 0; m < found; ++m) {
            if (hi[m] > lowest) {
                lo[kept] = lo[m] > lowest ? lo[m] : lowest;
                hi[kept] = hi[m];
                ++kept;
            }
        }
        found = kept;
    }
    count[date] = found;
}

// The figures of a date of the pilot run (row `date` of PS_DATE_FIGURES at figures[PS_DATE_FIGURES date]).
#define PS_DATE_FIGURES 8
#define PS_LOG_THRESHOLD 0
#define PS_THRESHOLD 1
#define PS_UNITS 2
#define PS_CASH 3
#define PS_GROW 4
#define PS_RECEIVED 5
#define PS_CLAIM 6
#define PS_LOWEST 7

// One date of the pilot run's backward induction, over its `paths` paths, on `threads` threads (index
// t takes the paths t, t + threads, ...: neighbouring threads read neighbouring paths), one launch a
// date going back from maturity:
//   - apply: where the path's log price at date `apply_date` (the date decided by the launch before;
//     none: -1) is above that date's log threshold and its price in one of its count[apply_date]
//     intervals (low, high)[2 apply_date ..], the path converts there: its present value pv becomes
//     (price x units + cash) x grow + received;
//   - sum: over the paths whose log price at `date` is above its log threshold (the paths where
//     conversion competes), with x = price / spot0 and held the value of holding on (pv - received,
//     or the claim where the path holds it: pv < 0), the terms of the regression's normal equations,
//     x^0 .. x^6 and held x^0 .. held x^3, each block's sums at partials[m * blocks + b];
//   - decide: the last block to finish (its ticket of `counter` the last) adds the blocks' sums in
//     block order and decides where the holder converts on `date` (ps_decide), then sets the counter
//     back to 0 for the next launch.
extern "C" __global__ void ps_pilot_date(const double* logs, long long paths, long long threads, double* pv,
                                         const double* figures, int apply_date, int date, int last, double spot0,
                                         double infinity, int* count, double* low, double* high, double* partials,
                                         unsigned* counter) {
    __shared__ double shared[PS_SUMS][PS_MAX_BLOCK];
    __shared__ int deciding;
    int intervals = apply_date >= 0 ? count[apply_date] : 0;
    const double* applied = figures + PS_DATE_FIGURES * (apply_date >= 0 ? apply_date : 0);
    const double* lo = low + PS_MAX_INTERVALS * (apply_date >= 0 ? apply_date : 0);
    const double* hi = high + PS_MAX_INTERVALS * (apply_date >= 0 ? apply_date : 0);
    const double* summed = figures + PS_DATE_FIGURES * date;
    long long blocks = threads / blockDim.x;
    PS_BLOCKS(b, t, threads) {
        double sums[PS_SUMS];
        for (int m = 0; m < PS_SUMS; ++m) sums[m] = 0.0;
        for (long long p = t; p < paths; p += threads) {
            if (intervals > 0) {
                double lg = logs[(long long)apply_date * paths + p];
                if (lg > applied[PS_LOG_THRESHOLD]) {
                    double s = exp(lg);
                    if (ps_inside(s, intervals, lo, hi)) {
                        pv[p] = (s * applied[PS_UNITS] + applied[PS_CASH]) * applied[PS_GROW] + applied[PS_RECEIVED];
                    }
                }
            }
            double lg = logs[(long long)date * paths + p];
            if (lg > summed[PS_LOG_THRESHOLD]) {
                double x = exp(lg) / spot0;
                double held = pv[p] < 0 ? summed[PS_CLAIM] : pv[p] - summed[PS_RECEIVED];
                double power = 1.0;
                for (int m = 0; m < 7; ++m) {
                    sums[m] += power;
                    if (m < 4) sums[7 + m] += held * power;
                    power *= x;
                }
            }
        }
        ps_block_sum(sums, PS_SUMS, shared);
        if (threadIdx.x == 0) {
            for (int m = 0; m < PS_SUMS; ++m) partials[(long long)m * blocks + b] = sums[m];
        }
    }
    if (threadIdx.x == 0) {
        PS_FENCE();  // this block's sums seen by every block before its ticket is
        deciding = PS_TICKET(counter) == gridDim.x - 1;
    }
    __syncthreads();
    if (!deciding) return;
    PS_FENCE();  // and the other blocks' sums seen here after their tickets
    double s[PS_SUMS];
    for (int m = 0; m < PS_SUMS; ++m) s[m] = 0.0;
    for (long long t = threadIdx.x; t < blocks; t += blockDim.x) {
        for (int m = 0; m < PS_SUMS; ++m) s[m] += PS_LOAD_FROM_L2(partials + (long long)m * blocks + t);
    }
    ps_block_sum(s, PS_SUMS, shared);
    if (threadIdx.x != 0) return;
    ps_decide(s, date, last, summed[PS_THRESHOLD], summed[PS_LOWEST], summed[PS_UNITS], summed[PS_CASH],
              summed[PS_GROW], spot0, infinity, count, low, high);
    *counter = 0;
}

// The chunks' paths priced under a policy: index i is pair i % slot of chunk i / slot (key
// keys[2c], keys[2c + 1], sizes[c] pairs; the indices past a chunk's size write zeros). A pair's two
// paths (from Z and -Z) go forward date by date and convert at the first date j whose policy has
// intervals (count[j] > 0), where the log price is above log_threshold[j] and the price in one of
// the intervals (low, high)[2j .. 2j + count[j]); a path that never converts holds the claim, worth
// claim0. A pair's figures: its mean present value and its square, how many of its paths hold, its
// likelihood-ratio gamma (the pair's present values less claim0 x the weight of the first date's
// normal, x gamma_scale) and its square; their sums over block b at out[r * blocks + b], r = 0 .. 4
// (`slot` is a multiple of the block's size, so a block's pairs are of one chunk).
extern "C" __global__ void ps_price_pairs(const ps_u64* keys, const long long* sizes, long long slot,
                                          long long threads, int steps, double log_spot, const double* drift,
                                          const double* deviation, const int* count, const double* log_threshold,
                                          const double* low, const double* high, const double* units,
                                          const double* cash, const double* grow, const double* received,
                                          double claim0, double sd0, double gamma_scale, double* out) {
    __shared__ double shared[5][PS_MAX_BLOCK];
    long long blocks = threads / blockDim.x;
    PS_BLOCKS(b, i, threads) {
        long long c = i / slot, k = i % slot;
        double figures[5] = {0.0, 0.0, 0.0, 0.0, 0.0};  // the padding past a chunk's pairs adds nothing
        if (k < sizes[c]) {
            ps_u64 k0 = keys[2 * c], k1 = keys[2 * c + 1];
            double up = log_spot, down = log_spot, z[4], first = 0.0, pv_up = claim0, pv_down = claim0;
            int done_up = 0, done_down = 0;
            for (int nb = 0; 4 * nb < steps && !(done_up && done_down); ++nb) {
                ps_normals((ps_u64)k, (ps_u64)nb, k0, k1, z);
                if (nb == 0) first = z[0];
#pragma unroll
                for (int q = 0; q < 4; ++q) {  // four dates to a block of normals (unrolled: z in registers)
                    int j = 4 * nb + q;
                    if (j >= steps) break;
                    double shock = deviation[j] * z[q];
                    up += drift[j] + shock;
                    down += drift[j] - shock;
                    if (count[j] == 0) continue;
                    const double* lo = low + PS_MAX_INTERVALS * j;
                    const double* hi = high + PS_MAX_INTERVALS * j;
                    if (!done_up && up > log_threshold[j]) {
                        double s = exp(up);
                        if (ps_inside(s, count[j], lo, hi)) {
                            pv_up = (s * units[j] + cash[j]) * grow[j] + received[j];
                            done_up = 1;
                        }
                    }
                    if (!done_down && down > log_threshold[j]) {
                        double s = exp(down);
                        if (ps_inside(s, count[j], lo, hi)) {
                            pv_down = (s * units[j] + cash[j]) * grow[j] + received[j];
                            done_down = 1;
                        }
                    }
                }
            }
            double mean = 0.5 * (pv_up + pv_down);
            double squares = first * first - 1.0;
            double gamma =
                0.5 * ((pv_up - claim0) * (squares - sd0 * first) + (pv_down - claim0) * (squares + sd0 * first)) *
                gamma_scale;
            figures[0] = mean;
            figures[1] = mean * mean;
            figures[2] = (double)((1 - done_up) + (1 - done_down));
            figures[3] = gamma;
            figures[4] = gamma * gamma;
        }
        ps_block_sum(figures, 5, shared);
        if (threadIdx.x == 0) {
            for (int r = 0; r < 5; ++r) out[r * blocks + b] = figures[r];
        }
    }
}
