using Fleet.Domain.Catalog;
using Fleet.Domain.Contracts.BurnIn;

namespace Fleet.Gpu.Matmul;

/// <summary>What the independent reference check found for one product.</summary>
public sealed record ReferenceCheck
{
    /// <summary>Columns whose sum disagrees with (eᵀA)·B beyond tolerance.</summary>
    public long ColumnChecksumMismatches { get; init; }
    /// <summary>Rows whose sum disagrees with A·(B·e) beyond tolerance.</summary>
    public long RowChecksumMismatches { get; init; }
    /// <summary>Host-computed sample elements that disagree beyond tolerance.</summary>
    public long SampleMismatches { get; init; }
    public int SampleSize { get; init; }
    public long NonFinite { get; init; }
    /// <summary>Largest |error| / Σ|a·b| over checksums and samples.</summary>
    public double MaxRelativeError { get; init; }
    public double Tolerance { get; init; }
    /// <summary>Root mean square of the result (the scale repeated products are compared at).</summary>
    public double Rms { get; init; }
    public bool Passed => ColumnChecksumMismatches == 0 && RowChecksumMismatches == 0 && SampleMismatches == 0 && NonFinite == 0;

    /// <summary>The check as the <c>fleet.burnin/v1</c> result reports it.</summary>
    public ReferenceCheckMetrics ToMetrics() => new()
    {
        ColumnChecksumMismatches = ColumnChecksumMismatches,
        RowChecksumMismatches = RowChecksumMismatches,
        SampleMismatches = SampleMismatches,
        SampleSize = SampleSize,
        MaxRelativeError = MaxRelativeError,
        Tolerance = Tolerance,
    };
}

/// <summary>
/// Checks a product against references computed independently on the host: row and column checksums (ABFT:
/// eᵀ(AB) = (eᵀA)B and (AB)e = A(Be)) plus a seeded sample of elements computed directly, each with a tolerance scaled
/// by the sum of |a·b| terms. A card that is wrong the same way every time fails here even though its repeats agree.
/// </summary>
public static class MatmulVerifier
{
    /// <summary>Verifies row-major <paramref name="c"/> = <paramref name="a"/>·<paramref name="b"/> (all n×n).</summary>
    public static ReferenceCheck Verify(Precision precision, int n, double[] a, double[] b, double[] c, int sampleSize, Random random)
    {
        var tolerance = PrecisionFacts.ReferenceTolerance(precision, n);
        long nonFinite = 0;
        double sumSq = 0;
        var colSumC = new double[n];
        var rowSumC = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var v = c[(i * n) + j];
                if (!double.IsFinite(v))
                {
                    nonFinite++;
                    continue;
                }

                colSumC[j] += v;
                rowSumC[i] += v;
                sumSq += v * v;
            }
        }

        // (eᵀA) and (eᵀ|A|), then times B and |B|.
        var colA = new double[n];
        var colAbsA = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                colA[k] += a[(i * n) + k];
                colAbsA[k] += Math.Abs(a[(i * n) + k]);
            }
        }

        var colRef = new double[n];
        var colAbs = new double[n];
        for (var k = 0; k < n; k++)
        {
            for (var j = 0; j < n; j++)
            {
                var bkj = b[(k * n) + j];
                colRef[j] += colA[k] * bkj;
                colAbs[j] += colAbsA[k] * Math.Abs(bkj);
            }
        }

        // (B e) and (|B| e), then A times them.
        var rowB = new double[n];
        var rowAbsB = new double[n];
        for (var k = 0; k < n; k++)
        {
            for (var j = 0; j < n; j++)
            {
                rowB[k] += b[(k * n) + j];
                rowAbsB[k] += Math.Abs(b[(k * n) + j]);
            }
        }

        long colBad = 0, rowBad = 0, sampleBad = 0;
        double maxRel = 0;
        for (var j = 0; j < n; j++)
        {
            var rel = Math.Abs(colSumC[j] - colRef[j]) / Math.Max(colAbs[j], double.Epsilon);
            maxRel = Math.Max(maxRel, rel);
            if (rel > tolerance)
            {
                colBad++;
            }
        }

        for (var i = 0; i < n; i++)
        {
            double r = 0, abs = 0;
            for (var k = 0; k < n; k++)
            {
                r += a[(i * n) + k] * rowB[k];
                abs += Math.Abs(a[(i * n) + k]) * rowAbsB[k];
            }

            var rel = Math.Abs(rowSumC[i] - r) / Math.Max(abs, double.Epsilon);
            maxRel = Math.Max(maxRel, rel);
            if (rel > tolerance)
            {
                rowBad++;
            }
        }

        var samples = Math.Min(sampleSize, n * n);
        for (var s = 0; s < samples; s++)
        {
            var i = random.Next(n);
            var j = random.Next(n);
            double r = 0, abs = 0;
            for (var k = 0; k < n; k++)
            {
                var t = a[(i * n) + k] * b[(k * n) + j];
                r += t;
                abs += Math.Abs(t);
            }

            var v = c[(i * n) + j];
            var rel = Math.Abs(v - r) / Math.Max(abs, double.Epsilon);
            if (!double.IsFinite(v) || rel > tolerance)
            {
                sampleBad++;
            }

            if (double.IsFinite(rel))
            {
                maxRel = Math.Max(maxRel, rel);
            }
        }

        return new ReferenceCheck
        {
            ColumnChecksumMismatches = colBad,
            RowChecksumMismatches = rowBad,
            SampleMismatches = sampleBad,
            SampleSize = samples,
            NonFinite = nonFinite,
            MaxRelativeError = maxRel,
            Tolerance = tolerance,
            Rms = Math.Sqrt(sumSq / Math.Max(1, (long)n * n - nonFinite)),
        };
    }
}
