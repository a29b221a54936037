namespace Fleet.Gpu.Tests.Support;

/// <summary>Naive host references the kernels are checked against.</summary>
public static class Reference
{
    /// <summary>Row-major n×n product by the textbook triple loop, in double.</summary>
    public static double[] Multiply(double[] a, double[] b, int n)
    {
        var c = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double s = 0;
                for (var k = 0; k < n; k++)
                {
                    s += a[(i * n) + k] * b[(k * n) + j];
                }

                c[(i * n) + j] = s;
            }
        }

        return c;
    }

    /// <summary>Σ_k |a_ik·b_kj| for one element: the scale rounding errors are measured against.</summary>
    public static double AbsScale(double[] a, double[] b, int n, int i, int j)
    {
        double s = 0;
        for (var k = 0; k < n; k++)
        {
            s += Math.Abs(a[(i * n) + k] * b[(k * n) + j]);
        }

        return s;
    }
}
