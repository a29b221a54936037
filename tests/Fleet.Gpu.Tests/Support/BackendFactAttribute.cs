using Fleet.Gpu.Devices;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Fleet.Gpu.Tests.Support;

/// <summary>Marks a contract-test class that needs a CUDA GPU.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresCudaAttribute : Attribute;

/// <summary>
/// A fact of a backend contract. In a class marked <see cref="RequiresCudaAttribute"/> it is skipped when no CUDA GPU is
/// present, unless FLEET_REQUIRE_CUDA=1 says a GPU is required: then it runs and fails, because a silent skip is not a pass.
/// CI=true alone does not require one (CI machines have no GPU); the device check on a GPU host sets FLEET_REQUIRE_CUDA=1.
/// </summary>
[XunitTestCaseDiscoverer("Fleet.Gpu.Tests.Support.BackendFactDiscoverer", "Fleet.Gpu.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BackendFactAttribute : FactAttribute;

/// <summary>Decides per concrete test class whether a contract fact runs or is skipped.</summary>
public sealed class BackendFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        var needsCuda = testMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresCudaAttribute)).Any();
        if (needsCuda && !CudaProbe.Available && !CudaProbe.Required)
        {
            yield return new XunitSkippedDataRowTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(),
                discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod,
                $"no CUDA GPU ({CudaProbe.Reason}); set FLEET_REQUIRE_CUDA=1 to make this a failure");
            yield break;
        }

        yield return new XunitTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
    }
}

/// <summary>Whether this machine has a CUDA GPU, and whether the run demands one.</summary>
public static class CudaProbe
{
    private static readonly Lazy<(bool Available, string Reason)> s_probe = new(() =>
    {
        using var discovery = new DeviceDiscovery();
        var inventory = discovery.Discover();
        return inventory.Gpus.Any() ? (true, "found") : (false, string.Join("; ", inventory.Notes));
    });

    public static bool Available => s_probe.Value.Available;

    public static string Reason => s_probe.Value.Reason;

    public static bool Required => Environment.GetEnvironmentVariable("FLEET_REQUIRE_CUDA") == "1";
}
