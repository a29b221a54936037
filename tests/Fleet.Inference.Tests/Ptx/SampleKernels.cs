using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Inference.Tests.Ptx;

/// <summary>Four 32-bit words: an <see cref="ArrayView{T}"/> of it is read 16 bytes at a time.</summary>
public struct Words4
{
    public uint A;
    public uint B;
    public uint C;
    public uint D;
}

/// <summary>Small kernels of the tests' own, to check the PTX inspection and the kernel scan on known code.</summary>
public static class SampleKernels
{
    /// <summary>A strided sum reading 16-byte vectors of words in its loop.</summary>
    public static void SumVectors(ArrayView<Words4> words, ArrayView<uint> sums, int count)
    {
        uint acc = 0;
        for (var j = Group.IdxX; j < count; j += Group.DimX)
        {
            var v = words[j];
            acc += v.A ^ v.B ^ v.C ^ v.D;
        }

        sums[Grid.GlobalIndex.X] = acc;
    }

    /// <summary>The same strided sum reading one 2-byte value at a time.</summary>
    public static void SumScalars(ArrayView<ushort> values, ArrayView<uint> sums, int count)
    {
        uint acc = 0;
        for (var j = Group.IdxX; j < count; j += Group.DimX)
        {
            acc += values[j];
        }

        sums[Grid.GlobalIndex.X] = acc;
    }

    /// <summary>Forty values live at once (every load precedes the first store, which may alias them): spills under a small register cap.</summary>
    public static void ManyLiveValues(Index1D i, ArrayView<float> x, ArrayView<float> y)
    {
        if (i != 0)
        {
            return;
        }

        var v0 = x[0];
        var v1 = x[1];
        var v2 = x[2];
        var v3 = x[3];
        var v4 = x[4];
        var v5 = x[5];
        var v6 = x[6];
        var v7 = x[7];
        var v8 = x[8];
        var v9 = x[9];
        var v10 = x[10];
        var v11 = x[11];
        var v12 = x[12];
        var v13 = x[13];
        var v14 = x[14];
        var v15 = x[15];
        var v16 = x[16];
        var v17 = x[17];
        var v18 = x[18];
        var v19 = x[19];
        var v20 = x[20];
        var v21 = x[21];
        var v22 = x[22];
        var v23 = x[23];
        var v24 = x[24];
        var v25 = x[25];
        var v26 = x[26];
        var v27 = x[27];
        var v28 = x[28];
        var v29 = x[29];
        var v30 = x[30];
        var v31 = x[31];
        var v32 = x[32];
        var v33 = x[33];
        var v34 = x[34];
        var v35 = x[35];
        var v36 = x[36];
        var v37 = x[37];
        var v38 = x[38];
        var v39 = x[39];
        y[0] = v0 * v1;
        y[1] = v1 * v2;
        y[2] = v2 * v3;
        y[3] = v3 * v4;
        y[4] = v4 * v5;
        y[5] = v5 * v6;
        y[6] = v6 * v7;
        y[7] = v7 * v8;
        y[8] = v8 * v9;
        y[9] = v9 * v10;
        y[10] = v10 * v11;
        y[11] = v11 * v12;
        y[12] = v12 * v13;
        y[13] = v13 * v14;
        y[14] = v14 * v15;
        y[15] = v15 * v16;
        y[16] = v16 * v17;
        y[17] = v17 * v18;
        y[18] = v18 * v19;
        y[19] = v19 * v20;
        y[20] = v20 * v21;
        y[21] = v21 * v22;
        y[22] = v22 * v23;
        y[23] = v23 * v24;
        y[24] = v24 * v25;
        y[25] = v25 * v26;
        y[26] = v26 * v27;
        y[27] = v27 * v28;
        y[28] = v28 * v29;
        y[29] = v29 * v30;
        y[30] = v30 * v31;
        y[31] = v31 * v32;
        y[32] = v32 * v33;
        y[33] = v33 * v34;
        y[34] = v34 * v35;
        y[35] = v35 * v36;
        y[36] = v36 * v37;
        y[37] = v37 * v38;
        y[38] = v38 * v39;
        y[39] = v39 * v0;
    }

    /// <summary>An implicitly grouped kernel.</summary>
    public static void Increment(Index1D i, ArrayView<int> values) => values[i] += 1;
}

/// <summary>Loader calls the kernel scan must classify (never run: only their IL is read).</summary>
internal static class LoaderSamples
{
    public static void LoadsNamedKernels(Accelerator accelerator)
    {
        accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>>(SampleKernels.Increment);
        accelerator.LoadStreamKernel<ArrayView<Words4>, ArrayView<uint>, int>(SampleKernels.SumVectors);
    }

    public static void LoadsAKernelItIsHanded(Accelerator accelerator, Action<Index1D, ArrayView<int>> kernel) =>
        accelerator.LoadAutoGroupedStreamKernel(kernel);
}
