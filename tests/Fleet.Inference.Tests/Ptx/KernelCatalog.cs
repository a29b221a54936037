using System.Reflection;
using System.Reflection.Emit;
using ILGPU;
using ILGPU.Runtime;

namespace Fleet.Inference.Tests.Ptx;

/// <summary>One ILGPU kernel of Fleet: the method, how it is launched and whether its context enables ILGPU.Algorithms.</summary>
public sealed record KernelEntry(string Name, MethodInfo Method, bool ImplicitlyGrouped, bool Algorithms)
{
    public override string ToString() => Name;
}

/// <summary>What <see cref="KernelCatalog.Scan"/> found.</summary>
public sealed record KernelScan(IReadOnlyList<KernelEntry> Kernels, IReadOnlyList<string> Unresolved);

/// <summary>
/// Every ILGPU kernel of Fleet.Gpu and Fleet.Inference, found in the IL rather than listed by hand, so a new kernel
/// cannot be forgotten: each method whose delegate is handed to one of ILGPU's <c>Load…Kernel</c> loaders (the
/// loader's name says whether it is implicitly or explicitly grouped), plus each kernel-shaped static method of a
/// <c>…Kernels</c> class that nothing loads yet. An assembly that calls <c>EnableAlgorithms</c> builds its contexts
/// with ILGPU.Algorithms, so its kernels are compiled that way, as its accelerators would.
/// </summary>
public static class KernelCatalog
{
    private const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;

    /// <summary>The assemblies whose kernels are compiled: Fleet.Gpu and Fleet.Inference.</summary>
    public static IReadOnlyList<Assembly> Assemblies { get; } =
        [typeof(Fleet.Gpu.Kernels.MemoryKernels).Assembly, typeof(Fleet.Inference.Gpu.GpuKernels).Assembly];

    private static readonly Lazy<KernelScan> s_scan = new(() => Scan(Assemblies));

    /// <summary>Every kernel, ordered by name.</summary>
    public static IReadOnlyList<KernelEntry> Kernels => s_scan.Value.Kernels;

    /// <summary>Loader calls whose kernel the scan could not name (a delegate that arrives from elsewhere): each is a kernel the PTX test would miss.</summary>
    public static IReadOnlyList<string> UnresolvedLoadSites => s_scan.Value.Unresolved;

    /// <summary>The kernel called <paramref name="name"/> (<c>Type.Method</c>, e.g. <c>GpuKernels.Gemv</c>).</summary>
    public static KernelEntry Find(string name) =>
        Kernels.SingleOrDefault(k => k.Name == name)
        ?? throw new KeyNotFoundException($"no kernel '{name}'; known: {string.Join(", ", Kernels.Select(k => k.Name))}");

    /// <summary>Whether <paramref name="method"/> is an ILGPU loader (<c>LoadAutoGroupedStreamKernel</c>, <c>LoadStreamKernel</c>, …).</summary>
    public static bool IsLoader(MethodBase method) =>
        method.DeclaringType?.Assembly == typeof(Accelerator).Assembly
        && method.Name.StartsWith("Load", StringComparison.Ordinal)
        && method.Name.EndsWith("Kernel", StringComparison.Ordinal);

    /// <summary>Whether a loader of this name launches the kernel implicitly grouped (an index as first parameter).</summary>
    public static bool IsImplicitLoader(string name) =>
        name.Contains("AutoGrouped", StringComparison.Ordinal) || name.Contains("ImplicitlyGrouped", StringComparison.Ordinal);

    /// <summary>A kernel's name in the catalog and in test output: declaring type, dot, method.</summary>
    public static string NameOf(MethodInfo method) => $"{method.DeclaringType!.Name}.{method.Name}";

    /// <summary>The kernels of <paramref name="assemblies"/> and the loader calls whose kernel cannot be named.</summary>
    public static KernelScan Scan(IEnumerable<Assembly> assemblies)
    {
        var found = new Dictionary<MethodInfo, KernelEntry>();
        var unresolved = new List<string>();
        foreach (var assembly in assemblies)
        {
            var methods = assembly.GetTypes().SelectMany(t => t.GetMethods(All).Cast<MethodBase>().Concat(t.GetConstructors(All))).ToList();
            var algorithms = methods.Any(m => Calls(m).Any(c => c.Callee.Name == "EnableAlgorithms"));
            foreach (var site in methods)
            {
                MethodInfo? pending = null;
                foreach (var (opCode, callee) in Calls(site))
                {
                    if (opCode == OpCodes.Ldftn)
                    {
                        pending = callee as MethodInfo;
                    }
                    else if (IsLoader(callee))
                    {
                        if (pending is null || !pending.IsStatic)
                        {
                            unresolved.Add($"{site.DeclaringType?.FullName}.{site.Name} calls {callee.Name} with a kernel it does not name");
                        }
                        else
                        {
                            found.TryAdd(pending, new KernelEntry(NameOf(pending), pending, IsImplicitLoader(callee.Name), algorithms));
                        }

                        pending = null;
                    }
                }
            }

            // Kernel-shaped methods nothing loads yet are compiled too: they would be the first to fail on a GPU.
            foreach (var method in assembly.GetTypes().Where(t => t.Name.EndsWith("Kernels", StringComparison.Ordinal))
                         .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
                         .Where(IsKernelShaped))
            {
                found.TryAdd(method, new KernelEntry(NameOf(method), method, IsIndex(method.GetParameters()[0].ParameterType), algorithms));
            }
        }

        return new KernelScan([.. found.Values.OrderBy(k => k.Name, StringComparer.Ordinal)], unresolved);
    }

    /// <summary>A static void method that takes an ILGPU index first, or array views: the shapes ILGPU launches.</summary>
    public static bool IsKernelShaped(MethodInfo method)
    {
        var parameters = method.GetParameters();
        return method.IsStatic && method.ReturnType == typeof(void) && !method.IsGenericMethodDefinition && parameters.Length > 0
            && !method.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute))
            && (IsIndex(parameters[0].ParameterType) || parameters.Any(p => p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(ArrayView<>)));
    }

    private static bool IsIndex(Type type) =>
        type == typeof(Index1D) || type == typeof(Index2D) || type == typeof(Index3D)
        || type == typeof(LongIndex1D) || type == typeof(LongIndex2D) || type == typeof(LongIndex3D);

    private static readonly Dictionary<short, OpCode> s_opCodes = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    /// <summary>The method tokens a body's IL refers to (calls, newobj, ldftn), in order, with their op codes.</summary>
    private static IEnumerable<(OpCode OpCode, MethodBase Callee)> Calls(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var i = 0;
        while (i < il.Length)
        {
            var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            var op = s_opCodes[value];
            i += op.Size;
            var operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
            if (op.OperandType == OperandType.InlineMethod)
            {
                MethodBase? callee = null;
                try
                {
                    callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i),
                        method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null,
                        method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (ArgumentException)
                {
                    // A token of an open generic the module cannot bind here; never an ILGPU loader with a Fleet kernel.
                }

                if (callee is not null)
                {
                    yield return (op, callee);
                }
            }

            i += operand;
        }
    }
}
