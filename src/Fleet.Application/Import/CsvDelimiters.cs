using CsvHelper.Configuration;
using CsvHelper.Delegates;

namespace Fleet.Application.Import;

/// <summary>
/// The delimiters an uploaded CSV may use (comma, semicolon, tab, pipe) and CsvHelper's own detection over them, so the
/// GPU import and the packing lists pick a file's delimiter the same way.
/// </summary>
internal static class CsvDelimiters
{
    /// <summary>The candidates, in the order that breaks a tie: comma first.</summary>
    public static string[] Candidates { get; } = [",", ";", "\t", "|"];

    /// <summary>
    /// The delimiter CsvHelper's detection (<see cref="CsvConfiguration.GetDelimiter"/> over <see cref="CsvConfiguration.DetectDelimiterValues"/>,
    /// what <see cref="CsvConfiguration.DetectDelimiter"/> runs) picks for a file's header <paramref name="line"/>; comma when none appears.
    /// Only the header is looked at: CsvHelper wants a delimiter on every line it looks at, and a blank line has none.
    /// </summary>
    public static string Detect(string line)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { DetectDelimiter = true, DetectDelimiterValues = Candidates };
        // CsvHelper skips a last line without a line break after it as possibly partial, so one is added.
        return config.GetDelimiter(new GetDelimiterArgs(line.TrimEnd('\r', '\n') + "\n\n", config)) ?? Candidates[0];
    }
}
