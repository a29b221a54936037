using System.Runtime.CompilerServices;
using Fleet.Planning.Performance;

namespace Fleet.Planning.Simulation;

/// <summary>
/// Closed-form time of a run of decode steps on one replica: a batch of <c>B</c> sequences whose context Σctx grows by
/// <c>B</c> each step, every step costed as max(model, roofline floor). Lets the engine cover the steps between two
/// batch-changing events in one event instead of one per step.
/// </summary>
/// <remarks>
/// For a fixed batch every model here (fixed; a profile's a + b·Σctx + c·B, or its per-batch curve, which at a fixed
/// batch is one line in Σctx at or between measured batch sizes and the larger of two lines beyond the largest, see
/// <see cref="Fleet.Domain.Models.DecodeCurve"/>; roofline max of two lines) and the floor are convex and piecewise
/// linear in the step index, so a span on which the first two steps and the last are collinear is linear
/// throughout (convexity bounds it from both sides). Spans are split in half until they are; the step time of a linear
/// span is max of two lines (model, floor), and the time of its first j steps is j·v₀ + s·j(j−1)/2.
/// </remarks>
internal sealed class DecodeRun(IStepCostModel model, RooflineStepModel floor)
{
    private const double Tolerance = 1e-10;
    private readonly FixedStepModel? _fixed = model as FixedStepModel;

    /// <summary>Seconds of <paramref name="steps"/> decode steps from context <paramref name="context"/>, and how many were clamped to the floor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Seconds(int batch, long context, long steps, out long clamped)
    {
        var state = new WalkState { Limit = double.PositiveInfinity, Inclusive = true };
        Walk(batch, context, steps, ref state);
        clamped = state.Clamped;
        return state.Seconds;
    }

    /// <summary>
    /// Of <paramref name="steps"/> decode steps that began <paramref name="elapsed"/> seconds ago, how many have started
    /// (start ≤ elapsed when <paramref name="inclusive"/>, else start &lt; elapsed), the seconds until the last of them
    /// ends, and how many of them were clamped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long StartedBy(int batch, long context, long steps, double elapsed, bool inclusive, out double seconds, out long clamped)
    {
        var state = new WalkState { Limit = elapsed, Inclusive = inclusive };
        Walk(batch, context, steps, ref state);
        seconds = state.Seconds;
        clamped = state.Clamped;
        return state.Started;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Walk(int batch, long context, long steps, ref WalkState state)
    {
        if (_fixed is not null)
        {
            var last = new StepShape(0, 0, batch, context + ((steps - 1) * batch));
            var step = _fixed.StepSeconds(last);
            if (step >= floor.StepSeconds(last))
            {
                // A fixed decode step is constant and the floor only grows with context: no step of the run is clamped.
                Line(steps, step, 0, false, ref state);
                return;
            }
        }

        Split(batch, context, 0, steps, ref state);
    }

    // The small helpers below carry no AggressiveOptimization: the runtime never inlines a method that has it.

    /// <summary>Visits steps [lo, hi) in order as linear spans; false once the search limit is reached.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool Split(int batch, long context, long lo, long hi, ref WalkState state)
    {
        var length = hi - lo;
        if (length <= 2)
        {
            for (var k = lo; k < hi; k++)
            {
                var m = Model(batch, context, k);
                var f = Floor(batch, context, k);
                if (!Line(1, Math.Max(m, f), 0, m < f, ref state))
                {
                    return false;
                }
            }

            return true;
        }

        var m0 = Model(batch, context, lo);
        var m1 = Model(batch, context, lo + 1);
        var mz = Model(batch, context, hi - 1);
        var f0 = Floor(batch, context, lo);
        var f1 = Floor(batch, context, lo + 1);
        var fz = Floor(batch, context, hi - 1);
        if (Collinear(m0, m1, mz, length - 1) && Collinear(f0, f1, fz, length - 1))
        {
            return Span(length, m0, m1 - m0, f0, f1 - f0, ref state);
        }

        var mid = lo + (length / 2);
        return Split(batch, context, lo, mid, ref state) && Split(batch, context, mid, hi, ref state);
    }

    /// <summary>A span of <paramref name="length"/> steps costed max(m₀ + sₘ·j, f₀ + s_f·j): at most two lines.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Span(long length, double m0, double sm, double f0, double sf, ref WalkState state)
    {
        // d(j) = model − floor is linear; the clamped steps (d < 0) are a prefix or a suffix of the span.
        var d0 = m0 - f0;
        var ds = sm - sf;
        long split;
        bool clampedFirst;
        if (ds == 0)
        {
            split = length;
            clampedFirst = d0 < 0;
        }
        else
        {
            // First j at which the sign of d changes.
            var root = -d0 / ds;
            clampedFirst = d0 < 0;
            split = root <= 0 ? 0 : root >= length ? length : (long)Math.Ceiling(root);
            while (split > 0 && (d0 + (ds * (split - 1)) < 0) != clampedFirst)
            {
                split--;
            }

            while (split < length && (d0 + (ds * split) < 0) == clampedFirst)
            {
                split++;
            }
        }

        var (a0, sa) = clampedFirst ? (f0, sf) : (m0, sm);
        var (b0, sb) = clampedFirst ? (m0, sm) : (f0, sf);
        if (!Line(split, a0, sa, clampedFirst, ref state))
        {
            return false;
        }

        return split >= length || Line(length - split, b0 + (sb * split), sb, !clampedFirst, ref state);
    }

    /// <summary><paramref name="length"/> steps of v₀ + s·j seconds; false once the search limit is reached.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Line(long length, double v0, double s, bool clamped, ref WalkState state)
    {
        if (length <= 0)
        {
            return true;
        }

        var total = Total(length, v0, s);
        var limit = state.Limit - state.Seconds;
        if (double.IsPositiveInfinity(state.Limit) || Before(total, limit, state.Inclusive))
        {
            // Every step of the line starts in time (the one after it too, if any).
            state.Seconds += total;
            state.Started += length;
            state.Clamped += clamped ? length : 0;
            return true;
        }

        // The last j in [0, length) whose start Total(j) is in time; starts = j + 1.
        double guess;
        if (Math.Abs(s) < 1e-300)
        {
            guess = limit / v0;
        }
        else
        {
            var half = s / 2;
            var b = v0 - half;
            guess = (-b + Math.Sqrt(Math.Max(0, (b * b) + (4 * half * limit)))) / (2 * half);
        }

        var j = double.IsFinite(guess) ? (long)Math.Clamp(Math.Floor(guess), -1, length - 1) : length - 1;
        while (j + 1 < length && Before(Total(j + 1, v0, s), limit, state.Inclusive))
        {
            j++;
        }

        while (j >= 0 && !Before(Total(j, v0, s), limit, state.Inclusive))
        {
            j--;
        }

        state.Seconds += Total(j + 1, v0, s);
        state.Started += j + 1;
        state.Clamped += clamped ? j + 1 : 0;
        return false;
    }

    private static double Total(long j, double v0, double s) => (j * v0) + (s * (j * (double)(j - 1) / 2));

    private static bool Before(double start, double limit, bool inclusive) => inclusive ? start <= limit : start < limit;

    private static bool Collinear(double v0, double v1, double vz, long span)
    {
        var predicted = v0 + ((v1 - v0) * span);
        return Math.Abs(predicted - vz) <= Tolerance * Math.Max(Math.Abs(vz), Math.Abs(v0));
    }

    private double Model(int batch, long context, long k) => model.StepSeconds(new StepShape(0, 0, batch, context + (k * batch)));

    private double Floor(int batch, long context, long k) => floor.StepSeconds(new StepShape(0, 0, batch, context + (k * batch)));

    private struct WalkState
    {
        public double Limit;
        public bool Inclusive;
        public double Seconds;
        public long Started;
        public long Clamped;
    }
}
