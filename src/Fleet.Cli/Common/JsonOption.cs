using System.CommandLine;
using System.Text.Json;

namespace Fleet.Cli;

/// <summary>
/// The <c>--json [FILE]</c> option every verb takes: present without a value writes JSON to stdout, with a value to that file.
/// </summary>
public static class JsonOutput
{
    /// <summary>The plan results' serializer (<see cref="Fleet.Planning.PlanJson"/>), shared with the web app.</summary>
    public static readonly JsonSerializerOptions Options = Fleet.Planning.PlanJson.Options;

    /// <summary>Creates the option; read it with <see cref="Target"/>.</summary>
    public static Option<string?> CreateOption() => new("--json")
    {
        Description = "Write the result as JSON: to FILE when given, else to stdout.",
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "FILE",
    };

    /// <summary>
    /// Where <c>--json</c> writes: "-" for stdout when given bare, the path when given one, null when absent. Read from the
    /// option's result, because System.CommandLine 2.0 gives a bare option no value to parse.
    /// </summary>
    public static string? Target(ParseResult parse, Option<string?> option) =>
        parse.GetResult(option) is { Implicit: false } result
            ? result.Tokens.Count == 0 ? "-" : result.Tokens[0].Value
            : null;

    /// <summary>Writes <paramref name="value"/> where the option says; does nothing when it was not given.</summary>
    public static async Task WriteAsync<T>(string? target, T value, CancellationToken ct = default)
    {
        if (target is null)
        {
            return;
        }

        var json = JsonSerializer.Serialize(value, Options);
        if (target == "-")
        {
            await Console.Out.WriteLineAsync(json);
        }
        else
        {
            await File.WriteAllTextAsync(target, json + "\n", ct);
        }
    }
}
