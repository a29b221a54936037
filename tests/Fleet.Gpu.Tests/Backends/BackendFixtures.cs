using Fleet.Gpu.Backends;
using Fleet.Gpu.Backends.Cpu;
using Fleet.Gpu.Devices;

namespace Fleet.Gpu.Tests.Backends;

/// <summary>One backend per test class, created on first use (kernels compile once per accelerator).</summary>
public abstract class BackendFixture : IDisposable
{
    private readonly Lazy<IComputeBackend> _backend;

    protected BackendFixture() => _backend = new Lazy<IComputeBackend>(Create);

    public IComputeBackend Backend => _backend.Value;

    public void Dispose()
    {
        if (_backend.IsValueCreated)
        {
            _backend.Value.Dispose();
        }

        GC.SuppressFinalize(this);
    }

    protected abstract IComputeBackend Create();
}

/// <summary>ILGPU's CPU accelerator with the default small scale.</summary>
public sealed class CpuFixture : BackendFixture
{
    protected override IComputeBackend Create() => new CpuBackend();
}

/// <summary>CUDA device 0; throws (so the tests fail) when there is none.</summary>
public sealed class CudaFixture : BackendFixture
{
    private DeviceDiscovery? _discovery;

    protected override IComputeBackend Create()
    {
        _discovery = new DeviceDiscovery();
        var inventory = _discovery.Discover();
        var gpu = inventory.Gpus.FirstOrDefault()
            ?? throw new InvalidOperationException($"FLEET_REQUIRE_CUDA=1 but no CUDA GPU was found: {string.Join("; ", inventory.Notes)}");
        return _discovery.Open(gpu);
    }
}
