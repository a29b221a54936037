namespace Fleet.Inference.Profiling;

/// <summary>Ordinary least squares for the profiler's small linear models (a handful of coefficients).</summary>
public static class LeastSquares
{
    /// <summary>
    /// Coefficients β minimising Σ (y − X·β)². Columns are scaled to unit norm before solving the normal equations
    /// (timings mix terms of size 1 and 10⁷), and the fit refuses a rank-deficient design with a clear message.
    /// </summary>
    public static double[] Fit(IReadOnlyList<double[]> rows, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(y);
        if (rows.Count != y.Count || rows.Count == 0)
        {
            throw new ArgumentException("Need one target per row and at least one row.", nameof(y));
        }

        var k = rows[0].Length;
        if (rows.Count < k)
        {
            throw new ArgumentException($"Need at least {k} measurements to fit {k} coefficients, got {rows.Count}.", nameof(rows));
        }

        var scale = new double[k];
        for (var j = 0; j < k; j++)
        {
            scale[j] = Math.Sqrt(rows.Sum(r => r[j] * r[j]));
            if (scale[j] == 0)
            {
                scale[j] = 1;
            }
        }

        // Normal equations on scaled columns: (AᵀA) β' = Aᵀy, with β = β' / scale.
        var m = new double[k, k + 1];
        for (var i = 0; i < rows.Count; i++)
        {
            for (var a = 0; a < k; a++)
            {
                var xa = rows[i][a] / scale[a];
                for (var b = 0; b < k; b++)
                {
                    m[a, b] += xa * rows[i][b] / scale[b];
                }

                m[a, k] += xa * y[i];
            }
        }

        for (var col = 0; col < k; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < k; r++)
            {
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col]))
                {
                    pivot = r;
                }
            }

            if (Math.Abs(m[pivot, col]) < 1e-12)
            {
                throw new ArgumentException("The measurements do not determine every coefficient (too few distinct sizes).", nameof(rows));
            }

            for (var c = 0; c <= k; c++)
            {
                (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
            }

            for (var r = 0; r < k; r++)
            {
                if (r == col)
                {
                    continue;
                }

                var f = m[r, col] / m[col, col];
                for (var c = col; c <= k; c++)
                {
                    m[r, c] -= f * m[col, c];
                }
            }
        }

        var beta = new double[k];
        for (var j = 0; j < k; j++)
        {
            beta[j] = m[j, k] / m[j, j] / scale[j];
        }

        return beta;
    }
}
