using System.CommandLine;
using System.Globalization;
using System.Reflection;
using Fleet.Domain.Contracts.BurnIn;
using Fleet.Gpu.BurnIn;
using Spectre.Console;

namespace Fleet.Cli.Gpu;

/// <summary>Shared helpers of the gpu verbs: argument parsing, the tool version.</summary>
public static class GpuConsole
{
    public static string ToolVersion =>
        typeof(GpuConsole).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(GpuConsole).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <summary>Parses "90", "90s", "5m", "1h", "1h30m" or "hh:mm:ss"; throws naming the option on anything else.</summary>
    public static TimeSpan ParseDuration(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out var ts) && ts > TimeSpan.Zero)
        {
            return ts;
        }

        var total = TimeSpan.Zero;
        var number = string.Empty;
        foreach (var ch in t)
        {
            if (char.IsDigit(ch) || ch == '.')
            {
                number += ch;
                continue;
            }

            total += Unit(number, ch, text);
            number = string.Empty;
        }

        if (number.Length > 0)
        {
            total += Unit(number, 's', text);
        }

        return total > TimeSpan.Zero ? total : throw new ArgumentException($"--duration '{text}' is not a positive duration (examples: 90s, 5m, 1h30m, 00:10:00)");
    }

    public static FaultKind ParseFault(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "none" => FaultKind.None,
        "gemm" => FaultKind.Gemm,
        "memory" => FaultKind.Memory,
        "nan" => FaultKind.Nan,
        _ => throw new ArgumentException($"--inject-fault '{text}' is not one of gemm, memory, nan"),
    };


    public static string Gb(long bytes) => (bytes / 1e9).ToString("F1", CultureInfo.InvariantCulture) + " GB";

    private static TimeSpan Unit(string number, char unit, string text)
    {
        if (number.Length == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 0)
        {
            throw new ArgumentException($"--duration '{text}' is not a positive duration (examples: 90s, 5m, 1h30m, 00:10:00)");
        }

        return unit switch
        {
            's' => TimeSpan.FromSeconds(v),
            'm' => TimeSpan.FromMinutes(v),
            'h' => TimeSpan.FromHours(v),
            _ => throw new ArgumentException($"--duration '{text}': unknown unit '{unit}' (use s, m or h)"),
        };
    }
}
