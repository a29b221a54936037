namespace Fleet.Inference.Tests.Ptx;

/// <summary>The kernel list the PTX test runs over is complete: read from the IL, so no kernel is left out.</summary>
public class KernelCatalogTests
{
    [Fact]
    public void Catalog_FleetAssemblies_EveryLoaderCallNamesItsKernel()
    {
        Assert.Empty(KernelCatalog.UnresolvedLoadSites);
    }

    [Fact]
    public void Catalog_FleetAssemblies_HoldsKernelsOfBothWithTheirAcceleratorsContexts()
    {
        var gpu = KernelCatalog.Kernels.Where(k => k.Method.Module.Assembly == typeof(Fleet.Gpu.Kernels.MemoryKernels).Assembly).ToList();
        var inference = KernelCatalog.Kernels.Where(k => k.Method.Module.Assembly == typeof(Fleet.Inference.Gpu.GpuKernels).Assembly).ToList();

        Assert.True(KernelCatalog.Find("MemoryKernels.Fill").ImplicitlyGrouped);
        Assert.False(KernelCatalog.Find("MatmulKernels.TiledFp32").ImplicitlyGrouped);
        Assert.DoesNotContain(KernelCatalog.Kernels, k => k.Name == "MatmulKernels.E4M3"); // a helper that returns a value
        Assert.All(gpu, k => Assert.False(k.Algorithms, k.Name)); // Fleet.Gpu's contexts: b.Cuda()
        Assert.NotEmpty(inference);
        Assert.All(inference, k => Assert.True(k.Algorithms, k.Name)); // Fleet.Inference's: b.Cuda().EnableAlgorithms()
    }

    [Fact]
    public void Scan_LoaderCalls_TakeGroupingFromTheLoaderAndReportAnUnnamedKernel()
    {
        var scan = KernelCatalog.Scan([typeof(KernelCatalogTests).Assembly]);

        Assert.True(scan.Kernels.Single(k => k.Name == "SampleKernels.Increment").ImplicitlyGrouped);
        Assert.False(scan.Kernels.Single(k => k.Name == "SampleKernels.SumVectors").ImplicitlyGrouped);
        Assert.Contains(scan.Unresolved, u => u.Contains(nameof(LoaderSamples.LoadsAKernelItIsHanded), StringComparison.Ordinal));
    }

    [Fact]
    public void Scan_KernelInAKernelsClassThatNothingLoads_IsStillListed()
    {
        var scan = KernelCatalog.Scan([typeof(KernelCatalogTests).Assembly]);

        var unloaded = scan.Kernels.Single(k => k.Name == "SampleKernels.SumScalars");
        Assert.False(unloaded.ImplicitlyGrouped);
        Assert.DoesNotContain(scan.Kernels, k => k.Method.DeclaringType == typeof(LoaderSamples));
    }
}
