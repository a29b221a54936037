using Fleet.StandIn;

namespace Fleet.Gpu.Tests.StandIn;

public class StandInBuildTests
{
    [Fact]
    public void Build_WithGcc_ProducesDriverNvmlAndCublasUnderVersionedNamesOnly()
    {
        var libs = StandInLibraries.Instance;
        Assert.Equal(["libcuda.so.1", "libnvidia-ml.so.1"], Directory.GetFiles(libs.DriverDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["libcublas.so.13", "libcublasLt.so.13"], Directory.GetFiles(libs.CublasDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Field_KeyValueLogLine_ReadsTheNamedValue()
    {
        Assert.Equal("64", StandInLibraries.Field("cublasGemmEx ta=0 m=64 lda=64", "m"));
        Assert.Null(StandInLibraries.Field("cublasGemmEx ta=0", "m"));
    }
}
